"""Find what dead sessions left behind (state files, or only marked shards) and remove it."""

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.launchers import get_launcher
from harness.launchers.base import LAUNCHERS, ShardHandle
from harness.paths import state_dir
from harness.procinfo import start_time
from harness.sessions.model import Session, shard_handles
from harness.sessions.store import SessionStore
from harness.sessions.teardown import describe, teardown


def is_dead(session: Session) -> bool:
    """Dead: its owner died mid-operation, a shadow lost its driver, or no shard runs any more."""
    if session.owner_alive():
        return False
    if session.state != "running" or session.kind == "shadow":
        return True
    return not any(get_launcher(h.launcher).alive(h) for h in shard_handles(session))


@dataclass
class Collected:
    """What one gc pass removed, and what it could not."""

    removed: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _available_launchers() -> list[str]:
    """Launchers whose backend answers (a stopped Docker just has nothing to collect)."""
    names = []
    for name in LAUNCHERS:
        try:
            get_launcher(name).discover()
        except HarnessError:
            continue
        names.append(name)
    return names


def is_orphan_of(handle: ShardHandle, state: Path) -> bool:
    """Whether a shard no session of this state directory knows is this gc's to stop: it is when
    this state directory launched it, or when the one that did holds no session file for it and
    the launching process is gone (nobody will write one). Unmarked shards, and those of a state
    directory not seen from here, may be another harness's: left alone."""
    if handle.state == str(state):
        return True
    owner = Path(handle.state) if handle.state else None
    if owner is None or not owner.is_dir():
        return False
    if SessionStore.of_state_dir(owner).path(handle.session).exists():
        return False  # its own ledger knows it: that gc's to collect
    pid, _, started = handle.launched_by.partition(":")
    return pid.isdigit() and start_time(int(pid)) != started


def collect(store: SessionStore) -> Collected:
    """Tear down every dead session, then stop the orphaned shards (see is_orphan_of)."""
    result = Collected()
    known = set()
    for session in store.all():
        known.add(session.id)
        if not is_dead(session):
            continue
        try:
            result.removed[session.id] = teardown(session, store)
        except HarnessError as error:
            result.errors[session.id] = str(error)
            continue
        if session.resources:  # what teardown could not remove waits for the next gc
            result.errors[session.id] = "left for the next gc: " + ", ".join(
                f"{r.kind} {describe(r)}" for r in session.resources)
    for name in _available_launchers():
        launcher = get_launcher(name)
        for handle in launcher.discover():
            if handle.session not in known and is_orphan_of(handle, state_dir()):
                launcher.stop(handle, grace=5)
                result.removed.setdefault(handle.session, []).append(
                    f"shard {handle.shard} ({name}, orphan)")
    return result
