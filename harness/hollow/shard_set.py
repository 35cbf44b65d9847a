"""Many hollow compute shards in one process: a channel each, a connection per 250, shared
workers."""

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from harness.bus import (
    MessagingTimeout,
    Notifier,
    RemoteError,
    RPCClient,
    ServerSet,
    Target,
    Transport,
)
from harness.hollow.compute import COMPUTE_TOPIC, DEFAULT_RPC_VERSION, HollowCompute
from harness.hollow.effects import EffectRecorder
from harness.hollow.ordering import PerInstanceOrder
from harness.hollow.resources import DEFAULT_HOST_CAPACITY, Resources
from harness.hollow.services import CONDUCTOR_TOPIC, CONDUCTOR_VERSION, ShardServices
from shims.mode import Mode, current_mode

log = logging.getLogger(__name__)
STOP_POLL_SECONDS = 0.2
# RabbitMQ's default channel_max is 2047 a connection; one shard takes one channel. A
# connection's frames are read (and its queues declared) by one thread: fewer shards a
# connection spread that work.
CHANNELS_PER_CONNECTION = 250
RESERVED_CHANNELS = 8
MAX_SHARDS_PER_PROCESS = 10_000
FIRST_RETRY_PAUSE = 1.0
MAX_RETRY_PAUSE = 30.0

ShardFactory = Callable[[str, ShardServices], HollowCompute]


def check_shard_count(count: int) -> int:
    """A count one process can carry, else ValueError saying how to spread it."""
    if count > MAX_SHARDS_PER_PROCESS:
        raise ValueError(
            f"{count} shards do not fit in one process (at most {MAX_SHARDS_PER_PROCESS}: "
            f"{CHANNELS_PER_CONNECTION} a connection, one core); run several "
            "processes, as `harness scale run` does with shards.per_process")
    return count


def shards_per_connection(channel_max: int) -> int:
    """How many shards one connection carries: a channel each, under the broker's limit
    (0: the broker set none), keeping room for the loop's own wake-up channel."""
    if channel_max <= 0:
        return CHANNELS_PER_CONNECTION
    return max(1, min(CHANNELS_PER_CONNECTION, channel_max - RESERVED_CHANNELS))


def shard_hosts(host: str, count: int) -> list[str]:
    """The host names of `count` shards: `host` alone, or host-0 ... host-(count-1)."""
    check_shard_count(count)
    if count < 1:
        raise ValueError(f"a shard count must be at least 1, got {count}")
    return [host] if count == 1 else [f"{host}-{i}" for i in range(count)]


@dataclass(frozen=True)
class ShardOptions:
    """How the shards of a set behave: RPC version served, capacity (and the placement resource
    class offering it, when not the standard ones), report periods."""

    rpc_version: str = DEFAULT_RPC_VERSION
    capacity: Resources = DEFAULT_HOST_CAPACITY
    resource_class: str | None = None
    report_interval: float = 10.0
    resource_interval: float = 60.0
    conductor_timeout: float = 60.0
    workers: int = 16
    report_workers: int = 64  # threads waiting on the conductor's replies to periodic reports


class _Periodic:
    """When each shard's heartbeat and resource report are next due (first ones staggered),
    and which of them is still waiting for the conductor (never queued twice, as nova's
    looping calls do not overlap)."""

    def __init__(self, shard: HollowCompute, options: ShardOptions, now: float) -> None:
        self.shard = shard
        self.heartbeat_at = now + random.uniform(0, options.report_interval)
        self.resources_at = now + random.uniform(0, options.resource_interval)
        self.in_flight: set[str] = set()


