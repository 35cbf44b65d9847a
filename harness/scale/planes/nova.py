"""A real nova control plane (nova-api, conductor, scheduler, placement), shared with other
users: the run's builds ask for a flavor of its own that lands only on the run's hosts, read
back through nova-api; heartbeats come from the cell database's services table."""

from collections.abc import Sequence

import sqlalchemy
from sqlalchemy import Engine

from harness.cloud.clients import CloudClients
from harness.config.schema import Cloud
from harness.config.secrets import resolve_secret
from harness.errors import ConfigError
from harness.nova.flavors import (
    add_zone_hosts,
    create_custom_class_flavor,
    create_flavor,
    create_zone,
    custom_class_flavor_id,
)
from harness.nova.layout import DATABASES, endpoint
from harness.nova.rest import compute_client, hypervisors, placement_client
from harness.nova.traffic import NovaRestLifecycles, nova_traffic
from harness.sandbox.traffic import TrafficGenerator
from harness.scale.cpu import socket_owners
from harness.scale.planes import LOCAL_HOSTS, Plane
from harness.scale.sampler import CONDUCTOR_QUEUE
from harness.scale.scenario import Scenario
from harness.sessions import Resource, Session, SessionStore
from harness.sessions.teardown import NOVA_FLAVOR, NOVA_HOSTS, NOVA_ZONE, RESOURCE_CLASS

# The local nova cloud's cell database as the dev MariaDB's administrator reaches it (the
# control plane's own database password is never handed to a harness command).
LOCAL_CELL_DATABASE = f"mysql+pymysql://root@127.0.0.1:3306/{DATABASES['cell1']}"
# nova-api reads every listed host's service for a hypervisor list: seconds for hundreds.
API_TIMEOUT = 120.0


def cell_database_url(cloud: Cloud) -> sqlalchemy.URL:
    """The cell database holding the compute services' records: the cloud's `database`, or
    the local nova cloud's when the cloud is `harness dev up --nova`'s."""
    if cloud.database is not None:
        url = sqlalchemy.make_url(cloud.database.url)
        if cloud.database.password is not None:
            url = url.set(password=resolve_secret(cloud.database.password, cloud))
        return url
    if cloud.endpoints["compute"].rstrip("/") == endpoint("compute"):
        return sqlalchemy.make_url(LOCAL_CELL_DATABASE)
    raise ConfigError(f"cloud {cloud.name!r}: field database: a scale job on a nova cloud reads "
                      "its hosts' heartbeats from the cell database; set database.url to it")


class NovaPlane(Plane):
    """nova-api for hosts and traffic, the cell database for heartbeats, the broker for the
    conductor's processes. Hollow hosts offer a custom resource class of the run's own, which
    its flavor asks for; real nova-compute hosts offer standard resources, so the run's flavor
    asks for those and its builds name an availability zone holding the run's hosts only."""

    def __init__(self, cloud: Cloud, cloud_config: str | None, store: SessionStore,
                 session: Session, scenario: Scenario, prefix: str) -> None:
        super().__init__(cloud, cloud_config, store, session, scenario, prefix)
        self.api = compute_client(cloud.endpoints["compute"], API_TIMEOUT)
        self._real = scenario.shards.kind == "nova"
        self._name = f"harness-scale-{session.id}"  # the flavor and zone of kind nova
        self._resource_class = f"CUSTOM_HARNESS_SCALE_{session.id.upper()}"
        self.flavor = self._name if self._real else custom_class_flavor_id(self._resource_class)
        self._engine: Engine | None = None
        self._aggregate: int | None = None
        self._zoned: set[str] = set()
        self._conductor: list[int] = []
        self._lifecycles: list[NovaRestLifecycles] = []

    @staticmethod
    def refusal(scenario: Scenario) -> tuple[str, str] | None:
        """Every shard kind runs against real nova."""
        return None

    def attach(self) -> None:
        """The run's flavor (and zone or resource class), recorded before each exists; the
        conductor's processes; the hosts named from the run's prefix recorded last, so that
        teardown removes them first."""
        self._engine = sqlalchemy.create_engine(cell_database_url(self.cloud),
                                                pool_pre_ping=True, pool_size=2)
        if self._real:
            self.store.track(self.session, Resource(NOVA_FLAVOR, {"id": self.flavor}))
            create_flavor(self.api, self.flavor, {})
            self.store.track(self.session, Resource(NOVA_ZONE, {"name": self._name}))
            self._aggregate = create_zone(self.api, self._name)
        else:
            placement = placement_client(self.cloud.endpoints["placement"])
            self.store.track(self.session, Resource(RESOURCE_CLASS,
                                                    {"name": self._resource_class}))
            self.store.track(self.session, Resource(NOVA_FLAVOR, {"id": self.flavor}))
            create_custom_class_flavor(self.api, placement, self._resource_class)
        self.store.track(self.session, Resource(NOVA_HOSTS, {"prefix": self.prefix}))
        self._conductor = self._find_conductor()

    def _find_conductor(self) -> list[int]:
        """The processes on this machine holding the connections that consume the cloud's
        conductor queue (the broker names each consumer's peer address)."""
        consumers = CloudClients(self.cloud).management.consumers(self.vhost)
        ports = {int(c["channel_details"]["peer_port"]) for c in consumers
                 if c["queue"]["name"] == CONDUCTOR_QUEUE
                 and c["channel_details"].get("peer_host") in LOCAL_HOSTS}
        return socket_owners(ports) if ports else []

    def hollow_args(self) -> tuple[str, ...]:
        """Hollow hosts offer the run's resource class alone."""
        return () if self._real else ("--resource-class", self._resource_class)

    def hosts_up(self) -> list[str]:
        """The run's hosts in nova's hypervisor list, up and enabled (listed there once they
        are mapped to a cell, so builds can land on them)."""
        return sorted(node["hypervisor_hostname"] for node in hypervisors(self.api, self.prefix)
                      if node["hypervisor_hostname"].startswith(self.prefix)
                      and node["state"] == "up" and node["status"] == "enabled")

    def hosts_ready(self, hosts: list[str]) -> None:
        """Real nova-compute hosts join the run's availability zone."""
        if self._aggregate is not None:
            added = sorted(set(hosts) - self._zoned)
            add_zone_hosts(self.api, self._aggregate, added)
            self._zoned.update(added)

    def traffic(self, steps: Sequence[str], timeout: float) -> TrafficGenerator:
        """Lifecycles through nova-api with the run's flavor (and zone)."""
        lifecycles, generator = nova_traffic(self.cloud.endpoints["compute"], steps, timeout,
                                             self.flavor, self._name if self._real else None)
        self._lifecycles.append(lifecycles)
        return generator

    def conductor_pids(self) -> list[int]:
        """nova-conductor's worker processes on this machine, as found at attach()."""
        return self._conductor

    def engine(self) -> Engine:
        """The cell database."""
        if self._engine is None:
            raise RuntimeError("the nova plane is not attached")
        return self._engine

    def detach(self) -> None:
        """Lifecycles in flight stop waiting (their deletes are still sent)."""
        for lifecycles in self._lifecycles:
            lifecycles.close()
        if self._engine is not None:
            self._engine.dispose()
