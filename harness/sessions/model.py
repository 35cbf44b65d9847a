"""A session and its ledger of resources, each recorded before it is created."""

import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from harness.launchers.base import ShardHandle
from harness.procinfo import start_time

State = Literal["starting", "running", "stopping", "down", "failed"]


def new_session_id() -> str:
    """Short, unique, and safe in vhost, container and file names."""
    return secrets.token_hex(4)


@dataclass
class Resource:
    """One thing a session created: its kind picks the cleaner; data says which one."""

    kind: str  # shard | queue | vhost | lease | vault_role | firehose | directory | process ...
    data: dict[str, Any]

    def key(self) -> tuple[str, str]:
        """Identity within a session, so recording twice is harmless."""
        return self.kind, repr(sorted(self.data.items()))


@dataclass
class Session:
    """One run's identity, owner, state, and everything it must tear down."""

    id: str
    kind: Literal["shard", "shadow", "scale"]
    cloud: str
    cloud_config: str | None = None
    state: State = "starting"
    owner_pid: int = field(default_factory=os.getpid)
    owner_started: str = field(default_factory=lambda: start_time(os.getpid()) or "")
    created_at: float = field(default_factory=time.time)
    resources: list[Resource] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def owner_alive(self) -> bool:
        """True while the harness process that owns the session still runs."""
        return start_time(self.owner_pid) == self.owner_started

    def of_kind(self, kind: str) -> list[Resource]:
        """The session's resources of one kind, in creation order."""
        return [r for r in self.resources if r.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the state file (resources hold names and ids, never secrets)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Session":
        """Read a session back from its state file."""
        resources = [Resource(**r) for r in data.pop("resources", [])]
        return cls(**data, resources=resources)


def shard_handles(session: Session) -> list[ShardHandle]:
    """The launcher handles of a session's shards."""
    return [ShardHandle.from_dict(r.data) for r in session.of_kind("shard")]
