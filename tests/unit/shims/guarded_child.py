"""Run in a subprocess by test_guard: installs the guard, tries everything, prints JSON."""

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from shims.causes import handling
from shims.guard import POLICY, GuardViolation, install_guard
from shims.recorder import Recorder, use_recorder
from shims.sinks import MemorySink


def attempt(action: Callable[[], Any]) -> str:
    """'ok', 'blocked', or another error's name."""
    try:
        action()
    except GuardViolation:
        return "blocked"
    except OSError as error:
        return type(error).__name__
    return "ok"


def connect(address: tuple[str, int]) -> None:
    """Open and close a TCP connection."""
    with socket.create_connection(address, timeout=1):
        pass


def main() -> None:
    """Exercise the guard and report what happened."""
    sink = MemorySink()
    use_recorder(Recorder("s1", "cmp-1", sinks=[sink]))
    server = socket.create_server(("127.0.0.1", 0))
    allowed = server.getsockname()
    install_guard(allow=[f"127.0.0.1:{allowed[1]}"])
    install_guard(allow=[f"127.0.0.1:{allowed[1]}"])  # a second install adds no second hook
    results: dict[str, Any] = {}
    with handling("msg-9", "req-9"):
        results["allowed_connect"] = attempt(lambda: connect(allowed))
        results["other_port"] = attempt(lambda: connect(("127.0.0.1", allowed[1] + 1)))
        results["udp_sendto"] = attempt(
            lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9))
        )
        results["subprocess"] = attempt(lambda: subprocess.run(["true"], check=False))
        results["os_system"] = attempt(lambda: os.system("true"))
        if POLICY.enforcing:  # unguarded, exec would really replace this process
            results["os_exec"] = attempt(lambda: os.execv("/bin/true", ["true"]))
        results["posix_spawn"] = attempt(lambda: os.posix_spawn("/bin/true", ["true"], {}))
    POLICY.enforcing = False
    results["after_disabling"] = attempt(lambda: subprocess.run(["true"], check=True))
    results["violations"] = [
        [e.kind, e.method, e.caused_by, e.request_id, e.real] for e in sink.effects]
    results["counted"] = POLICY.violations
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
