"""Session state files: orphan detection by owner pid, and damaged files named in errors."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.creds import state as store
from harness.errors import ConfigError


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path))


def test_a_session_is_orphaned_once_its_owner_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    state = store.new_state("s1", "local", "http://127.0.0.1:8200", {}, child.pid)
    store.save(state)
    assert not store.is_orphaned(store.load_session("s1"))
    child.kill()
    child.wait()
    assert store.is_orphaned(store.load_session("s1"))


def test_reused_pid_does_not_count_as_the_owner() -> None:
    state = store.new_state("s2", "local", "http://127.0.0.1:8200", {}, 1)
    assert not store.is_orphaned(state)
    assert store.is_orphaned(state.model_copy(update={"owner_start": "0"}))


def test_ended_sessions_are_orphaned_and_damaged_files_named() -> None:
    state = store.new_state("s3", "local", "http://127.0.0.1:8200", {}, 1)
    assert store.is_orphaned(state.model_copy(update={"status": "ended"}))
    store.state_path("bad").write_text('{"session": 3}')
    with pytest.raises(ConfigError, match=r"bad\.json: field"):
        store.all_sessions()
