"""The sandbox cloud as one object: conductor, scheduler, image and network services, traffic."""

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import amqp
from sqlalchemy import Engine, select

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.cloud.access import bus_url, publish_endpoints
from harness.config.schema import Cloud
from harness.config.secrets import resolve_secret
from harness.hollow.compute import COMPUTE_TOPIC, DEFAULT_RPC_VERSION
from harness.hollow.resources import Resources
from harness.hollow.services import CONDUCTOR_TOPIC
from harness.paths import private_dir
from harness.sandbox.board import InstanceBoard
from harness.sandbox.board_feed import BoardFeed
from harness.sandbox.compute_api import ComputeApi
from harness.sandbox.conductor_workers import ConductorWorkers, WorkerConfig, serve_conductor
from harness.sandbox.image_service import ImageService, image_id
from harness.sandbox.network_service import NetworkService
from harness.sandbox.scheduler import Scheduler
from harness.sandbox.schema import instances
from harness.sandbox.store import Store, open_engine
from harness.sandbox.traffic import DEFAULT_STEPS, TrafficGenerator

DEFAULT_IMAGE = image_id("cirros-0.6.2")
T = TypeVar("T")
FINISHED_STATES = frozenset({"deleted", "error"})


@dataclass(frozen=True)
class SandboxOptions:
    """Knobs of the embedded control plane: `workers` threads serve conductor calls in each
    of `conductor_workers` processes (1: in this process)."""

    compute_version_cap: str = DEFAULT_RPC_VERSION
    workers: int = 16
    conductor_workers: int = 1
    service_down_time: float = 60.0
    rpc_timeout: float = 60.0


def default_database_url(cloud_name: str) -> str:
    """A SQLite file in the harness's private state directory."""
    return f"sqlite:///{private_dir('sandbox') / f'{cloud_name}.sqlite'}"


def _started(part: T | None) -> T:
    """A part of the cloud that exists once it is started."""
    if part is None:
        raise RuntimeError("the sandbox cloud is not started")
    return part


