"""Traffic through real nova-api: servers built, rebooted, stopped, started and deleted over
REST, their states read back from the API, timed by the sandbox's traffic generator."""

import threading
import time
from collections.abc import Sequence
from typing import Any

from harness.nova.layout import FLAVOR
from harness.nova.rest import RestClient, compute_client, compute_services
from harness.sandbox.board import Predicate, Row, WaitTimeout
from harness.sandbox.image_service import DEFAULT_IMAGES, image_id
from harness.sandbox.traffic import TrafficGenerator

POLL_SECONDS = 0.3
TINY = str(FLAVOR["id"])


class NovaRestLifecycles:
    """The lifecycle API and the state board in one: nova-api is both. `hosts` keeps the host
    each server was seen on, so that callers can tell where the scheduler placed builds; with
    `zone`, every build asks for that availability zone (`nova:HOST` names one host, which an
    administrator may do)."""

    def __init__(self, api: RestClient, flavor: str = TINY, zone: str | None = None) -> None:
        self.api = api
        self.flavor = flavor
        self.zone = zone
        self.hosts: dict[str, str] = {}
        self._closed = threading.Event()

    def create(self, ctxt: dict[str, Any], image_id: str) -> str:
        """POST /servers: a server of the flavor (tiny by default), in the availability zone
        when one is set, without networks, so neutron is only asked for ports."""
        if self._closed.is_set():
            raise WaitTimeout("no build once the traffic is closed")
        server = {"name": f"harness-{int(time.time() * 1000) % 10**8}",
                  "flavorRef": self.flavor, "imageRef": image_id, "networks": "none",
                  **({"availability_zone": self.zone} if self.zone else {})}
        return str(self.api.request("POST", "/servers", {"server": server})[1]["server"]["id"])

    def _action(self, uuid: str, body: dict[str, Any]) -> Any:
        return self.api.request("POST", f"/servers/{uuid}/action", body)[1]

    def reboot(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """A soft reboot."""
        self._action(instance_uuid, {"reboot": {"type": "SOFT"}})

    def stop(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """os-stop."""
        self._action(instance_uuid, {"os-stop": None})

    def start(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """os-start."""
        self._action(instance_uuid, {"os-start": None})

    def delete(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """DELETE /servers/{id}."""
        self.api.request("DELETE", f"/servers/{instance_uuid}", ok=(204, 404))

    def console_output(self, ctxt: dict[str, Any], instance_uuid: str,
                       tail_length: int | None = None) -> str:
        """os-getConsoleOutput."""
        reply = self._action(instance_uuid, {"os-getConsoleOutput": {"length": tail_length}})
        return str(reply["output"])

    def row(self, uuid: str) -> Row:
        """The server's state as the traffic generator reads it (404: deleted)."""
        status, body = self.api.request("GET", f"/servers/{uuid}", ok=(200, 404))
        if status == 404:
            return {"vm_state": "deleted", "task_state": None, "deleted": True, "fault": None}
        server = body["server"]
        if server.get("OS-EXT-SRV-ATTR:host"):
            self.hosts[uuid] = server["OS-EXT-SRV-ATTR:host"]
        return {"vm_state": server["OS-EXT-STS:vm_state"],
                "task_state": server["OS-EXT-STS:task_state"],
                "deleted": server["OS-EXT-STS:vm_state"] == "deleted",
                "fault": (server.get("fault") or {}).get("message")}

    def wait_for(self, uuid: str, predicate: Predicate, timeout: float) -> Row:
        """Poll the server until predicate holds; WaitTimeout with its last state (at once
        when the traffic is closed)."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.row(uuid)
            if predicate(row):
                return row
            if time.monotonic() > deadline or self._closed.is_set():
                raise WaitTimeout(f"server {uuid}: still vm_state={row['vm_state']!r} "
                                  f"task_state={row['task_state']!r} after {timeout:g}s")
            self._closed.wait(POLL_SECONDS)

    def forget(self, uuid: str) -> None:
        """Nothing kept per server."""

    def close(self) -> None:
        """End every wait and refuse new builds: lifecycles in flight go on to their delete,
        whose request is still sent."""
        self._closed.set()


def compute_hosts_up(api: RestClient) -> list[str]:
    """The hosts whose nova-compute nova shows up and enabled."""
    return sorted(s["host"] for s in compute_services(api)
                  if s["binary"] == "nova-compute" and s.get("state") == "up"
                  and s["status"] == "enabled")


def wait_for_compute_hosts(api: RestClient, timeout: float) -> list[str]:
    """At least one compute host up, or TimeoutError."""
    deadline = time.monotonic() + timeout
    while not (hosts := compute_hosts_up(api)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no nova-compute up after {timeout:g}s")
        time.sleep(1.0)
    return hosts


def nova_traffic(compute_endpoint: str, steps: Sequence[str], timeout: float,
                 flavor: str = TINY,
                 zone: str | None = None) -> tuple[NovaRestLifecycles, TrafficGenerator]:
    """A traffic generator driving real nova-api at this endpoint with servers of the flavor
    (in the availability zone when given), and the lifecycles it drives; one request may take
    as long as an operation."""
    lifecycles = NovaRestLifecycles(compute_client(compute_endpoint, timeout), flavor, zone)
    first_image = image_id(next(iter(DEFAULT_IMAGES)))
    return lifecycles, TrafficGenerator(lifecycles, lifecycles, first_image, steps=steps,
                                        timeout=timeout)
