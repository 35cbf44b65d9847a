"""A shadow session's driver as a process of its own (`harness shadow run`): started and
waited for until the session runs, stopped and its session torn down; `shadow start` and
`shadow stop` are these, and so is the session of `demo --nova`."""

import os
import sys
import time
from pathlib import Path

from harness.atomic import write_json
from harness.errors import InfrastructureError
from harness.procinfo import start_time
from harness.scheduling import give_cpus_back
from harness.sessions import SessionStore
from harness.sessions.model import new_session_id
from harness.sessions.teardown import teardown
from harness.shadow.session import ShadowRequest, new_session, records_dir
from harness.system.process import spawn, terminate

REQUEST_FILE = "request.json"
START_TIMEOUT = 120.0


def start_driver(request: ShadowRequest) -> str:
    """Save a new session, start its driver, and return the session's id once it runs (an
    error with the driver's last error line if it does not)."""
    session_id = new_session_id()
    store = SessionStore()
    session = new_session(request, session_id)
    store.save(session)
    root = records_dir(session_id)
    write_json(root / REQUEST_FILE, session.info["request"])
    driver = spawn([sys.executable, "-m", "harness", "shadow", "run", session_id],
                   root / "driver.log")
    _wait_running(store, session_id, driver, root)
    return session_id


def _wait_running(store: SessionStore, session_id: str, driver: int, root: Path) -> None:
    """Wait until the driver reports the session running; its failure is the command's."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        states = [s.state for s in store.all() if s.id == session_id]
        if states and states[0] == "running":
            return
        if start_time(driver) is None:
            lines = (root / "driver.log").read_text().strip().splitlines() or ["no output"]
            errors = [line for line in lines if line.startswith("harness: error:")]
            raise InfrastructureError(
                f"the shadow session did not start: {(errors or lines)[-1]}")
        time.sleep(0.2)
    raise InfrastructureError(f"the shadow session did not start in {START_TIMEOUT:.0f}s; "
                              f"see {root / 'driver.log'}")


def stop_driver(session_id: str, timeout: float) -> bool:
    """Stop the session's driver (it tears its session down) and tear down what a dead driver
    left; True when the driver had to be killed after `timeout` seconds."""
    store = SessionStore()
    session = store.get(session_id)
    killed = False
    if session.owner_alive():
        if session.info["request"].get("yield_cpu"):
            # idle-scheduled, the driver may not run at all while production is busy, not even
            # to stop
            give_cpus_back(session.owner_pid, os.getpriority(os.PRIO_PROCESS, 0))
        killed = terminate(session.owner_pid, grace=timeout)
    if any(s.id == session.id for s in store.all()):  # the driver died before tearing down
        teardown(store.get(session.id), store)
    return killed
