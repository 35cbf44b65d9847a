"""Real nova-compute hosts compared with each other, as production and candidate: the same
lifecycles driven through nova-api on each, every host's conductor calls and scheduler casts
tapped from the broker and grouped per lifecycle step, host names and ids normalised.

A conductor call carries the request id of what caused it: a lifecycle step's calls share the
id of the API request, and the step is named by the instance action event nova-compute starts
for it (`compute_reboot_instance`). Calls no step caused (heartbeats, resource reports, and the
resource tracker's ComputeNode saves, which keep the context their node was loaded with) are the
host's periodic work. Which host made a call is read from what it names: its instance or host.
"""

import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

import kombu

from harness.bus import envelope, topology
from harness.bus.exceptions import MalformedMessage
from harness.bus.transport import BROKER_ERRORS, connect
from harness.errors import HarnessError, InfrastructureError
from harness.nova.rest import RestClient
from harness.sandbox.image_service import DEFAULT_IMAGES, image_id
from harness.shadow.background import BackgroundLoop
from harness.shadow.compare.observation import PERIODIC, Effect
from harness.shadow.tap import as_effect

log = logging.getLogger(__name__)
CONDUCTOR_TOPIC, SCHEDULER = "conductor", "scheduler"
API_NAMESPACE = "compute_task"  # nova-api's and conductors' casts to the conductor's task API
EVENT_START = "InstanceActionEvent.event_start"
# A lifecycle's steps, by the compute RPC method each is
STEP_METHODS = ("build_and_run_instance", "reboot_instance", "terminate_instance")
POLL_SECONDS = 0.3
Message = tuple[str, dict[str, Any]]  # (exchange, inner oslo message)


class HostsTap(BackgroundLoop):
    """Copies every call to the conductor and every cast to the schedulers' fanout in a cloud's
    vhost, through an exclusive queue of its own, as they come (the vhost is busy: a queue left
    to fill would hold every other host's heartbeats too)."""

    thread_name = "hosts-tap"

    def __init__(self, url: str, exchange: str) -> None:
        super().__init__()
        self.url, self.exchange = url, exchange
        self.messages: list[Message] = []
        self.error: Exception | None = None
        self.losses = 0  # times the connection, and the queue with it, was lost
        self._ready = threading.Event()

    def start(self) -> Self:
        """Run, once the queue is bound (so nothing sent after this returns is missed)."""
        super().start()
        self._ready.wait(timeout=30)
        if self.error is not None or not self._ready.is_set():
            raise InfrastructureError(f"the hosts tap could not bind its queue: {self.error}")
        return self

    def stop(self) -> None:
        """Stop; an error if the tap could not run at all."""
        super().stop()
        if self.error is not None:
            raise InfrastructureError(f"the hosts tap failed: {self.error}")

    def _keep(self, message: kombu.Message) -> None:
        try:
            inner = envelope.decode(envelope.decode_body(message.body))
        except MalformedMessage:
            return
        self.messages.append((str(message.delivery_info.get("exchange", "")), inner))

    def run(self) -> None:
        """Consume until stopped; a lost connection takes the exclusive queue with it, so the
        tap binds a new one and counts the loss (what was sent meanwhile is missing)."""
        while not self._stop.is_set():
            try:
                self._consume()
            except BROKER_ERRORS as error:
                log.warning("the hosts tap lost the broker (%s); binding a new queue", error)
                self.losses += 1
                time.sleep(0.5)
            except Exception as error:  # reported in the caller's thread, by start() or stop()
                self.error = error
                self._ready.set()
                return

    def _consume(self) -> None:
        name = f"hosts-tap.{uuid.uuid4().hex[:12]}"
        bindings = [kombu.binding(topology.control_exchange(self.exchange),
                                  routing_key=CONDUCTOR_TOPIC),
                    kombu.binding(topology.fanout_exchange(SCHEDULER))]
        queue = kombu.Queue(name, bindings=bindings, exclusive=True, auto_delete=True)
        with connect(self.url) as conn, conn.Consumer(
                [queue], callbacks=[lambda _, m: self._keep(m)], no_ack=True):
            self._ready.set()
            while not self._stop.is_set():
                try:
                    conn.drain_events(timeout=0.2)
                except TimeoutError:
                    continue


@dataclass
class Lifecycle:
    """One server's build, reboot and delete on one host: its index there and instance."""

    host: str
    index: int
    instance: str = ""
    failure: str = ""


