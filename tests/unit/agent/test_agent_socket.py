"""The agent's socket: reachable from any state directory, by its owner only; old code stops."""

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest

from credentials.redaction import REDACTOR
from harness.agent import server
from harness.agent.server import Agent, _answer, listen
from harness.agent.wire import MAX_ADDRESS, connect, peer_process, socket_path


@pytest.fixture
def deep_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory too deep for a socket's 108-byte address."""
    state = tmp_path.joinpath(*["nested-directory"] * 6)
    monkeypatch.setenv("HARNESS_STATE_DIR", str(state))
    assert len(str(socket_path())) > MAX_ADDRESS
    return state


def test_a_deep_state_directory_still_gets_a_socket_its_owner_reaches(deep_state: Path) -> None:
    listener = listen(socket_path())
    with listener:
        client = connect(socket_path(), timeout=5)
        assert client is not None
        server, _ = listener.accept()
        with client, server:
            assert peer_process(server) == (os.getpid(), os.getuid())
    assert socket_path().stat().st_mode & 0o777 == 0o600
    assert (deep_state / "agent").stat().st_mode & 0o777 == 0o700


def test_a_second_agent_is_refused_and_a_dead_ones_socket_replaced(deep_state: Path) -> None:
    with listen(socket_path()), pytest.raises(Exception, match="already serves"):
        listen(socket_path())
    listen(socket_path()).close()  # the first one is gone: its socket is taken over


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become another user")
def test_another_user_cannot_reach_the_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    base = Path(tempfile.mkdtemp(prefix="agent-perm-"))  # traversable by all, unlike tmp_path
    base.chmod(0o755)
    monkeypatch.setenv("HARNESS_STATE_DIR", str(base / "state"))
    path = socket_path()
    try:
        with listen(path):
            child = os.fork()
            if child == 0:  # the child becomes nobody and tries; it never returns into pytest
                code = 1
                try:
                    os.setuid(65534)
                    with socket.socket(socket.AF_UNIX) as sock:
                        sock.connect(str(path))
                except PermissionError:
                    code = 0
                except BaseException:
                    code = 2
                os._exit(code)
            _, status = os.waitpid(child, 0)
    finally:
        shutil.rmtree(base)
    assert os.waitstatus_to_exitcode(status) == 0


def test_an_agent_whose_source_changed_stops_instead_of_serving(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("")
    agent = Agent(idle=60, files=[str(source)])
    assert _answer(agent, {"op": "ping"}, os.getpid())["result"]["requests"] == 0
    os.utime(source, (time.time() + 5, time.time() + 5))
    assert _answer(agent, {"op": "shard_up", "payload": {}}, os.getpid()) == {"stale": True}
    assert agent.stopping and agent.requests == 0


def test_an_unknown_request_is_a_usage_error(tmp_path: Path) -> None:
    agent = Agent(idle=60, files=[])
    assert _answer(agent, {"op": "format_disk"}, os.getpid()) == {
        "error": "the agent does not serve 'format_disk'", "exit_code": 2}


def test_an_error_reply_never_carries_an_issued_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(payload: dict[str, object], owner: int) -> dict[str, object]:
        raise RuntimeError("login failed for amqp://shard:s3cr3t-pw@127.0.0.1/")

    monkeypatch.setattr(server, "_shard_up", leaky)
    REDACTOR.add("s3cr3t-pw")
    request = {"op": "shard_up", "payload": {}, "env": dict(os.environ), "cwd": os.getcwd()}
    reply = server._answer(Agent(idle=60, files=[]), request, os.getpid())
    assert reply["exit_code"] == 3 and "login failed" in reply["error"]
    assert "s3cr3t-pw" not in reply["error"]
