"""The message being handled right now, so every effect is tied to what caused it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    """The triggering message's `_msg_id` (or `_unique_id`) and the request id, if any."""

    caused_by: str | None = None
    request_id: str | None = None


_NO_CAUSE = Cause()
_current: ContextVar[Cause] = ContextVar("shims_current_cause", default=_NO_CAUSE)


def current_cause() -> Cause:
    """The cause of whatever runs now (empty outside message handling)."""
    return _current.get()


@contextmanager
def handling(caused_by: str | None, request_id: str | None = None) -> Iterator[Cause]:
    """For the duration of the block, effects are caused by this message and request."""
    cause = Cause(caused_by, request_id)
    token = _current.set(cause)
    try:
        yield cause
    finally:
        _current.reset(token)
