"""Both launchers against the real thing: a subprocess and a container on the local engine."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.launchers import LaunchSpec, ShardHandle, get_launcher, identity
from harness.launchers.identity import FIRST_UID
from harness.paths import state_dir
from harness.procinfo import start_time
from tests.conftest import unique

# Prints what the shard can see, then waits to be stopped; it exits 0 on SIGTERM.
SHARD = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: (print("got SIGTERM", flush=True), sys.exit(0)))
creds = os.environ.get("HARNESS_CREDENTIALS_DIR", "")
print("env", sorted(os.environ), flush=True)
print("uid", os.getuid(), os.getgid(), os.getgroups(), flush=True)
bundle = open(os.path.join(creds, "bundle.ini")).read().strip() if creds else "-"
print("bundle", bundle, flush=True)
try:
    open(os.path.join(creds, "tamper"), "w")
    print("creds writable", flush=True)
except OSError:
    print("creds read-only", flush=True)
time.sleep(120)
"""
# Ignores SIGTERM, so only the grace period's SIGKILL ends it.
STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ignoring SIGTERM', flush=True); time.sleep(120)")


def wait_for_line(launcher_name: str, handle: ShardHandle, text: str) -> list[str]:
    launcher = get_launcher(launcher_name)
    for _ in range(100):
        lines = list(launcher.logs(handle))
        if any(text in line for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {lines}")


@pytest.fixture
def creds_dir(tmp_path: Path) -> Path:
    path = tmp_path / "creds"
    path.mkdir(mode=0o700)
    (path / "bundle.ini").write_text("[DEFAULT]\ntransport_url = rabbit://x@127.0.0.1//\n")
    (path / "bundle.ini").chmod(0o600)
    return path


@pytest.fixture
def session() -> Iterator[str]:
    """A session id; every shard left over from it is stopped afterwards."""
    name = unique("s").replace("_", "-")
    yield name
    for launcher_name in ("process", "docker"):
        launcher = get_launcher(launcher_name)
        for handle in launcher.discover():
            if handle.session == name:
                launcher.stop(handle, grace=1)


def test_process_shard_sees_no_harness_secret(
    session: str, tmp_path: Path, creds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "harness-own-token")
    launcher = get_launcher("process")
    handle = launcher.launch(LaunchSpec(session, "cmp-1", [sys.executable, "-c", SHARD],
                                        tmp_path / "logs", credentials_dir=creds_dir))
    lines = wait_for_line("process", handle, "creds")
    assert launcher.alive(handle)
    env_line = next(line for line in lines if line.startswith("env "))
    assert "VAULT_TOKEN" not in env_line
    assert "'HARNESS_SESSION'" in env_line and "'HARNESS_CREDENTIALS_DIR'" in env_line
    assert any("transport_url" in line for line in lines)
    assert "creds read-only" in lines
    assert f"uid {handle.uid} {handle.uid} []" in lines and handle.uid >= FIRST_UID
    assert handle in [h for h in launcher.discover() if h.session == session] or any(
        h.ref == handle.ref for h in launcher.discover())
    launcher.stop(handle, grace=5)
    assert not launcher.alive(handle)
    assert "got SIGTERM" in list(launcher.logs(handle))[-1]


def test_process_ignoring_sigterm_is_killed_after_grace(session: str, tmp_path: Path) -> None:
    launcher = get_launcher("process")
    handle = launcher.launch(LaunchSpec(session, "stubborn", [sys.executable, "-c", STUBBORN],
                                        tmp_path / "logs"))
    wait_for_line("process", handle, "ignoring SIGTERM")
    started = time.monotonic()
    launcher.stop(handle, grace=1)
    assert not launcher.alive(handle)
    assert time.monotonic() - started >= 1


def test_handle_survives_a_harness_restart(session: str, tmp_path: Path) -> None:
    launcher = get_launcher("process")
    handle = launcher.launch(LaunchSpec(session, "h", [sys.executable, "-c", STUBBORN],
                                        tmp_path / "logs"))
    again = ShardHandle.from_dict(handle.to_dict())
    assert get_launcher("process").alive(again)
    launcher.stop(again, grace=0.5)
    assert not launcher.alive(handle)


def test_docker_shard_host_network_labels_limits_readonly_creds(
    session: str, tmp_path: Path, creds_dir: Path, base_image: str
) -> None:
    launcher = get_launcher("docker")
    spec = LaunchSpec(session, "cmp-2", ["python3", "-c", SHARD], tmp_path / "logs",
                      image=base_image, credentials_dir=creds_dir, memory_limit="128m", cpus=0.5)
    handle = launcher.launch(spec)
    lines = wait_for_line("docker", handle, "creds")
    assert "creds read-only" in lines
    assert any("transport_url" in line for line in lines)
    # no group but its own (docker lists the primary one among the supplementary)
    assert f"uid {handle.uid} {handle.uid} [{handle.uid}]" in lines and handle.uid >= FIRST_UID
    from harness.system.containers import docker_client

    attrs = docker_client().containers.get(handle.ref).attrs
    assert attrs["HostConfig"]["NetworkMode"] == "host"
    assert attrs["HostConfig"]["Memory"] == 128 * 1024 * 1024
    assert attrs["HostConfig"]["NanoCpus"] == 500_000_000
    assert attrs["Config"]["Labels"] == {
        "harness.session": session, "harness.shard": "cmp-2", "harness.state": str(state_dir()),
        "harness.launched-by": f"{os.getpid()}:{start_time(os.getpid())}"}
    host = attrs["HostConfig"]
    assert (host["CapDrop"], host["SecurityOpt"], host["ReadonlyRootfs"]) == (
        ["ALL"], ["no-new-privileges:true"], True)
    assert host["PidsLimit"] == 512 and "/tmp" in host["Tmpfs"]
    assert [h.shard for h in launcher.discover() if h.session == session] == ["cmp-2"]
    launcher.stop(handle, grace=5)
    assert not launcher.alive(handle)
    assert [h for h in launcher.discover() if h.session == session] == []
    assert not Path("/sys/class/net/docker0").exists()


def test_docker_missing_image_is_usage_error(session: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="image 'shadow-harness/nope:1' not found"):
        get_launcher("docker").launch(LaunchSpec(session, "x", [], tmp_path,
                                                 image="shadow-harness/nope:1"))


def test_unknown_launcher_is_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown launcher 'vm'"):
        get_launcher("vm")


def test_stopping_a_dead_shard_spares_the_shard_that_got_its_uid(session: str,
                                                                 tmp_path: Path) -> None:
    launcher = get_launcher("process")
    first = launcher.launch(LaunchSpec(session, "first", [sys.executable, "-c", "pass"],
                                       tmp_path))
    deadline = time.monotonic() + 60
    while launcher.alive(first) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.uid is not None
    # The uid is free again: a new shard claims it before the dead one is stopped.
    successor = subprocess.Popen(["setpriv", f"--reuid={first.uid}", f"--regid={first.uid}",
                                  "--clear-groups", "sleep", "60"])
    try:
        identity.hold(identity.ShardIdentity(first.uid), successor.pid)
        launcher.stop(first)
        assert successor.poll() is None, "stopping the dead shard killed its uid's new holder"
        assert (identity.CLAIMS_DIR / str(first.uid)).exists()
    finally:
        successor.kill()
        successor.wait()
        identity.release(first.uid)
    assert not (identity.CLAIMS_DIR / str(first.uid)).exists()
