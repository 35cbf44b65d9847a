"""One state file per credentials session: lease ids, roles, vhosts, bundles; never a secret."""

import logging
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.atomic import write_json
from harness.errors import ConfigError
from harness.paths import private_dir

log = logging.getLogger(__name__)
Status = Literal["active", "ended"]


class RoleRecord(BaseModel):
    """An engine role made for a shard (see credentials.shard.RoleRef)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["rabbitmq", "database", "pki"]
    mount: str
    name: str


class LeaseRecord(BaseModel):
    """A lease's id and expiry, for listing; revocation goes by role prefix."""

    model_config = ConfigDict(extra="forbid")
    lease_id: str
    kind: str
    ttl: int
    renewable: bool
    expires_at: float


class ShardRecord(BaseModel):
    """One shard's credentials: what must be undone for it."""

    model_config = ConfigDict(extra="forbid")
    shard: str
    host: str
    mode: Literal["shadow", "production"]
    roles: list[RoleRecord] = []
    vhost: str | None = None
    bundle: str | None = None
    leases: list[LeaseRecord] = []


class SessionState(BaseModel):
    """A session's credentials and who owns them; gc revokes it once the owner is gone."""

    model_config = ConfigDict(extra="forbid")
    session: str
    cloud: str
    vault_address: str
    layout: dict[str, str]
    owner_pid: int
    owner_start: str | None
    status: Status = "active"
    created: float
    shards: list[ShardRecord] = []


def sessions_dir() -> Path:
    """Where state files live (0700)."""
    return private_dir("creds", "sessions")


def bundle_root(session: str) -> Path:
    """The directory holding a session's bundles (removed whole at teardown)."""
    return private_dir("creds", "bundles") / session


def bundles_dir(session: str, shard: str) -> Path:
    """Where a shard's bundle is written (0700; the bundle itself is 0600)."""
    return private_dir("creds", "bundles", session, shard)


def state_path(session: str) -> Path:
    """A session's state file."""
    return sessions_dir() / f"{session}.json"


def save(state: SessionState) -> None:
    """Write a session's state atomically, 0600."""
    write_json(state_path(state.session), state.model_dump(mode="json"))


def load(path: Path) -> SessionState:
    """Read one state file; a damaged one is an error naming it."""
    try:
        return SessionState.model_validate_json(path.read_text())
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"{path}: field {field}: {first['msg']}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read state file: {error.strerror}") from None


def load_session(session: str) -> SessionState:
    """Read a session's state by id."""
    path = state_path(session)
    if not path.is_file():
        raise ConfigError(f"no credentials session {session!r} (no {path})")
    return load(path)


def all_sessions() -> list[SessionState]:
    """Every session with a state file, oldest first."""
    states = [load(path) for path in sorted(sessions_dir().glob("*.json"))]
    return sorted(states, key=lambda s: s.created)


def remove(session: str) -> None:
    """Forget a session whose credentials are all revoked."""
    state_path(session).unlink(missing_ok=True)


def process_start(pid: int) -> str | None:
    """A running process's start time in ticks since boot (tells the owner from pid reuse)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def owner_alive(state: SessionState) -> bool:
    """Whether the process that owns a session still runs (the same process, not a reused pid)."""
    start = process_start(state.owner_pid)
    return start is not None and (state.owner_start is None or start == state.owner_start)


def is_orphaned(state: SessionState) -> bool:
    """A session gc should revoke: ended without finishing teardown, or its owner is dead."""
    return state.status == "ended" or not owner_alive(state)


def new_state(session: str, cloud: str, vault_address: str, layout: dict[str, str],
              owner_pid: int) -> SessionState:
    """A fresh active session owned by a process."""
    return SessionState(
        session=session, cloud=cloud, vault_address=vault_address, layout=layout,
        owner_pid=owner_pid, owner_start=process_start(owner_pid), created=time.time(),
    )
