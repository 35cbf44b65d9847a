"""A shadow session against a real cloud: run by a detached driver until stopped.

The driver owns the session: it issues each shadow's vhost-scoped credentials, launches the
shadows (host name = the production host, shadow mode), answers their calls with responders,
mirrors production's traffic into their vhosts and taps what production sends. Every resource
is recorded in the session's ledger before it exists, so `shadow stop`, a crash and `harness gc`
all end in the same teardown. The records (effects, triggers, counters) outlive the session.
"""

import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness.bus import ServerSet, Transport
from harness.cloud.access import bus_url, reachable_endpoints, service_endpoints
from harness.cloud.clients import CloudClients, bus_user
from harness.config import load_cloud
from harness.config.schema import Cloud
from harness.creds.session import CredentialSession
from harness.creds.targets import layout_for
from harness.launchers import ShardHandle, get_launcher
from harness.nova.rest import placement_client, resource_providers
from harness.nova.side import NovaSide
from harness.nova.side_rows import RowCopier
from harness.paths import private_dir
from harness.scheduling import give_cpus_back, leave_cpus_to_production
from harness.sessions import Resource, Session, SessionStore
from harness.shadow.access_log import AccessLogTap, names_any
from harness.shadow.firehose import ReplyTap, reply_tap_queue
from harness.shadow.mirror import MirrorSpec
from harness.shadow.nova_side import (
    FANOUT_CASTS,
    every_effect,
    names_host,
    sent_by_a_compute,
    start_side,
)
from harness.shadow.records import TriggerLog, logs_dir, side_dir, write_counters
from harness.shadow.relay import Relay, Trigger
from harness.shadow.responders import Responder, load_rules
from harness.shadow.sources import NOVA, ShardSource
from harness.shadow.tap import EffectLog, Tap
from harness.shards.readiness import consumers, vhost_of, wait_ready
from harness.shards.shard_config import write_shard_conf

log = logging.getLogger(__name__)
# What production sends to its peers that the tap copies: calls and casts to the conductor,
# and notifications.
TAPPED_KEYS = ("conductor", "notifications.*")
SHADOW_NICE = 10  # a yielding session's driver and the shards it starts
READY_TIMEOUT = 60.0  # a shadow's container or process must consume its queue by then


@dataclass
class ShadowRequest:
    """What `harness shadow start` was asked for (kept in the session's info)."""

    cloud: str
    production_host: str
    candidate: str
    control: str | None = None
    sample: float = 1.0
    duration: float | None = None
    responders: str | None = None
    cloud_config: str | None = None
    firehose: bool = False  # observe replies through RabbitMQ's firehose
    yield_cpu: float | None = None  # the relay holds while this host's CPUs are busier
    shed: bool = False  # and the mirror is unbound meanwhile
    extra: dict[str, Any] = field(default_factory=dict)


def records_dir(session_id: str) -> Path:
    """Where a session's records live; kept after teardown for `shadow report`."""
    return private_dir("shadow", session_id)


def _url_for(cloud: Cloud, vhost: str) -> str:
    """The harness's own AMQP URL for one vhost of the cloud's broker."""
    base = bus_url(cloud)
    return base[: base.rindex("/")] + "/" + vhost.replace("/", "%2F")


