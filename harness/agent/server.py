"""The agent's side: serve one request at a time on the main thread, warm, until idle or stopped.

A client that goes away mid-request (Ctrl-C, kill) cancels it: the request unwinds as Ctrl-C
would, so `shard up` tears down what it had created. The agent stops, rather than serve old
code, once any source file it loaded has changed.
"""

import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from credentials.redaction import REDACTOR, install_log_filter
from harness.agent.wire import address, connect, peer_process, receive, send, socket_path
from harness.errors import REPORTED, UsageError
from harness.exitcodes import ExitCode
from harness.sessions.model import Session
from harness.shards.request import ShardUp
from harness.shards.up import shard_up

log = logging.getLogger(__name__)
PACKAGES = ("harness", "credentials", "shims")
CANCEL_SIGNAL = signal.SIGUSR1
REAP_EVERY = 2.0  # seconds between collecting exited children while idle


class Cancelled(BaseException):
    """The client went away mid-request: unwind like Ctrl-C, so teardown runs."""


def source_files() -> list[str]:
    """The harness's own source files this process has loaded."""
    return [str(module.__file__) for name, module in list(sys.modules.items())
            if name.split(".")[0] in PACKAGES and getattr(module, "__file__", None)]


def fingerprint(files: list[str]) -> float:
    """The newest modification time among files (a missing one counts as changed now)."""
    newest = 0.0
    for path in files:
        try:
            newest = max(newest, os.stat(path).st_mtime)
        except OSError:
            return time.time()
    return newest


@dataclass
class Agent:
    """What the agent knows about itself: `agent status` shows it."""

    idle: float
    files: list[str] = field(default_factory=source_files)
    started: float = field(default_factory=time.time)
    requests: int = 0
    busy: bool = False
    stopping: bool = False
    current: int = 0  # the connection being served
    hung_up: int = -1  # the last connection whose client went away

    def __post_init__(self) -> None:
        self.loaded = fingerprint(self.files)

    def status(self) -> dict[str, Any]:
        """Pid, uptime, requests served."""
        return {"pid": os.getpid(), "started": self.started, "requests": self.requests,
                "idle_timeout": self.idle}


def _shard_up(payload: dict[str, Any], owner: int) -> dict[str, Any]:
    """`shard up` for the client, which owns the session as if it had run it itself."""
    session: Session = shard_up(ShardUp(**payload), owner=owner)
    return {"session": session.to_dict()}


@contextmanager
def client_environment(env: dict[str, str], cwd: str) -> Iterator[None]:
    """The client's environment and directory for one request (secrets references, relative
    paths and mount suffixes resolve as they would in the client)."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)


def _watch_for_hangup(conn: socket.socket, agent: Agent, number: int) -> None:
    """The client sends nothing after its request: EOF means it is gone, so cancel (the signal
    handler, on the main thread, acts only while that same connection is being served)."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    agent.hung_up = number
    os.kill(os.getpid(), CANCEL_SIGNAL)


def _answer(agent: Agent, request: dict[str, Any], owner: int) -> dict[str, Any]:
    """The reply to one request."""
    op = request.get("op")
    if op == "ping":
        return {"result": agent.status()}
    if op == "stop":
        agent.stopping = True
        return {"result": agent.status()}
    if fingerprint(agent.files) != agent.loaded:
        agent.stopping = True
        return {"stale": True}
    handlers: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
        "shard_up": _shard_up}
    if op not in handlers:
        return {"error": f"the agent does not serve {op!r}", "exit_code": int(ExitCode.USAGE)}
    agent.requests += 1
    try:
        with client_environment(request["env"], request["cwd"]):
            return {"result": handlers[op](request["payload"], owner)}
    except REPORTED as error:
        return {"error": REDACTOR.scrub(str(error)), "exit_code": int(error.exit_code)}
    except Exception as error:  # the agent outlives one bad request; the log has the trace
        log.exception("request %s failed", op)
        return {"error": REDACTOR.scrub(f"the agent failed: {type(error).__name__}: {error}"),
                "exit_code": int(ExitCode.INFRASTRUCTURE)}


def _serve_one(conn: socket.socket, agent: Agent) -> None:
    """Read a request from the agent's owner, answer it, cancel it if the client leaves."""
    pid, uid = peer_process(conn)
    if uid != os.getuid():
        log.warning("refused a connection from uid %d", uid)
        return
    request = receive(conn.makefile("rb"))
    if request is None:
        return
    agent.current += 1
    watcher = threading.Thread(target=_watch_for_hangup, args=(conn, agent, agent.current),
                               daemon=True)
    agent.busy = True
    watcher.start()
    try:
        reply = _answer(agent, request, pid)
    except Cancelled:
        reply = {"error": "cancelled: the client went away; what it had created was removed",
                 "exit_code": int(ExitCode.USAGE)}
    finally:
        agent.busy = False
    try:
        send(conn, reply)
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        log.info("client %d left before its reply", pid)
    watcher.join(timeout=5)


def _on_cancel_signal(agent: Agent) -> Callable[[int, FrameType | None], None]:
    def cancel(signum: int, frame: FrameType | None) -> None:
        if agent.busy and agent.hung_up == agent.current:  # on the main thread: no race
            raise Cancelled

    return cancel


def _reap_children() -> None:
    """Shards and keepers the agent started are its children: collect those that exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Unwind (a request in flight tears down) and remove the socket on the way out."""
    raise SystemExit(0)


def listen(path: Path) -> socket.socket:
    """Bind the agent's socket 0600, replacing a dead agent's; refuse beside a live one."""
    live = connect(path, timeout=2)
    if live is not None:
        live.close()
        raise UsageError(f"an agent already serves this state directory ({path})")
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        with address(path) as name:
            listener.bind(name)
    finally:
        os.umask(old_mask)
    listener.listen(16)
    return listener


def serve(idle: float) -> None:
    """Serve until stopped, idle for `idle` seconds, or running older code than on disk."""
    install_log_filter()  # what the agent logs (tracebacks too) never shows an issued secret
    path = socket_path()
    agent = Agent(idle)
    listener = listen(path)
    identity = path.stat().st_ino
    signal.signal(CANCEL_SIGNAL, _on_cancel_signal(agent))
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    listener.settimeout(min(idle, REAP_EVERY))
    log.info("agent %d serving on %s", os.getpid(), path)
    last = time.monotonic()
    try:
        while not agent.stopping:
            _reap_children()
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if time.monotonic() - last >= idle:
                    log.info("idle for %.0fs: stopping", idle)
                    break
                continue
            with conn:
                conn.settimeout(None)
                _serve_one(conn, agent)
            last = time.monotonic()
    finally:
        listener.close()
        if path.exists() and path.stat().st_ino == identity:
            path.unlink()
