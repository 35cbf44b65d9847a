"""The sandbox scheduler: places a build on a live host with room, like nova's filter scheduler."""

import datetime
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness.hollow.resources import Resources
from harness.sandbox.store import Store, utcnow


class NoValidHost(Exception):
    """No live, enabled host has room for the request."""


@dataclass(frozen=True)
class HostState:
    """What the scheduler knows of one host: its capacity, what it reported, when it last beat."""

    host: str
    capacity: Resources
    reported_used: Resources
    heartbeat_at: datetime.datetime | None
    disabled: bool


def _larger(a: Resources, b: Resources) -> Resources:
    """Each resource's larger amount: the conservative view of two usage reports."""
    return Resources(max(a.memory_mb, b.memory_mb), max(a.vcpus, b.vcpus),
                     max(a.disk_gb, b.disk_gb))


class Scheduler:
    """Learns hosts from compute-node and service records; claims what it places until released."""

    def __init__(self, store: Store, service_down_time: float = 60.0,
                 refresh_interval: float = 1.0,
                 clock: Callable[[], datetime.datetime] = utcnow) -> None:
        self.store = store
        self.service_down_time = datetime.timedelta(seconds=service_down_time)
        self.refresh_interval = refresh_interval
        self.clock = clock
        self._hosts: dict[str, HostState] = {}
        self._claims: dict[str, tuple[str, Resources]] = {}
        self._claimed: dict[str, Resources] = {}
        self._refreshed = 0.0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Re-read every host's record from the database."""
        hosts = {}
        for row in self.store.compute_hosts():
            hosts[row["host"]] = HostState(
                host=row["host"],
                capacity=Resources(row["memory_mb"], row["vcpus"], row["local_gb"]),
                reported_used=Resources(row["memory_mb_used"], row["vcpus_used"],
                                        row["local_gb_used"]),
                heartbeat_at=row["heartbeat_at"],
                disabled=bool(row["disabled"]),
            )
        with self._lock:
            self._hosts = hosts
            self._refreshed = time.monotonic()

    def refresh_if_stale(self) -> None:
        """Re-read the hosts when the last reading is older than the refresh interval."""
        if time.monotonic() - self._refreshed > self.refresh_interval:
            self.refresh()

    def is_up(self, state: HostState) -> bool:
        """A host is up when its service beat within service_down_time and is enabled."""
        if state.disabled or state.heartbeat_at is None:
            return False
        return self.clock() - state.heartbeat_at <= self.service_down_time

    def free(self, state: HostState) -> Resources:
        """Room left: capacity minus the larger of reported and claimed usage."""
        claimed = self._claimed.get(state.host, Resources())
        return state.capacity - _larger(state.reported_used, claimed)

    def select_destination(self, instance_uuid: str, wants: Resources,
                           exclude: frozenset[str] = frozenset()) -> str:
        """Claim room for an instance on the live host with most free memory; return the host."""
        self.refresh_if_stale()
        with self._lock:
            candidates = [(self.free(s).memory_mb, random.random(), s.host)
                          for s in self._hosts.values()
                          if s.host not in exclude and self.is_up(s)
                          and wants.fits_in(self.free(s))]
            if not candidates:
                raise NoValidHost(f"no host has room for {wants.as_dict()}: "
                                  f"{self._describe(exclude)}")
            host = max(candidates)[2]
            self._claim(instance_uuid, host, wants)
            return host

    def _describe(self, exclude: frozenset[str]) -> str:
        """Why each known host was passed over (a few of them), for the fault message."""
        reasons = []
        for state in list(self._hosts.values())[:5]:
            if state.host in exclude:
                why = "excluded"
            elif not self.is_up(state):
                why = f"down since {state.heartbeat_at}"
            else:
                why = f"free {self.free(state).as_dict()}"
            reasons.append(f"{state.host} {why}")
        return f"{len(self._hosts)} hosts known" + (f" ({'; '.join(reasons)})" if reasons else "")

    def claim(self, instance_uuid: str, host: str, wants: Resources) -> None:
        """Record an existing instance's usage (after a restart, from the database)."""
        with self._lock:
            self._claim(instance_uuid, host, wants)

    def _claim(self, instance_uuid: str, host: str, wants: Resources) -> None:
        self._release(instance_uuid)
        self._claims[instance_uuid] = (host, wants)
        self._claimed[host] = self._claimed.get(host, Resources()) + wants

    def release(self, instance_uuid: str) -> None:
        """Forget an instance's claim once it is deleted or failed."""
        with self._lock:
            self._release(instance_uuid)

    def _release(self, instance_uuid: str) -> None:
        claim = self._claims.pop(instance_uuid, None)
        if claim is not None:
            host, wants = claim
            self._claimed[host] = self._claimed[host] - wants

    def live_hosts(self) -> list[str]:
        """Names of the hosts that are up, as of the last refresh."""
        with self._lock:
            return sorted(s.host for s in self._hosts.values() if self.is_up(s))
