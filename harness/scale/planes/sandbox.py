"""The sandbox control plane: a running `sandbox up` for the cloud, or one the job starts (and
its session stops) when none runs; the job drives it through a sandbox of its own that serves
nothing."""

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from harness.cloud.access import pid_file
from harness.errors import InfrastructureError
from harness.procinfo import start_time
from harness.sandbox.cloud import SandboxCloud
from harness.sandbox.traffic import TrafficGenerator
from harness.scale.cpu import process_tree
from harness.scale.planes import Plane
from harness.scale.scenario import Scenario
from harness.sessions import Resource
from harness.system.process import spawn

START_TIMEOUT = 60.0


def running_pid(cloud_name: str) -> int | None:
    """The pid of the cloud's running `sandbox up`, if it named itself and still lives."""
    try:
        named = json.loads(pid_file(cloud_name).read_text())
    except (OSError, ValueError):
        return None
    pid = int(named.get("pid", 0))
    return pid if pid and start_time(pid) == named.get("started") else None


class SandboxPlane(Plane):
    """The sandbox's conductor, scheduler and database, as `sandbox up` serves them."""

    _sandbox: SandboxCloud | None = None
    _conductor: int | None = None

    @staticmethod
    def refusal(scenario: Scenario) -> tuple[str, str] | None:
        """Real nova-compute needs a real nova control plane."""
        if scenario.shards.kind == "nova":
            return ("shards.kind", "nova runs real nova-compute shards, which need a real nova "
                    "cloud (one with endpoints.compute, like `harness dev up --nova`'s "
                    "nova-local); this cloud's control plane is the sandbox")
        return None

    @property
    def sandbox(self) -> SandboxCloud:
        """The sandbox driving the control plane (once attached)."""
        if self._sandbox is None:
            raise RuntimeError("the sandbox plane is not attached")
        return self._sandbox

    def attach(self) -> None:
        """A sandbox driving the cloud's running control plane, started here when none serves
        (recorded in the session so teardown and gc stop it); the conductor's pid if known."""
        sandbox = SandboxCloud.from_cloud(self.cloud)
        if not sandbox.conductor_serving():
            self._start_control_plane(sandbox)
        sandbox.start(serve=False)
        self._sandbox, self._conductor = sandbox, running_pid(self.cloud.name)

    def _start_control_plane(self, sandbox: SandboxCloud) -> None:
        argv = [sys.executable, "-m", "harness"]
        if self.cloud_config:
            argv += ["--cloud-config", self.cloud_config]
        argv += ["sandbox", "up", "--cloud", self.cloud.name]
        workers = self.scenario.control_plane.conductor_workers
        if workers is not None:
            argv += ["--conductor-workers", str(workers)]
        log = Path(self.store.root) / f"{self.session.id}.sandbox.log"
        pid = spawn(argv, log)
        self.store.track(self.session, Resource("process", {"ref": f"{pid}:{start_time(pid)}",
                                                            "what": "sandbox up"}))
        deadline = time.monotonic() + START_TIMEOUT
        while not (sandbox.conductor_serving() and running_pid(self.cloud.name)):
            if start_time(pid) is None or time.monotonic() > deadline:
                raise InfrastructureError(f"`harness sandbox up --cloud {self.cloud.name}` did "
                                          f"not come up; see {log}")
            time.sleep(0.3)

    def hosts_up(self) -> list[str]:
        """The run's hosts the sandbox scheduler counts as live."""
        scheduler = self.sandbox.scheduler
        scheduler.refresh()
        return [h for h in scheduler.live_hosts() if h.startswith(self.prefix)]

    def hosts_ready(self, hosts: list[str]) -> None:
        """Nothing to do: the sandbox scheduler places builds on any live host."""

    def traffic(self, steps: Sequence[str], timeout: float) -> TrafficGenerator:
        """Lifecycles through the sandbox's compute API (its scheduler sees the run's hosts
        only: a scale job's cloud is its own)."""
        return self.sandbox.traffic(steps, timeout)

    def conductor_pids(self) -> list[int]:
        """`sandbox up` and its conductor worker processes."""
        return process_tree(self._conductor) if self._conductor else []

    def engine(self) -> Engine:
        """The sandbox's own database."""
        return self.sandbox.store.engine

    def detach(self) -> None:
        """Lifecycles in flight end now, not at their timeout."""
        if self._sandbox is not None:
            self._sandbox.board.close()
            self._sandbox.stop()