def _wait(api: RestClient, server: str, done: Any, timeout: float) -> dict[str, Any]:
    """Poll a server until `done(status, body)`; TimeoutError naming its last state."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = api.request("GET", f"/servers/{server}", ok=(200, 404))
        if done(status, body):
            return body or {}
        if time.monotonic() > deadline:
            raise TimeoutError(f"server {server}: still {body and body['server']['status']} "
                               f"after {timeout:g}s")
        time.sleep(POLL_SECONDS)


def drive(api: RestClient, flavor: str, lifecycle: Lifecycle, timeout: float = 120
          ) -> Lifecycle:
    """Build a server of `flavor` forced onto the lifecycle's host, reboot it, delete it; a
    step that fails or times out is noted in `failure` and ends the lifecycle."""
    body = {"server": {"name": f"lifecycle-{lifecycle.index}", "flavorRef": flavor,
                       "imageRef": image_id(next(iter(DEFAULT_IMAGES))), "networks": "none",
                       "availability_zone": f"nova:{lifecycle.host}"}}
    try:
        lifecycle.instance = api.request("POST", "/servers", body)[1]["server"]["id"]
        _wait(api, lifecycle.instance,
              lambda _, b: b["server"]["status"] in ("ACTIVE", "ERROR"), timeout)
        api.request("POST", f"/servers/{lifecycle.instance}/action",
                    {"reboot": {"type": "SOFT"}})
        _wait(api, lifecycle.instance, lambda _, b: b["server"]["OS-EXT-STS:task_state"] is None
              and b["server"]["status"] != "REBOOT", timeout)
        api.request("DELETE", f"/servers/{lifecycle.instance}", ok=(204, 404))
        _wait(api, lifecycle.instance, lambda status, _: status == 404, timeout)
    except (TimeoutError, HarnessError) as error:
        lifecycle.failure = str(error)
    return lifecycle


def _step(event: str) -> str:
    """The compute RPC method an instance action event names (`compute_reboot_instance`)."""
    method = event.removeprefix("compute_").lstrip("_")
    return method.removeprefix("do_")


def _group_cause(effects: list[dict[str, Any]],
                 lifecycles: dict[str, Lifecycle]) -> tuple[Lifecycle | None, str]:
    """The lifecycle and step a request id's calls belong to, (None, PERIODIC) for a host's
    own work, (None, "") for a step of a server not ours."""
    for effect in effects:
        payload = effect.get("payload") or {}
        if f"{payload.get('objname')}.{payload.get('objmethod')}" == EVENT_START:
            instance, event = payload["args"][0], payload["args"][1]
            found = lifecycles.get(instance)
            return (found, f"{found.index}:{_step(event)}") if found else (None, "")
    return None, PERIODIC


def _normalised(effect: dict[str, Any], host: str, node: str,
                instances: dict[str, str]) -> dict[str, Any]:
    """The effect with its host's name, node uuid and instance uuids (`instances`: uuid ->
    placeholder) replaced by placeholders."""
    text = json.dumps(effect).replace(host, "<host>").replace(node, "<node>")
    for instance, placeholder in instances.items():
        text = text.replace(instance, placeholder)
    return dict(json.loads(text))


def host_effects(messages: Iterable[Message], lifecycles: Iterable[Lifecycle],
                 nodes: dict[str, str]) -> dict[str, list[Effect]]:
    """Per host (`nodes`: host -> node uuid), its effects: caused_by `INDEX:METHOD` for a
    lifecycle step, `periodic` for its own work, in the order the broker saw them."""
    by_instance = {lc.instance: lc for lc in lifecycles if lc.instance}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seq, (exchange, inner) in enumerate(messages):
        if inner.get("namespace") == API_NAMESPACE:
            continue
        target = SCHEDULER if exchange == topology.fanout_exchange(SCHEDULER).name else (
            CONDUCTOR_TOPIC)
        effect = as_effect(inner, target, "hosts")
        if effect is not None:
            effect["seq"] = seq
            groups[str(effect.get("request_id"))].append(effect)
    found: dict[str, list[Effect]] = {host: [] for host in nodes}
    placeholders: dict[str, dict[str, str]] = defaultdict(dict)
    for lc in by_instance.values():
        placeholders[lc.host][lc.instance] = f"<instance-{lc.index}>"
    for effects in groups.values():
        lifecycle, cause = _group_cause(effects, by_instance)
        text = json.dumps(effects)
        host = lifecycle.host if lifecycle else next((h for h in nodes if h in text), None)
        if not cause or host is None:
            continue
        for effect in effects:
            seen = {**effect, "caused_by": cause, "request_id": None}
            found[host].append({**_normalised(seen, host, nodes[host], placeholders[host]),
                                "shard": host})
    for host_found in found.values():
        host_found.sort(key=lambda e: int(e["seq"]))
    return found


def triggers_of(lifecycles: Iterable[Lifecycle]) -> dict[str, str]:
    """The groups two hosts' lifecycles are compared by: `INDEX:METHOD` -> METHOD."""
    return {f"{lc.index}:{method}": method for lc in lifecycles for method in STEP_METHODS}
