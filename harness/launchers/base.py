"""The launcher interface: start a shard, tell whether it lives, stop it, read its logs, find it."""

import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.paths import state_dir
from harness.procinfo import start_time

LAUNCHERS = {"process": "harness.launchers.process", "docker": "harness.launchers.docker"}
# Environment variables that mark a shard, so gc can find it even if no state was written.
SESSION_ENV = "HARNESS_SESSION"
SHARD_ENV = "HARNESS_SHARD"
# Who launched a shard: the state directory whose gc may stop it, and the process (pid:start)
# that writes its session file there.
STATE_ENV = "HARNESS_OWNER_STATE_DIR"
LAUNCHED_BY_ENV = "HARNESS_LAUNCHED_BY"
CREDENTIALS_ENV = "HARNESS_CREDENTIALS_DIR"
# Where a shard, process or container, finds its bundle (read-only) and writes its records.
CREDENTIALS_MOUNT = "/run/harness/credentials"
RECORDS_MOUNT = "/run/harness/records"
SCRATCH = "/tmp"  # a shard's only other writable place, a tmpfs of its own
SIDE_ENV = "HARNESS_SIDE"


@dataclass(frozen=True)
class LaunchSpec:
    """What to run for one shard; never holds a secret (those stay in credentials_dir)."""

    session: str
    shard: str
    argv: list[str]
    log_dir: Path
    image: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    credentials_dir: Path | None = None
    memory_limit: str | None = None
    cpus: float | None = None
    writable_dir: Path | None = None  # where the shard writes its records (docker: mounted rw)
    # None: the host's network (production shards). A tuple: a network namespace of its own
    # where only these (address, port) endpoints answer, each at its own address (shadows).
    allowed_endpoints: tuple[tuple[str, int], ...] | None = None
    # Host directories the shard reads where they are (docker: mounted read-only at that path).
    shared_dirs: tuple[Path, ...] = ()


def network_record(log_dir: Path, shard: str) -> Path:
    """Where the launcher records the connections a shard's network namespace refused: next
    to its log, in the harness's directory, out of the shard's reach."""
    return log_dir / f"{shard}.network.jsonl"


@dataclass(frozen=True)
class ShardHandle:
    """How to find a launched shard again, also from another harness process."""

    launcher: str
    session: str
    shard: str
    ref: str  # a pid:start-time for processes, a container id for docker
    log_path: str = ""
    uid: int | None = None  # the unprivileged uid the shard runs as
    state: str = ""  # the launching harness's state directory ("" when unmarked)
    launched_by: str = ""  # the launching harness process, pid:start-time

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the session state file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ShardHandle":
        """Read a handle back from the session state file."""
        return cls(**data)

    def runs_as(self) -> str:
        """The identity the shard runs as, for `shard up` and `shadow start` to print."""
        if self.uid is None:
            return "an identity of its launcher's choosing (not confined by this harness)"
        return f"uid {self.uid} gid {self.uid}, no capabilities, no_new_privs"


def launcher_marks() -> tuple[str, str]:
    """This harness's state directory and process (pid:start-time), to mark what it launches."""
    return str(state_dir()), f"{os.getpid()}:{start_time(os.getpid()) or ''}"


class Launcher(ABC):
    """Runs shards one way; every method works from a handle alone, so restarts are safe."""

    name: str
    credentials_path = Path(CREDENTIALS_MOUNT)  # where the shard sees its bundle

    @abstractmethod
    def launch(self, spec: LaunchSpec) -> ShardHandle:
        """Start the shard and return its handle without waiting for it to be ready."""

    @abstractmethod
    def alive(self, handle: ShardHandle) -> bool:
        """True while the shard runs."""

    @abstractmethod
    def stop(self, handle: ShardHandle, grace: float = 10) -> None:
        """SIGTERM the shard, SIGKILL it after the grace period, remove what it leaves."""

    @abstractmethod
    def logs(self, handle: ShardHandle, follow: bool = False) -> Iterator[str]:
        """The shard's output, line by line; with follow, until it exits."""

    @abstractmethod
    def discover(self) -> list[ShardHandle]:
        """Every shard this launcher runs on the machine, found without any state file."""


def get_launcher(name: str) -> Launcher:
    """The launcher of that name (imported lazily: docker is an optional extra)."""
    if name not in LAUNCHERS:
        raise UsageError(f"unknown launcher {name!r} (choose from {', '.join(LAUNCHERS)})")
    module = importlib.import_module(LAUNCHERS[name])
    launcher: Launcher = module.LAUNCHER_CLASS()
    return launcher
