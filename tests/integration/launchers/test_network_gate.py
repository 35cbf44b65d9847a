"""A shard given allowed endpoints, process or container, against the real kernel and Docker: in
a network namespace of its own, it reaches those (relayed to the real listener on the host) and
nothing else on the host's loopback, every refusal is recorded next to its log, and its gate goes
when it goes."""

import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.launchers import LaunchSpec, get_launcher
from harness.launchers.base import network_record
from tests.conftest import unique
from tests.integration.launchers.test_launchers import wait_for_line

# Connects to each port given, says what answered, then waits to be stopped.
PROBE = """
import socket, sys, time
for port in sys.argv[1:]:
    try:
        socket.create_connection(("127.0.0.1", int(port)), 5).close()
        print("reached", port, flush=True)
    except OSError as error:
        print("refused", port, type(error).__name__, flush=True)
print("probed", flush=True)
time.sleep(120)
"""


@pytest.fixture
def session() -> Iterator[str]:
    """A session id; every shard left over from it is stopped afterwards."""
    name = unique("s").replace("_", "-")
    yield name
    for launcher in map(get_launcher, ("process", "docker")):
        for handle in launcher.discover():
            if handle.session == name:
                launcher.stop(handle, grace=1)


def _gates(session: str) -> list[int]:
    """The pids of the network gates running for a session (root's processes, not shards)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue
        if any(a.endswith(b"netgate.py") for a in argv) and session.encode() in argv:
            found.append(int(entry.name))
    return found


def _probe(session: str, shard: str, log_dir: Path, ports: list[int],
           allowed: tuple[tuple[str, int], ...] | None) -> list[str]:
    launcher = get_launcher("process")
    handle = launcher.launch(LaunchSpec(session, shard, [sys.executable, "-c", PROBE,
                                                         *map(str, ports)], log_dir,
                                        allowed_endpoints=allowed))
    lines = wait_for_line("process", handle, "probed")
    assert [h.ref for h in launcher.discover() if h.shard == shard] == [handle.ref]
    if allowed is not None:
        assert len(_gates(session)) == 1
    launcher.stop(handle, grace=5)
    for _ in range(100):  # the gate dies with its shard (parent-death signal)
        if not _gates(session):
            break
        time.sleep(0.1)
    assert _gates(session) == []
    return lines


def test_shard_reaches_only_its_allowed_endpoints(session: str, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as allowed, \
            socket.create_server(("127.0.0.1", 0)) as other:
        ports = [allowed.getsockname()[1], other.getsockname()[1]]
        lines = _probe(session, "gated", tmp_path, ports, (("127.0.0.1", ports[0]),))
        allowed.settimeout(10)
        allowed.accept()[0].close()  # the gate relayed the connection to the real listener
    assert f"reached {ports[0]}" in lines, lines
    assert f"refused {ports[1]} ConnectionRefusedError" in lines, lines
    records = [json.loads(line) for line in network_record(tmp_path, "gated").read_text()
               .splitlines()]
    assert [(r["kind"], r["target"], r["session"], r["shard"]) for r in records] == [
        ("violation", f"127.0.0.1:{ports[1]}", session, "gated")], records


def test_shard_without_allowed_endpoints_keeps_the_host_network(
    session: str, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        lines = _probe(session, "production", tmp_path, [port], None)
    assert f"reached {port}" in lines, lines
    assert not network_record(tmp_path, "production").exists()


def test_container_reaches_only_its_allowed_endpoints(
    session: str, tmp_path: Path, base_image: str
) -> None:
    """A container given allowed endpoints has no network but its gate's, which it waits for."""
    from harness.system.containers import docker_client

    launcher = get_launcher("docker")
    with socket.create_server(("127.0.0.1", 0)) as allowed, \
            socket.create_server(("127.0.0.1", 0)) as other:
        ports = [allowed.getsockname()[1], other.getsockname()[1]]
        handle = launcher.launch(LaunchSpec(session, "boxed", ["python3", "-c", PROBE,
                                                               *map(str, ports)], tmp_path,
                                            image=base_image,
                                            allowed_endpoints=(("127.0.0.1", ports[0]),)))
        lines = wait_for_line("docker", handle, "probed")
        allowed.settimeout(10)
        allowed.accept()[0].close()
        network = docker_client().containers.get(handle.ref).attrs["HostConfig"]["NetworkMode"]
        assert len(_gates(session)) == 1
        launcher.stop(handle, grace=2)
    assert network == "none"
    assert f"reached {ports[0]}" in lines, lines
    assert f"refused {ports[1]} ConnectionRefusedError" in lines, lines
    records = [json.loads(line) for line in network_record(tmp_path, "boxed").read_text()
               .splitlines()]
    assert [r["target"] for r in records] == [f"127.0.0.1:{ports[1]}"], records
    for _ in range(100):
        if not _gates(session):
            break
        time.sleep(0.1)
    assert _gates(session) == []
