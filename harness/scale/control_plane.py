"""The control plane a scale job drives: a running `sandbox up` for the cloud, or one the job
starts (and its session stops) when none runs."""

import json
import sys
import time
from pathlib import Path

from harness.cloud.access import pid_file
from harness.config.schema import Cloud
from harness.errors import InfrastructureError
from harness.procinfo import start_time
from harness.sandbox.cloud import SandboxCloud
from harness.scale.scenario import ControlPlane
from harness.sessions import Resource, Session, SessionStore
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


def ensure_control_plane(cloud: Cloud, cloud_config: str | None, store: SessionStore,
                         session: Session,
                         wanted: ControlPlane) -> tuple[SandboxCloud, int | None]:
    """A sandbox driving the cloud's running control plane (started here when none serves,
    recorded in the session so teardown and gc stop it); and the conductor's pid if known."""
    sandbox = SandboxCloud.from_cloud(cloud)
    if not sandbox.conductor_serving():
        argv = [sys.executable, "-m", "harness"]
        if cloud_config:
            argv += ["--cloud-config", cloud_config]
        argv += ["sandbox", "up", "--cloud", cloud.name]
        if wanted.conductor_workers is not None:
            argv += ["--conductor-workers", str(wanted.conductor_workers)]
        log = Path(store.root) / f"{session.id}.sandbox.log"
        pid = spawn(argv, log)
        store.track(session, Resource("process", {"ref": f"{pid}:{start_time(pid)}",
                                                  "what": "sandbox up"}))
        deadline = time.monotonic() + START_TIMEOUT
        while not (sandbox.conductor_serving() and running_pid(cloud.name)):
            if start_time(pid) is None or time.monotonic() > deadline:
                raise InfrastructureError(f"`harness sandbox up --cloud {cloud.name}` did not "
                                          f"come up; see {log}")
            time.sleep(0.3)
    sandbox.start(serve=False)
    return sandbox, running_pid(cloud.name)
