"""Sessions: what one `shard up` or shadow run created, kept on disk so crashes can be cleaned."""

from harness.sessions.model import Resource, Session
from harness.sessions.store import SessionStore

__all__ = ["Resource", "Session", "SessionStore"]
