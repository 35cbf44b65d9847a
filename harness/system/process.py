"""Starting, waiting for and stopping the local services' daemons."""

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.errors import InfrastructureError


def run(argv: Sequence[str], timeout: float = 600) -> str:
    """Run a setup command, raising InfrastructureError with its output when it fails."""
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InfrastructureError(f"{argv[0]}: {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise InfrastructureError(f"{' '.join(argv[:3])} failed: {' | '.join(tail)}")
    return done.stdout


def apt_install(*packages: str) -> None:
    """Install Debian packages from the machine's own apt sources."""
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    run([*env_prefix, "apt-get", "update", "-qq"])
    run([*env_prefix, "apt-get", "install", "-y", "-qq", *packages])


def ensure_binary(name: str, package: str) -> str:
    """Return a binary's path, installing its Debian package when it is missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not found:
        apt_install(package)
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not found:
        raise InfrastructureError(f"{name} not found after installing {package}")
    return found


def spawn(argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> int:
    """Start a daemon detached from us, output to log; return its pid."""
    with log.open("ab") as out:
        child = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return child.pid


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll check until it holds, or raise InfrastructureError naming what never came up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise InfrastructureError(f"{what} did not come up within {timeout:.0f}s")


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(pid: int, grace: float = 15) -> bool:
    """SIGTERM a process, then SIGKILL it after the grace period; whether it had to be killed."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.2)
    if not pid_alive(pid):
        return False
    os.kill(pid, signal.SIGKILL)
    return True
