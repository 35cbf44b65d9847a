"""Turns an operation into an Effect (seq, time, cause filled in) and hands it to the sinks."""

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from shims.causes import current_cause
from shims.effects import Effect, Side
from shims.sinks import MemorySink, Sink


class Recorder:
    """Records effects for one shard of one session; thread-safe, seq strictly increasing."""

    def __init__(
        self, session: str, shard: str, side: Side = "candidate",
        sinks: Sequence[Sink] = (), clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.shard = shard
        self.side = side
        self.sinks = list(sinks)
        self._clock = clock
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(
        self, kind: str, target: str, method: str | None = None, payload: Any = None, *,
        real: bool, version: str | None = None,
    ) -> Effect:
        """Record one effect, tied to the message being handled now, and emit it."""
        cause = current_cause()
        with self._lock:
            effect = Effect(
                session=self.session, shard=self.shard, side=self.side, real=real,
                seq=next(self._seq), ts=self._clock(), request_id=cause.request_id,
                caused_by=cause.caused_by, kind=kind, target=target, method=method,
                version=version, payload=payload,
            )
            for sink in self.sinks:
                sink.emit(effect)
        return effect


_current = Recorder("", "", sinks=[MemorySink()])


def use_recorder(recorder: Recorder) -> Recorder:
    """Make `recorder` the process's recorder (the one shims use); returns it."""
    global _current
    _current = recorder
    return recorder


def current_recorder() -> Recorder:
    """The process's recorder (until configured: one keeping effects in memory)."""
    return _current
