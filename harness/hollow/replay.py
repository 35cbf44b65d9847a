"""Production's answers to reads, replayed to the shadows of the same trigger.

A shadow that deletes the ports of an instance must first see the ports production found;
a stand-in's empty list would make its deletes vanish. Where production's shard runs in record
mode in the same process (an embedded experiment), each answer it got to a read is kept by
(trigger, kind, target, method, occurrence), and a shadow's same read gets it instead of a
stand-in. A read production never made (or has not made within `wait` seconds) is stubbed.
"""

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shims.causes import current_cause

T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD"})
REPLAY_WAIT = 5.0  # seconds a shadow waits for production to make the same read

ReadKey = tuple[str, str, str, str]  # caused_by, kind, target, method


def is_read(kind: str, method: str | None) -> bool:
    """Whether an external operation only reads (its answer may be replayed)."""
    return kind == "http" and method in READ_METHODS


@dataclass(frozen=True)
class Outcome:
    """What production's read returned, or the error it raised."""

    value: Any = None
    error: BaseException | None = None

    def give(self) -> Any:
        """The value again, or the error raised again."""
        if self.error is not None:
            raise self.error
        return self.value


@dataclass
class ReadAnswers:
    """Production's read answers by trigger, and which shadow reads got them."""

    wait: float = REPLAY_WAIT
    replayed: list[dict[str, str]] = field(default_factory=list)  # side, caused_by, target, method
    _answers: dict[ReadKey, list[Outcome]] = field(default_factory=dict)
    _asked: dict[str, Counter[ReadKey]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def keep(self, kind: str, target: str, method: str, run: Callable[[], T]) -> T:
        """Run production's read and keep its outcome for the shadows."""
        cause = current_cause().caused_by
        try:
            value = run()
        except Exception as error:
            self._store(cause, (kind, target, method), Outcome(error=error))
            raise
        self._store(cause, (kind, target, method), Outcome(value))
        return value

    def _store(self, cause: str | None, what: tuple[str, str, str], outcome: Outcome) -> None:
        if cause is None:  # periodic work: no shadow gets the same trigger
            return
        with self._changed:
            self._answers.setdefault((cause, *what), []).append(outcome)
            self._changed.notify_all()

    def answer(self, side: str, kind: str, target: str, method: str,
               stand_in: Callable[[], T]) -> T:
        """Production's answer to the same read of the same trigger, else the stand-in's."""
        cause = current_cause().caused_by
        if cause is None:
            return stand_in()
        key: ReadKey = (cause, kind, target, method)
        with self._changed:
            asked = self._asked.setdefault(side, Counter())
            occurrence = asked[key]
            asked[key] += 1
            found = self._changed.wait_for(
                lambda: len(self._answers.get(key, ())) > occurrence, self.wait)
            if not found:
                return stand_in()
            outcome = self._answers[key][occurrence]
            self.replayed.append({"side": side, "caused_by": cause, "target": target,
                                  "method": method})
        return outcome.give()
