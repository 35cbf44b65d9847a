"""The agent's socket: where it lives, how to reach it, one JSON document per line each way."""

import json
import os
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from harness.paths import private_dir

SOCKET_NAME = "agent.sock"
MAX_ADDRESS = 100  # sun_path holds 108 bytes; a deep state directory does not fit


def socket_path() -> Path:
    """The agent's socket, in the private state directory: one agent per state directory, and
    only its owner can reach it (never an abstract socket, which host-network containers share)."""
    return private_dir("agent") / SOCKET_NAME


@contextmanager
def address(path: Path) -> Iterator[str]:
    """A name bind/connect accept for path: itself, or through its directory's descriptor."""
    if len(str(path)) <= MAX_ADDRESS:
        yield str(path)
        return
    directory = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{directory}/{path.name}"
    finally:
        os.close(directory)


def connect(path: Path, timeout: float | None = None) -> socket.socket | None:
    """A connection to the agent at path, or None when none listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with address(path) as name:
            sock.connect(name)
    except OSError:  # no socket, or a dead agent's
        sock.close()
        return None
    return sock


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    """One message, one line."""
    sock.sendall(json.dumps(message).encode() + b"\n")


def receive(reader: BinaryIO) -> dict[str, Any] | None:
    """The next message, or None when the other side closed."""
    line = reader.readline()
    return json.loads(line) if line else None


def peer_process(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end, as the kernel knows them."""
    pid, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                      struct.calcsize("3i")))
    return pid, uid
