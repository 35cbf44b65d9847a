"""The sandbox conductor in worker processes, as nova's `[conductor] workers`: competing
consumers of the `conductor` queue, each with its own broker connection and database pool, so
the conductor's Python is not bound to one core."""

import contextlib
import multiprocessing
import os
import queue
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from harness.bus import ServerSet, Transport
from harness.errors import InfrastructureError
from harness.hollow.services import CONDUCTOR_TOPIC
from harness.sandbox.conductor import Conductor, InstanceHook
from harness.sandbox.store import Store, open_engine

SANDBOX_HOST = "sandbox"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
COUNTED = ("handled", "endpoint_error")
_CONTEXT = multiprocessing.get_context("spawn")  # the parent runs threads: never fork it


def default_workers() -> int:
    """One conductor process per CPU, nova's default."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker process needs to serve: the bus, the database, its thread count."""

    bus_url: str
    control_exchange: str
    database_url: str
    database_password: str | None
    threads: int


def serve_conductor(store: Store, transport: Transport, threads: int,
                    on_instance: InstanceHook | None = None) -> ServerSet:
    """A conductor consuming the `conductor` queue on the transport's connection."""
    servers = ServerSet(transport, ThreadPoolExecutor(threads, thread_name_prefix="conductor"))
    servers.add(CONDUCTOR_TOPIC, SANDBOX_HOST, [Conductor(store, on_instance)])
    servers.start()
    return servers


def _worker(config: WorkerConfig, stop: Connection, ready: Any,
            counters: "list[Synchronized[int]]") -> None:
    """A worker process: serve until its pipe from the parent closes (stop(), or the parent
    gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    try:
        store = Store(open_engine(config.database_url, config.database_password))
        transport = Transport(config.bus_url, config.control_exchange)
        servers = serve_conductor(store, transport, config.threads)
    except Exception as error:
        ready.put(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        return
    ready.put(None)
    try:
        while not stop.poll(1.0):
            totals = servers.counters()
            for counter, name in zip(counters, COUNTED, strict=True):
                counter.value = totals.get(name, 0)
    finally:
        servers.stop()
        transport.close()
        store.close()


class ConductorWorkers:
    """`count` conductor processes, started and stopped together."""

    def __init__(self, config: WorkerConfig, count: int) -> None:
        self.config = config
        self.count = count
        self._stops: list[Connection] = []  # closed to stop: a killed worker cannot jam a pipe
        self._processes: list[Any] = []
        self._counters: list[list[Synchronized[int]]] = []

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the workers; return once each consumes (InfrastructureError if one cannot)."""
        ready = _CONTEXT.Queue()
        for index in range(self.count):
            counters = [_CONTEXT.Value("q", 0, lock=False) for _ in COUNTED]
            stop, self_end = _CONTEXT.Pipe(duplex=False)
            process = _CONTEXT.Process(target=_worker, name=f"conductor-{index}", daemon=True,
                                       args=(self.config, stop, ready, counters))
            process.start()
            stop.close()
            self._stops.append(self_end)
            self._processes.append(process)
            self._counters.append(counters)
        try:
            for _ in range(self.count):
                failure = ready.get(timeout=timeout)
                if failure is not None:
                    raise InfrastructureError(f"a conductor worker could not start: {failure}")
        except queue.Empty:
            self.stop()
            raise InfrastructureError(f"conductor workers did not start in {timeout:g}s") from None
        except InfrastructureError:
            self.stop()
            raise

    def pids(self) -> list[int]:
        """The workers' process ids."""
        return [p.pid for p in self._processes if p.pid]

    def counters(self) -> dict[str, int]:
        """The workers' call counters summed (as of their last second)."""
        return {name: sum(c[i].value for c in self._counters) for i, name in enumerate(COUNTED)}

    def stop(self) -> None:
        """Stop every worker, killing one that does not end in time."""
        for pipe in self._stops:
            pipe.close()
        self._stops.clear()
        for process in self._processes:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                with contextlib.suppress(OSError):
                    process.kill()
                process.join(STOP_TIMEOUT)
        self._processes.clear()