class SandboxCloud:
    """The smallest control plane that drives hollow shards; start() and stop() it in-process."""

    def __init__(self, bus_url: str, control_exchange: str, database_url: str, *,
                 database_password: str | None = None, name: str | None = None,
                 options: SandboxOptions = SandboxOptions(),
                 ports: dict[str, int] | None = None) -> None:
        self.bus_url = bus_url
        self.control_exchange = control_exchange
        self.database_url = database_url
        self._database_password = database_password
        self.name = name
        self.options = options
        self.ports = ports or {}
        self.board = InstanceBoard()
        self.image = ImageService()
        self.network = NetworkService()
        self.engine: Engine | None = None
        self._transport: Transport | None = None
        self._servers: ServerSet | None = None
        self._workers: ConductorWorkers | None = None
        self._store: Store | None = None
        self._scheduler: Scheduler | None = None
        self._api: ComputeApi | None = None
        self._feed: BoardFeed | None = None

    @classmethod
    def from_cloud(cls, cloud: Cloud, options: SandboxOptions | None = None) -> "SandboxCloud":
        """A sandbox for a clouds.yaml cloud: its bus, its database (else SQLite), its caps."""
        database = cloud.database
        password = None
        if database is not None and database.password is not None:
            password = resolve_secret(database.password, cloud)
        cap = cloud.rpc_version_caps.get(COMPUTE_TOPIC, DEFAULT_RPC_VERSION)
        chosen = options or SandboxOptions(compute_version_cap=cap)
        ports = {name: urlsplit(url).port or 80 for name, url in cloud.endpoints.items()}
        return cls(bus_url(cloud), cloud.bus.control_exchange,
                   database.url if database else default_database_url(cloud.name),
                   database_password=password, name=cloud.name, options=chosen, ports=ports)

    @property
    def store(self) -> Store:
        """The database layer (once started)."""
        return _started(self._store)

    @property
    def scheduler(self) -> Scheduler:
        """The scheduler (once started)."""
        return _started(self._scheduler)

    @property
    def api(self) -> ComputeApi:
        """The compute API (once started)."""
        return _started(self._api)

    @property
    def transport(self) -> Transport:
        """The bus transport (once started); its observers see every message the cloud sends."""
        return _started(self._transport)

    @property
    def endpoints(self) -> dict[str, str]:
        """The image and network services' URLs."""
        return {"image": self.image.url, "network": self.network.url}

    def start(self, serve: bool = True) -> None:
        """Open the database, start the HTTP services, serve the conductor, publish endpoints;
        with serve=False only the API side, driving a control plane another process serves
        (its conductor, image and network services, on the same broker and database)."""
        self.engine = open_engine(self.database_url, self._database_password)
        self._store = Store(self.engine)
        self._scheduler = Scheduler(self._store, self.options.service_down_time)
        self._reclaim_live_instances()
        self._transport = Transport(self.bus_url, self.control_exchange)
        if serve:
            self._serve(self._store, self._transport)
        if not serve or self._workers is not None:
            self._feed = BoardFeed(self._store, self.board, self._instance_written)
            self._feed.start()
        compute = RPCClient(self._transport, Target(topic=COMPUTE_TOPIC),
                            timeout=self.options.rpc_timeout,
                            version_cap=self.options.compute_version_cap)
        self._api = ComputeApi(self._store, self._scheduler, self.board, compute)

    def _serve(self, store: Store, transport: Transport) -> None:
        """Start the HTTP services and the conductor (here, or in worker processes), and
        publish the endpoints."""
        self.image.start(self.ports.get("image", 0))
        self.network.start(self.ports.get("network", 0))
        if self.name:  # before the workers, which take seconds to start: shards may wait
            publish_endpoints(self.name, self.endpoints)
        if self.options.conductor_workers > 1:
            self._workers = ConductorWorkers(
                WorkerConfig(self.bus_url, self.control_exchange, self.database_url,
                             self._database_password, self.options.workers),
                self.options.conductor_workers)
            self._workers.start()
        else:
            self._servers = serve_conductor(store, transport, self.options.workers,
                                            self._instance_written)

    def _instance_written(self, uuid: str, row: dict[str, Any]) -> None:
        """Tell the waiters; a finished instance's room goes back to the scheduler."""
        if row["vm_state"] in FINISHED_STATES:
            self.scheduler.release(uuid)
        self.board.publish(uuid, row)

    def conductor_pids(self) -> list[int]:
        """The processes serving this cloud's conductor calls from here."""
        if self._workers is not None:
            return self._workers.pids()
        return [os.getpid()] if self._servers is not None else []

    def _reclaim_live_instances(self) -> None:
        """After a restart, count the live instances already placed against their hosts."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(instances).where(instances.c.deleted.is_(False),
                                                        instances.c.host.is_not(None)))
            for row in rows.mappings():
                self.scheduler.claim(row["uuid"], row["host"],
                                     Resources(row["memory_mb"], row["vcpus"], row["root_gb"]))

    def stop(self) -> None:
        """Stop serving and close everything (the database keeps its state)."""
        if self._feed is not None:
            self._feed.stop()
        if self._servers is not None:
            self._servers.stop()
            if self._servers.executor is not None:
                self._servers.executor.shutdown(wait=True, cancel_futures=True)
        if self._workers is not None:
            self._workers.stop()
        if self._transport is not None:
            self._transport.close()
        self.image.stop()
        self.network.stop()
        if self._store is not None:
            self._store.close()

    def conductor_serving(self) -> bool:
        """Whether a conductor (another process's) serves this cloud's broker now."""
        with Transport(self.bus_url, self.control_exchange).connect() as connection:
            try:
                declared = connection.default_channel.queue_declare(queue=CONDUCTOR_TOPIC,
                                                                    passive=True)
            except amqp.exceptions.NotFound:
                return False
        return int(declared.consumer_count) > 0

    def wait_for_hosts(self, count: int, timeout: float = 30.0) -> list[str]:
        """Block until at least `count` compute hosts are up; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            self.scheduler.refresh()
            hosts = self.scheduler.live_hosts()
            if len(hosts) >= count:
                return hosts
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(hosts)} of {count} compute hosts came up "
                                   f"in {timeout:g}s: {', '.join(hosts) or 'none'}")
            time.sleep(0.2)

    def traffic(self, steps: Sequence[str] = DEFAULT_STEPS, timeout: float = 60.0,
                image: str = DEFAULT_IMAGE) -> TrafficGenerator:
        """A traffic generator driving this cloud's API."""
        return TrafficGenerator(self.api, self.board, image, steps=steps, timeout=timeout)

    def status(self) -> dict[str, Any]:
        """Live numbers for the status line: hosts up, instances by state, bus counters."""
        serving = self._workers or self._servers
        counters = serving.counters() if serving is not None else {}
        self.scheduler.refresh_if_stale()  # nothing else reads hosts while nobody boots
        return {
            "hosts_up": len(self.scheduler.live_hosts()),
            "instances": self.store.instance_states(),
            "conductor_handled": counters.get("handled", 0),
            "conductor_errors": counters.get("endpoint_error", 0),
            "ports": len(self.network.ports),
        }

    def __enter__(self) -> "SandboxCloud":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