class ShardSet:
    """Starts, serves and stops hollow compute shards; embeddable (start/stop) or CLI-driven."""

    def __init__(self, bus_url: str, control_exchange: str, hosts: Sequence[str],
                 endpoints: dict[str, str], effects: EffectRecorder | None = None,
                 options: ShardOptions = ShardOptions(),
                 shard_factory: ShardFactory | None = None) -> None:
        self.transport = Transport(bus_url, control_exchange)
        self.hosts = list(hosts)
        self.endpoints = endpoints
        self.effects = effects or EffectRecorder()
        self.options = options
        self.shard_factory = shard_factory or self._default_shard
        self.shards: list[HollowCompute] = []
        self.executor = ThreadPoolExecutor(options.workers, thread_name_prefix="hollow")
        # Reports wait on their own threads: a backlog of heartbeats never delays a request.
        self._reporters = ThreadPoolExecutor(options.report_workers,
                                             thread_name_prefix="hollow-report")
        shadow = (self.effects.mode or current_mode()) is Mode.SHADOW
        self._dispatch = PerInstanceOrder(self.executor) if shadow else self.executor
        self.servers: list[ServerSet] = []
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None

    def _default_shard(self, host: str, services: ShardServices) -> HollowCompute:
        return HollowCompute(host, services, self.options.rpc_version, self.options.capacity,
                             self.options.resource_class)

    def start(self, stop: threading.Event | None = None) -> None:
        """Create every shard, serve, register it with the conductor (waiting for one, until
        `stop` is set or `stop()` is called), and start reporting."""
        self._stopped.clear()
        conductor = RPCClient(self.transport, Target(topic=CONDUCTOR_TOPIC,
                                                     version=CONDUCTOR_VERSION),
                              timeout=self.options.conductor_timeout)
        notifier = Notifier(self.transport, "compute")
        per_connection = self._open_server_sets()
        for host in self.hosts:
            services = ShardServices(conductor, notifier, self.endpoints,
                                     self.effects.for_host(host))
            self.shards.append(self.shard_factory(host, services))
        # Each connection declares its shards' queues in a thread of its own: the declares are
        # round trips to the broker, which serves connections in parallel.
        with ThreadPoolExecutor(len(self.servers), thread_name_prefix="hollow-attach") as pool:
            list(pool.map(self._attach, self.servers,
                          [self.shards[i:i + per_connection]
                           for i in range(0, len(self.shards), per_connection)]))
        self._report_in(stop or self._stopped)
        self._ticker = threading.Thread(target=self._tick, name="hollow-periodic", daemon=True)
        self._ticker.start()

    @staticmethod
    def _attach(servers: ServerSet, shards: list[HollowCompute]) -> None:
        """Serve these shards on one server set (connection) and start its loop."""
        for shard in shards:
            servers.add(COMPUTE_TOPIC, shard.host, [shard])
        servers.start()

    def _open_server_sets(self) -> int:
        """One server set (a connection) per `per_connection` shards, as many as the count
        needs: a connection carries at most the broker's channel_max channels, one a shard;
        returns `per_connection`."""
        first = ServerSet(self.transport, self._dispatch)
        negotiated = getattr(first.connection.connection, "channel_max", None) or 0
        per_connection = shards_per_connection(negotiated)
        self.servers = [first] + [ServerSet(self.transport, self._dispatch)
                                  for _ in range(1, -(-len(self.hosts) // per_connection))]
        return per_connection

    def counters(self) -> dict[str, int]:
        """Every server set's counters summed by kind."""
        total: Counter[str] = Counter()
        for servers in self.servers:
            total.update(servers.counters())
        return dict(total)

    def _report_in(self, stop: threading.Event) -> None:
        """Every shard's first reports; a stop abandons them at once (closing the transport
        fails the calls still waiting for a reply rather than waiting out their timeout)."""
        futures = [self.executor.submit(self._report_in_when_answered, shard, stop)
                   for shard in self.shards]
        while wait(futures, timeout=STOP_POLL_SECONDS).not_done:
            if stop.is_set():
                self.transport.close()  # again when a retry has opened another reply queue
        for future in futures:
            future.result()

    @staticmethod
    def _report_in_when_answered(shard: HollowCompute, stop: threading.Event) -> None:
        """Service.create and the first resource report, retried after each timeout, as
        nova-compute waits for a conductor started after it instead of exiting; a call the
        conductor failed is logged and tried again after a pause, and the other shards of the
        process go on meanwhile."""
        pause = FIRST_RETRY_PAUSE
        while True:
            try:
                shard.start_reporting()
                return
            except MessagingTimeout:
                if stop.is_set():
                    return
                log.warning("%s: timed out waiting for the conductor (is it running? did this "
                            "shard start first?); trying again", shard.host)
            except Exception as error:
                if stop.is_set():
                    return
                log.warning("%s: report-in failed: %s; it keeps serving and tries again in "
                            "%.1fs", shard.host, _first_line(error), pause)
                if stop.wait(random.uniform(pause / 2, pause)):
                    return
                pause = min(pause * 2, MAX_RETRY_PAUSE)

    def _tick(self) -> None:
        """Submit each shard's heartbeat and resource report when due, until stopped."""
        now = time.monotonic()
        periodic = [_Periodic(shard, self.options, now) for shard in self.shards]
        while not self._stopped.wait(0.5):
            now = time.monotonic()
            for entry in periodic:
                if now >= entry.heartbeat_at and "heartbeat" not in entry.in_flight:
                    entry.heartbeat_at = now + self.options.report_interval
                    self._submit(entry, "heartbeat", entry.shard.heartbeat)
                if now >= entry.resources_at and "resources" not in entry.in_flight:
                    entry.resources_at = now + self.options.resource_interval
                    self._submit(entry, "resources", entry.shard.report_resources)

    def _submit(self, entry: _Periodic, kind: str, task: Callable[[], None]) -> None:
        """Run a shard's periodic task on the reporters, logging (not raising) its failure."""
        def run() -> None:
            try:
                task()
            except Exception as error:
                log.warning("%s: periodic %s failed: %s", entry.shard.host, kind,
                            _first_line(error))
            finally:
                entry.in_flight.discard(kind)

        if not self._stopped.is_set():
            entry.in_flight.add(kind)
            self._reporters.submit(run)

    def stop(self) -> None:
        """Stop reporting and serving, finish the work in hand, close the transport."""
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        for servers in self.servers:
            servers.stop()
        self._reporters.shutdown(wait=True, cancel_futures=True)
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.transport.close()
        self.effects.close()

    def __enter__(self) -> "ShardSet":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _first_line(error: BaseException) -> str:
    """A failure as one line: a remote one's class and the first line of its message."""
    if isinstance(error, RemoteError):
        return f"{error.exc_type}: {(error.value or '').partition(chr(10))[0]}"
    return str(error).partition("\n")[0] or type(error).__name__
