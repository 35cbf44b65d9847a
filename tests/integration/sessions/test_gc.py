"""kill -9 of the harness or of a shard: `harness gc` finds and removes everything left."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.bus.management import ManagementClient
from harness.launchers import LaunchSpec, ShardHandle, get_launcher
from harness.sessions import Resource, Session, SessionStore
from harness.sessions.model import new_session_id

SLEEPER = [sys.executable, "-c", "import time; time.sleep(300)"]

# Records a session, creates a vhost and a queue, launches a shard, then dies by SIGKILL.
CRASHING_HARNESS = """
import os, signal, sys
from harness.launchers import LaunchSpec, get_launcher
from harness.sessions import Resource, Session, SessionStore
from harness.sessions.model import new_session_id
from harness.dev.services.rabbitmq import local_management
store, admin = SessionStore(), local_management()
session = Session(new_session_id(), "shard", "local")
store.save(session)
vhost = f"shadow.{session.id}.cmp"
store.track(session, Resource("vhost", {"name": vhost}))
admin.create_vhost(vhost)
spec = LaunchSpec(session.id, "cmp", %(argv)r, store.root / session.id)
handle = get_launcher("process").launch(spec)
store.track(session, Resource("shard", handle.to_dict()))
print(json.dumps({"session": session.id, "vhost": vhost, "ref": handle.ref}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
""".replace("import os,", "import json, os,")


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


# Launches a shard with no session file, prints its handle and exits: nobody will write one.
ABANDONING_HARNESS = """
import json
from pathlib import Path
from harness.launchers import LaunchSpec, get_launcher
spec = LaunchSpec(%(session)r, "abandoned", %(argv)r, Path(%(log_dir)r))
print(json.dumps(get_launcher("process").launch(spec).to_dict()), flush=True)
"""


def harness_gc(state: Path | None = None) -> dict[str, list[str]]:
    """`harness gc --json` as a new process, in this test's state directory or in `state`."""
    env = {**os.environ, "HARNESS_STATE_DIR": str(state)} if state else os.environ
    done = subprocess.run([sys.executable, "-m", "harness", "gc", "--json"], capture_output=True,
                          text=True, timeout=120, check=False, env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)["removed"]
    return result


def test_kill_9_of_harness_mid_up_is_collected(
    state_dir: Path, rabbit_admin: ManagementClient
) -> None:
    done = subprocess.run([sys.executable, "-c", CRASHING_HARNESS % {"argv": SLEEPER}],
                          capture_output=True, text=True, timeout=60, check=False,
                          env=os.environ)
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = json.loads(done.stdout)
    handle = ShardHandle("process", left["session"], "cmp", left["ref"])
    assert get_launcher("process").alive(handle)
    assert left["vhost"] in rabbit_admin.vhosts()

    removed = harness_gc()[left["session"]]

    assert f"vhost {left['vhost']}" in removed and "shard cmp (process)" in removed
    assert not get_launcher("process").alive(handle)
    assert left["vhost"] not in rabbit_admin.vhosts()
    assert SessionStore().all() == []
    assert harness_gc() == {}


def running_session(tmp_path: Path) -> tuple[SessionStore, Session, ShardHandle]:
    """A running shard session whose `shard up` has exited, with one live shard."""
    store = SessionStore()
    session = Session(new_session_id(), "shard", "local", state="running", owner_started="gone")
    store.save(session)
    handle = get_launcher("process").launch(LaunchSpec(session.id, "cmp", SLEEPER, tmp_path))
    store.track(session, Resource("shard", handle.to_dict()))
    return store, session, handle


def test_kill_9_of_a_shard_marks_it_dead_and_gc_cleans(state_dir: Path, tmp_path: Path) -> None:
    store, session, handle = running_session(tmp_path)
    launcher = get_launcher("process")
    from harness.sessions.gc import is_dead

    assert not is_dead(store.get(session.id))
    os.kill(int(handle.ref.split(":")[0]), signal.SIGKILL)
    for _ in range(50):
        if not launcher.alive(handle):
            break
        time.sleep(0.05)
    assert is_dead(store.get(session.id))
    assert harness_gc() == {session.id: ["shard cmp (process)"]}
    assert store.all() == []


def test_orphan_shard_without_state_file_is_stopped(state_dir: Path, tmp_path: Path) -> None:
    session_id = new_session_id()
    launcher = get_launcher("process")
    handle = launcher.launch(LaunchSpec(session_id, "lost", SLEEPER, tmp_path))
    assert harness_gc() == {session_id: ["shard lost (process, orphan)"]}
    assert not launcher.alive(handle)


def test_live_session_is_left_alone(state_dir: Path, tmp_path: Path) -> None:
    _store, _session, handle = running_session(tmp_path)
    launcher = get_launcher("process")
    try:
        assert harness_gc() == {}
        assert launcher.alive(handle)
    finally:
        launcher.stop(handle, grace=1)


def test_gc_of_another_state_dir_stops_only_what_no_ledger_or_live_harness_owns(
        state_dir: Path, tmp_path: Path) -> None:
    """A private state directory's gc must not take the shards of this one for orphans."""
    other = tmp_path / "other-state"
    other.mkdir()
    launcher = get_launcher("process")
    _store, session, running = running_session(tmp_path)
    unsaved = launcher.launch(LaunchSpec(new_session_id(), "unsaved", SLEEPER, tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", ABANDONING_HARNESS % {
            "session": new_session_id(), "argv": SLEEPER, "log_dir": str(tmp_path)}],
        capture_output=True, text=True, timeout=60, check=True, env=os.environ)
    abandoned = ShardHandle.from_dict(json.loads(done.stdout))
    try:
        assert harness_gc(other) == {abandoned.session: ["shard abandoned (process, orphan)"]}
        assert launcher.alive(running) and launcher.alive(unsaved)  # its ledger or its harness
        assert not launcher.alive(abandoned)
        assert harness_gc() == {unsaved.session: ["shard unsaved (process, orphan)"]}
        assert launcher.alive(running) and SessionStore().get(session.id).state == "running"
    finally:
        for handle in (running, unsaved, abandoned):
            launcher.stop(handle, grace=1)
