"""Durable session state: one JSON file per session, written atomically, found after restarts."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.atomic import write_json
from harness.errors import UsageError
from harness.paths import private_dir
from harness.sessions.model import Resource, Session

SESSIONS = "sessions"  # the store's folder in a state directory


class SessionStore:
    """Sessions on disk under the harness's private state directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or private_dir(SESSIONS)

    @classmethod
    def of_state_dir(cls, state: Path) -> "SessionStore":
        """The store another harness keeps in its state directory (read, never created)."""
        return cls(state / SESSIONS)

    def path(self, session_id: str) -> Path:
        """The state file of a session."""
        return self.root / f"{session_id}.json"

    def save(self, session: Session) -> None:
        """Write a session's state atomically."""
        write_json(self.path(session.id), session.to_dict())

    def track(self, session: Session, resource: Resource) -> None:
        """Record a resource before creating it, so a crash right after leaves it findable."""
        if resource.key() not in {r.key() for r in session.resources}:
            session.resources.append(resource)
            self.save(session)

    def all(self) -> list[Session]:
        """Every session on disk, oldest first; an unreadable file is skipped, not fatal."""
        sessions = []
        for path in sorted(self.root.glob("*.json")):
            try:
                sessions.append(Session.from_dict(json.loads(path.read_text())))
            except (ValueError, TypeError):
                continue
        return sorted(sessions, key=lambda s: s.created_at)

    def get(self, session_id: str) -> Session:
        """A session by id or unique id prefix."""
        matches = [s for s in self.all() if s.id.startswith(session_id)]
        if len(matches) != 1:
            what = "no session" if not matches else "more than one session"
            raise UsageError(f"{what} matches {session_id!r} (see 'harness shard ls')")
        return matches[0]

    def forget(self, session: Session) -> None:
        """Remove a torn-down session's state file."""
        self.path(session.id).unlink(missing_ok=True)

    @contextmanager
    def state(self, session: Session, during: str, after: str) -> Iterator[Session]:
        """Mark a session as in a phase, then as after it; a failure marks it failed."""
        session.state = during  # type: ignore[assignment]
        self.save(session)
        try:
            yield session
        except BaseException:
            session.state = "failed"
            self.save(session)
            raise
        session.state = after  # type: ignore[assignment]
        self.save(session)
