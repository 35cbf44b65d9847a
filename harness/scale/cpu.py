"""CPU use of the control plane's processes, read from /proc: the conductor's and the
database server's, as a percentage of one core between two readings."""

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
DATABASE_SERVERS = {"mysql": ("mariadbd", "mysqld"), "postgresql": ("postgres",)}


def process_seconds(pid: int) -> float | None:
    """User and system CPU seconds a process has used (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (a control plane's conductor workers), from /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending += [int(child) for child in task.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def processes_named(names: Sequence[str]) -> list[int]:
    """The pids of this machine's processes whose command is one of `names`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in names:
                found.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def database_server_pids(backend: str) -> Callable[[], list[int]]:
    """Finds a local database server's processes (PostgreSQL forks one a connection, so asked
    again at each reading); none for SQLite, which runs inside the conductor."""
    names = DATABASE_SERVERS.get(backend, ())
    return lambda: processes_named(names) if names else []


class CpuMeter:
    """Percent of one core that a set of processes used since the previous reading."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self._last: dict[int, float] = {}
        self._at = time.monotonic()

    def read(self) -> float | None:
        """CPU percent since the last read (None when no process is there to measure)."""
        now, used, seen = time.monotonic(), 0.0, {}
        for pid in self.pids():
            seconds = process_seconds(pid)
            if seconds is None:
                continue
            seen[pid] = seconds
            used += seconds - self._last.get(pid, seconds)
        elapsed, self._last, self._at = now - self._at, seen, now
        if not seen:
            return None
        return round(100 * used / elapsed, 1) if elapsed > 0 else 0.0


def _socket_inodes(ports: set[int]) -> set[str]:
    """The inodes of this machine's TCP sockets bound to one of these local ports."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) in ports:
                found.add(fields[9])
    return found


def socket_owners(ports: set[int]) -> list[int]:
    """The processes holding a TCP socket on one of these local ports (the client end of a
    broker connection, as the broker names its peer), from /proc."""
    inodes = {f"socket:[{inode}]" for inode in _socket_inodes(ports)}
    owners = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                owners.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return sorted(owners)