class ShadowDriver:
    """Builds the session, keeps it running, and records counters until stopped."""

    def __init__(self, session: Session, store: SessionStore) -> None:
        self.session, self.store = session, store
        self.request = ShadowRequest(**session.info["request"])
        self.cloud = load_cloud(self.request.cloud, self.request.cloud_config)
        self.clients = CloudClients(self.cloud)
        self.root = records_dir(session.id)
        self.triggers: dict[str, str] = {}  # request id -> trigger id, for the tap
        self.relay: Relay | None = None
        self.taps: list[EffectLog] = []
        self.trigger_log: TriggerLog | None = None
        self.responders: list[ServerSet] = []
        self.nova_sides: list[NovaSide] = []  # the real nova sides' own control planes
        self.copier: RowCopier | None = None
        self.niceness = os.getpriority(os.PRIO_PROCESS, 0)  # the user's, given back at stop

    def _track(self, kind: str, **data: Any) -> None:
        self.store.track(self.session, Resource(kind, data))

    def _on_trigger(self, log_file: TriggerLog, trigger: Trigger) -> None:
        log_file.append(trigger)
        if trigger.request_id:
            self.triggers[trigger.request_id] = trigger.id

    def _start_shadow(self, creds: CredentialSession, role: str, source: ShardSource,
                      endpoints: dict[str, str]) -> tuple[str, ShardHandle]:
        """Issue the shadow's credentials, launch it (reaching its broker only, and a real nova
        side its own placement), answer its calls (a real nova side has its own conductor
        instead); its vhost and handle."""
        host = self.request.production_host
        self._track("vhost", name=f"shadow.{self.session.id}.{role}")
        delivery = creds.issue(host, "shadow", shard=role,
                               seen_as=get_launcher(source.launcher).credentials_path)
        assert delivery.conf_path is not None and delivery.record.vhost is not None
        vhost = delivery.record.vhost
        self.clients.management.set_permissions(vhost, bus_user(self.cloud))
        write_shard_conf(delivery.conf_path.parent, self.cloud, endpoints)
        records = side_dir(self.root, role)
        records.mkdir(parents=True, exist_ok=True)
        if source.kind == NOVA:
            nova = start_side(self.cloud, source.value, self.session.id, role, host,
                              delivery.conf_path, _url_for(self.cloud, vhost), records,
                              logs_dir(self.root), self._track)
            self.nova_sides.append(nova.side)
            spec = nova.spec
        else:
            spec = source.spec(self.session.id, role, host, delivery.conf_path.parent, records,
                               logs_dir(self.root), reachable_endpoints(self.cloud))
        handle = get_launcher(source.launcher).launch(spec)
        self._track("shard", **handle.to_dict())
        if source.kind != NOVA:
            self._start_responders(vhost)
        return vhost, handle

    def _start_responders(self, vhost: str) -> None:
        """Answer the shadow's calls to other services in its vhost by the session's rules."""
        servers = ServerSet(Transport(_url_for(self.cloud, vhost),
                                      self.cloud.bus.control_exchange))
        for rules in load_rules(Path(self.request.responders) if self.request.responders
                                else None):
            servers.add(rules.topic, "responder", [Responder(rules)], fanout=False)
        servers.start()
        self.responders.append(servers)

    def _wait_ready(self, vhost: str, handle: ShardHandle) -> None:
        """Until the shadow consumes its work queue: a copy relayed before would be unroutable
        in its vhost, and lost to it."""
        queue, url = f"compute.{self.request.production_host}", _url_for(self.cloud, vhost)
        wait_ready({f"{handle.shard} consuming {queue}": lambda: consumers(url, queue) > 0},
                   READY_TIMEOUT, partial(get_launcher(handle.launcher).alive, handle))

    def start(self) -> None:
        """Create everything, recording each piece first; then the session is running."""
        request, cloud = self.request, self.cloud
        if request.yield_cpu:  # the whole shadow side on idle CPU time only, its shards too
            leave_cpus_to_production(SHADOW_NICE)
        with self.store.state(self.session, "starting", "running"):
            self._track("creds_session", id=self.session.id)
            creds = CredentialSession(cloud, self.clients.vault, layout_for(cloud),
                                      session=self.session.id)
            self.creds = creds
            endpoints = service_endpoints(cloud) if cloud.endpoints else {}
            shadows = {"candidate": ShardSource.parse(request.candidate, "--candidate")}
            if request.control:
                shadows["control"] = ShardSource.parse(request.control, "--control")
            started = {role: self._start_shadow(creds, role, source, endpoints)
                       for role, source in shadows.items()}
            for vhost, handle in started.values():
                self._wait_ready(vhost, handle)
            vhosts = {role: vhost for role, (vhost, _) in started.items()}
            production = vhost_of(cloud)
            spec = MirrorSpec(self.session.id, request.production_host,
                              cloud.bus.control_exchange, durable=cloud.bus.durable_queues)
            for name in (spec.name, f"{spec.name}.dropped"):
                self._track("queue", vhost=production, name=name)
            self._track("exchange", vhost=production, name=spec.dropped_exchange)
            self._track("queue", vhost=production, name=f"harness.tap.{self.session.id}")
            self.trigger_log = trigger_log = TriggerLog(self.root)
            if self.nova_sides:
                self.copier = RowCopier(self.nova_sides)
            self.relay = Relay(bus_url(cloud), spec, [_url_for(cloud, v) for v in vhosts.values()],
                               request.sample,
                               on_trigger=lambda t: self._on_trigger(trigger_log, t),
                               yield_above=request.yield_cpu, shed=request.shed,
                               prepare=self.copier.ensure if self.copier else None)
            self.taps = [self._production_tap(), *self._production_placement(),
                         *self._nova_taps(vhosts)]
            if request.firehose:
                self.taps += self._reply_taps(trigger_log, {"production": production, **vhosts})
            for tap in self.taps:
                tap.declare()
            self.relay.declare()
            for tap in self.taps:
                tap.start()
            self.relay.start()

    def _production_tap(self) -> Tap:
        """What production sends to its peers; in a real nova session also its casts to every
        scheduler, without what nova-api sends upstream, and its periodic work."""
        cloud, root = self.cloud, side_dir(self.root, "production")
        if not self.nova_sides:
            return Tap(bus_url(cloud), self.session.id, cloud.bus.control_exchange, TAPPED_KEYS,
                       root / "tap.jsonl", self.triggers.get)
        return Tap(bus_url(cloud), self.session.id, cloud.bus.control_exchange, TAPPED_KEYS,
                   root / "tap.jsonl", self.triggers.get, fanouts=FANOUT_CASTS,
                   keep=sent_by_a_compute, periodic=names_host(self.request.production_host))

    def _production_placement(self) -> list[AccessLogTap]:
        """In a real nova session, production's placement requests from its access log (when
        the cloud names one): those the host made for a mirrored message (its request id),
        and its periodic ones (they name its resource provider)."""
        log_file, url = self.cloud.access_logs.get("placement"), self.cloud.endpoints.get(
            "placement")
        if not self.nova_sides or log_file is None or url is None:
            return []
        placement = placement_client(str(url).rstrip("/"))
        providers = [p["uuid"] for p in resource_providers(placement,
                                                           self.request.production_host)]
        return [AccessLogTap(Path(log_file), self.session.id, "production",
                             side_dir(self.root, "production") / "placement.jsonl",
                             self.triggers.get, names_any(providers))]

    def _nova_taps(self, vhosts: dict[str, str]) -> list[EffectLog]:
        """What each real nova shadow sends, tapped in its own vhost as production's is, and
        its placement requests, from its placement's access log."""
        taps: list[EffectLog] = []
        for side in self.nova_sides:
            records = side_dir(self.root, side.role)
            taps += [Tap(_url_for(self.cloud, vhosts[side.role]), self.session.id,
                         self.cloud.bus.control_exchange, TAPPED_KEYS, records / "tap.jsonl",
                         self.triggers.get, side=side.role, fanouts=FANOUT_CASTS,
                         periodic=every_effect),
                     AccessLogTap(side.access_log, self.session.id, side.role,
                                  records / "placement.jsonl", self.triggers.get, every_effect)]
        return taps

    def _reply_taps(self, trigger_log: TriggerLog, vhosts: dict[str, str]) -> list[ReplyTap]:
        """Switch each side's firehose on (production's back off at teardown, unless it was on
        already) and tap every side's replies the same way."""
        management, taps = self.clients.management, []
        for side, vhost in vhosts.items():
            if side == "production" and not management.tracing(vhost):
                self._track("firehose", vhost=vhost)
            management.set_tracing(vhost, True)  # a shadow's firehose goes with its vhost
            self._track("queue", vhost=vhost, name=reply_tap_queue(self.session.id, side).name)
            taps.append(ReplyTap(_url_for(self.cloud, vhost), self.session.id, side,
                                 side_dir(self.root, side) / "replies.jsonl",
                                 trigger_log.method_of))
        return taps

    def counters(self) -> dict[str, int]:
        """Relay and tap counts, for status and the report."""
        counts: dict[str, int] = {}
        if self.relay:
            counts.update(self.relay.counters)
        for tap in self.taps:
            counts.update(tap.counters)
        return counts

    def run(self, stop: threading.Event) -> None:
        """Save counters every second until stopped or the duration is over."""
        waited = 0.0
        while not stop.wait(1.0):
            waited += 1.0
            write_counters(self.root, self.counters())
            if self.trigger_log is not None:
                self.trigger_log.flush()
            if self.request.duration and waited >= self.request.duration:
                return

    def stop(self) -> None:
        """Stop relaying and tapping (records flushed), then the responders and renewals; a
        yielding session first takes back normal CPU time, as teardown follows at once."""
        if self.request.yield_cpu:
            give_cpus_back(os.getpid(), self.niceness)
        for part in (self.relay, *self.taps):
            if part is not None:
                part.stop()
        write_counters(self.root, self.counters())
        if self.trigger_log is not None:
            self.trigger_log.close()
        for servers in self.responders:
            servers.stop()
            servers.transport.close()
        if self.copier is not None:
            self.copier.close()
        if getattr(self, "creds", None) is not None and self.creds.renewer:
            self.creds.renewer.stop()


def new_session(request: ShadowRequest, session_id: str) -> Session:
    """The session record `shadow start` writes before the driver takes over."""
    return Session(session_id, "shadow", request.cloud, request.cloud_config,
                   info={"request": asdict(request), "host": request.production_host})
