"""One unprivileged uid per shard, from a fixed range with no /etc/passwd entries (as systemd's
DynamicUser does), so shards can neither read, signal nor trace the harness or each other.

A uid is claimed by a file naming the process that holds it (the launching harness, then the
shard); a claim whose process is gone, and whose uid no process runs as, is taken over.
"""

import contextlib
import fcntl
import os
import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InfrastructureError, UsageError
from harness.procinfo import start_time

# systemd's range for dynamic users: no distribution hands these out to accounts.
FIRST_UID, LAST_UID = 61184, 65519
CLAIMS_DIR = Path("/run/shadow-harness/uids")


@dataclass(frozen=True)
class ShardIdentity:
    """The uid and gid a shard runs as."""

    uid: int

    @property
    def gid(self) -> int:
        """A group of its own, numbered as the uid."""
        return self.uid


def _claims_dir() -> Path:
    CLAIMS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    return CLAIMS_DIR


def _holder_alive(claim: Path) -> bool:
    """Whether the process a claim names still runs."""
    try:
        pid, _, started = claim.read_text().strip().partition(":")
        return start_time(int(pid)) == started
    except (OSError, ValueError):
        return False


def _held_by_another(claim: Path) -> bool:
    """Whether a claim names a live process other than this one (a launch failing in this
    process still holds its own claim)."""
    try:
        holder = int(claim.read_text().partition(":")[0])
    except (OSError, ValueError):
        return False
    return holder != os.getpid() and _holder_alive(claim)


def uid_of(pid: int) -> int | None:
    """A process's real uid, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(next(x for x in status.splitlines() if x.startswith("Uid:")).split()[1])
    except (OSError, StopIteration, ValueError):
        return None


def is_shard_uid(uid: int | None) -> bool:
    """Whether a uid is one of the range shards run as."""
    return uid is not None and FIRST_UID <= uid <= LAST_UID


def _processes() -> dict[int, int | None]:
    """Every process on the machine and its real uid."""
    return {int(e.name): uid_of(int(e.name)) for e in Path("/proc").iterdir() if e.name.isdigit()}


def _write_claim(path: Path, pid: int) -> None:
    path.write_text(f"{pid}:{start_time(pid) or ''}\n")


def claim_identity() -> ShardIdentity:
    """A uid no live shard holds, claimed for the calling process until `hold` moves it."""
    if os.geteuid() != 0:
        raise UsageError("shards run as an unprivileged uid of their own, which only root can "
                         "give: run the harness as root")
    directory = _claims_dir()
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        uids = list(range(FIRST_UID, LAST_UID + 1))
        start = random.randrange(len(uids))  # spread concurrent harnesses over the range
        busy: set[int] | None = None
        for uid in uids[start:] + uids[:start]:
            claim = directory / str(uid)
            if claim.exists():
                if _holder_alive(claim):
                    continue
                busy = {u for u in _processes().values() if u is not None} if busy is None else busy
                if uid in busy:
                    continue
            _write_claim(claim, os.getpid())
            return ShardIdentity(uid)
    raise InfrastructureError(f"every uid from {FIRST_UID} to {LAST_UID} is held by a shard")


def hold(identity: ShardIdentity, pid: int) -> None:
    """The shard's own process holds the uid from now on."""
    _write_claim(_claims_dir() / str(identity.uid), pid)


def release(uid: int | None) -> None:
    """Give a stopped shard's uid back, killing what still runs as it (a child that left the
    shard's process group) first: every process of the uid was the shard's. A claim held by
    another live process means the uid was given to a new shard meanwhile: it is left alone."""
    if not is_shard_uid(uid):  # never a uid that is not a shard's
        return
    if _held_by_another(CLAIMS_DIR / str(uid)):
        return
    for pid in (p for p, owner in _processes().items() if owner == uid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(FileNotFoundError):
        (CLAIMS_DIR / str(uid)).unlink()


@contextlib.contextmanager
def claimed_for(*directories: Path | None) -> Iterator[ShardIdentity]:
    """A uid claimed for one launch, owning the shard's directories; given back if the launch
    fails."""
    identity = claim_identity()
    try:
        for directory in directories:
            if directory:
                give_to(identity, directory)
        yield identity
    except BaseException:
        release(identity.uid)
        raise


def give_to(identity: ShardIdentity, directory: Path) -> None:
    """Make a directory and everything in it the shard's own (its bundle: 0700 and 0600 stay)."""
    for root, dirs, files in os.walk(directory):
        os.chown(root, identity.uid, identity.gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), identity.uid, identity.gid, follow_symlinks=False)
