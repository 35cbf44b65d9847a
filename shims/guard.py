"""Fail-closed guard for shadow mode: an audit hook that blocks what bypasses the shims.

`sys.addaudithook` hooks cannot be removed, so the hook is added once per process and
consults the module-level `POLICY`; turning enforcement off means changing the policy.
While enforcing it raises GuardViolation for a socket connecting (or sending) to an address
not on the allow list, and for any new process (subprocess, os.system, os.exec*,
os.posix_spawn, os.spawn*), recording each as a `violation` effect.
"""

import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shims.mode import Mode, current_mode
from shims.recorder import current_recorder

SOCKET_EVENTS = frozenset({"socket.connect", "socket.sendto"})
PROCESS_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "pty.spawn",
})
WATCHED_EVENTS = SOCKET_EVENTS | PROCESS_EVENTS


class GuardViolation(PermissionError):
    """Shadow mode blocked an operation that did not go through the shims."""


@dataclass
class GuardPolicy:
    """What the hook enforces: on or off, and which addresses sockets may reach.

    Allow-list entries: "host:port", "[v6]:port", a bare host (any port), or a unix path.
    """

    enforcing: bool = False
    allowed: set[str] = field(default_factory=set)
    violations: int = 0

    def allows(self, address: Any) -> bool:
        """Whether a socket may connect or send to `address`."""
        if isinstance(address, tuple) and len(address) >= 2:
            host, port = str(address[0]), address[1]
            spelled = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            return host in self.allowed or spelled in self.allowed
        if isinstance(address, bytes):
            address = address.decode("utf-8", "replace")
        return str(address) in self.allowed


POLICY = GuardPolicy()
_installed = False
_install_lock = threading.Lock()
_inside = threading.local()


def install_guard(allow: Iterable[str] = (), mode: Mode | None = None) -> GuardPolicy:
    """Add the audit hook (once per process) and set the policy: enforcing only in shadow mode.

    Call again to change the allow list or mode; the hook itself stays.
    """
    global _installed
    with _install_lock:
        POLICY.allowed = set(allow)
        POLICY.enforcing = (mode or current_mode()) is Mode.SHADOW
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True
    return POLICY


def _describe(event: str, args: tuple[Any, ...]) -> tuple[str, str]:
    """The effect's target and a short description of a watched event."""
    if event in SOCKET_EVENTS:
        return str(args[1]), f"{event} to {args[1]!r}"
    first = args[0] if args else ""
    return str(first), f"{event} {first!r}"


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: cheap for unwatched events, raises for blocked ones."""
    if event not in WATCHED_EVENTS or not POLICY.enforcing:
        return
    if event in SOCKET_EVENTS and POLICY.allows(args[1]):
        return
    target, detail = _describe(event, args)
    POLICY.violations += 1
    if not getattr(_inside, "recording", False):
        _inside.recording = True
        try:
            current_recorder().record(
                "violation", target, event, {"event": event, "detail": detail}, real=False,
            )
        except Exception as error:
            detail = f"{detail} (and recording it failed: {type(error).__name__})"
        finally:
            _inside.recording = False
    raise GuardViolation(f"shadow mode blocked {detail}")
