"""The control planes a scale job drives, one module each behind one interface: the run asks,
the plane answers (which of the run's hosts are up, traffic, what to sample), so run.py stays
the same whichever control plane serves the cloud."""

from abc import ABC, abstractmethod
from collections.abc import Sequence

from sqlalchemy import Engine

from harness.config.schema import Cloud
from harness.sandbox.traffic import TrafficGenerator
from harness.scale.cpu import CpuMeter, database_server_pids
from harness.scale.database_probe import DatabaseProbe
from harness.scale.scenario import Scenario
from harness.sessions import Session, SessionStore
from harness.shards.readiness import vhost_of

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class Plane(ABC):
    """One run's view of its cloud's control plane, from attach() to detach()."""

    def __init__(self, cloud: Cloud, cloud_config: str | None, store: SessionStore,
                 session: Session, scenario: Scenario, prefix: str) -> None:
        self.cloud = cloud
        self.cloud_config = cloud_config
        self.store = store
        self.session = session
        self.scenario = scenario
        self.prefix = prefix  # every host of the run, and no other, is named from it

    @staticmethod
    @abstractmethod
    def refusal(scenario: Scenario) -> tuple[str, str] | None:
        """(field, why) when the scenario asks what this control plane cannot run."""

    @property
    def vhost(self) -> str:
        """The broker vhost whose queues and connections are sampled."""
        return vhost_of(self.cloud)

    @abstractmethod
    def attach(self) -> None:
        """Reach the running control plane (or start one), and make what the run needs there,
        each piece recorded in the run's session before it exists."""

    def hollow_args(self) -> tuple[str, ...]:
        """More options for this plane's hollow shards."""
        return ()

    @abstractmethod
    def hosts_up(self) -> list[str]:
        """The run's hosts the control plane sees up now."""

    @abstractmethod
    def hosts_ready(self, hosts: list[str]) -> None:
        """Make the step's hosts (all up) take the run's builds."""

    @abstractmethod
    def traffic(self, steps: Sequence[str], timeout: float) -> TrafficGenerator:
        """A traffic generator for one step, its builds landing on the run's hosts only."""

    @abstractmethod
    def conductor_pids(self) -> list[int]:
        """The conductor's processes on this machine (none known: its CPU is not measured)."""

    @abstractmethod
    def engine(self) -> Engine:
        """The database holding the compute services' heartbeats."""

    def database_probe(self) -> DatabaseProbe:
        """Statements and heartbeats of the run's hosts, from the control plane's database."""
        return DatabaseProbe(self.engine(), self.prefix, self.scenario.shards.report_interval)

    def database_meter(self) -> CpuMeter:
        """The database server's CPU when it runs on this machine (none to measure otherwise)."""
        engine = self.engine()
        local = engine.url.host in LOCAL_HOSTS
        return CpuMeter(database_server_pids(engine.dialect.name) if local else list)

    @abstractmethod
    def detach(self) -> None:
        """Let go of the control plane (operations in flight end now); what attach() made is
        the run session's to remove."""


def plane_for(cloud: Cloud) -> type[Plane]:
    """Real nova when the cloud names a compute API endpoint (nova-api), else the sandbox."""
    if "compute" in cloud.endpoints:
        from harness.scale.planes.nova import NovaPlane

        return NovaPlane
    from harness.scale.planes.sandbox import SandboxPlane

    return SandboxPlane
