"""The CLI's side: hand a request to a running agent, or say there is none to work in-process."""

import os
import socket
from typing import Any

from harness.agent.wire import connect, receive, send, socket_path
from harness.errors import HarnessError, InfrastructureError
from harness.exitcodes import ExitCode


class AgentError(HarnessError):
    """What went wrong in the agent, with the exit code it would have had here."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(exit_code)


class StaleAgent(Exception):
    """The agent runs older code than is on disk, and stopped."""


def ask(op: str, payload: dict[str, Any] | None = None,
        timeout: float | None = None) -> dict[str, Any] | None:
    """The agent's result for one request; None when no agent runs.

    Ctrl-C while the agent works half-closes the connection: the agent cancels, tears down
    what it had created, and answers; only then does the Ctrl-C go on.
    """
    sock = connect(socket_path(), timeout)
    if sock is None:
        return None
    with sock, sock.makefile("rb") as reader:
        send(sock, {"op": op, "payload": payload or {}, "env": dict(os.environ),
                    "cwd": os.getcwd()})
        try:
            reply = receive(reader)
        except KeyboardInterrupt:
            sock.shutdown(socket.SHUT_WR)
            receive(reader)
            raise
    if reply is None:
        raise InfrastructureError("the harness agent died before answering; `harness gc` "
                                  "removes what it had created")
    if reply.get("stale"):
        raise StaleAgent
    if "error" in reply:
        raise AgentError(reply["error"], reply["exit_code"])
    result: dict[str, Any] = reply["result"]
    return result
