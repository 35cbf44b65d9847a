"""Each shard's external operations through shims: run, recorded or stood in for as the mode says.

A hollow process holds many shards, so each shard passes its own shims Recorder (and JSONL
log) instead of using the process's.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from harness.hollow.replay import ReadAnswers, is_read
from harness.hollow.services import External
from shims.effects import Side
from shims.external import perform
from shims.mode import Mode, current_mode
from shims.recorder import Recorder
from shims.sinks import JsonlSink, Sink

T = TypeVar("T")


# The hollow hypervisor is an in-memory fake: in shadow mode it stands in for itself, so a
# shadow's resource accounting follows the same guests as production's.
SIMULATED_KINDS = frozenset({"hypervisor"})


def settled(run: Callable[[], T]) -> Callable[[], T]:
    """Run now; the callable returned gives the result (or raises the error) again.

    A simulated operation runs before it is recorded, in every mode, so that an effect's seq
    always follows the state it changed: the host-wide totals check relies on it.
    """
    try:
        result = run()
    except Exception as error:
        failure = error

        def again() -> T:
            raise failure
        return again
    return lambda: result


class EffectRecorder:
    """Gives each shard an External with its own Recorder; with a directory, HOST.jsonl each.

    Whether an operation runs, runs and is recorded, or is only recorded and answered by its
    stand-in is shims' mode: `mode` when given (an embedded experiment hosts several sides in
    one process), else the process's (HARNESS_MODE production | record | shadow).
    """

    def __init__(self, effects_dir: Path | None = None, session: str = "",
                 side: Side = "production", mode: Mode | None = None,
                 replay: ReadAnswers | None = None) -> None:
        self.effects_dir = effects_dir
        self.session = session
        self.side = side
        self.mode = mode
        self.replay = replay  # production keeps its read answers there, shadows get them
        self.sinks: list[Sink] = []
        if effects_dir is not None:
            effects_dir.mkdir(parents=True, exist_ok=True)

    def for_host(self, host: str) -> External:
        """The External of one shard."""
        sinks: list[Sink] = []
        if self.effects_dir is not None:
            sinks.append(JsonlSink(self.effects_dir / f"{host}.jsonl"))
            self.sinks.extend(sinks)
        recorder = Recorder(self.session, host, self.side, sinks)

        def external(kind: str, target: str, method: str, payload: Any,
                     run: Callable[[], T], stand_in: T, version: str | None = None) -> T:
            def answer() -> T:
                return stand_in

            if kind in SIMULATED_KINDS:
                run = answer = settled(run)
            elif self.replay is not None and is_read(kind, method):
                run, answer = self._replayed(kind, target, method, run, answer)
            return perform(kind, target, method, run, stand_in=answer,
                           payload=lambda: payload, recorder=recorder, mode=self.mode,
                           version=version)

        return external

    def _replayed(self, kind: str, target: str, method: str, run: Callable[[], T],
                  stand_in: Callable[[], T]) -> tuple[Callable[[], T], Callable[[], T]]:
        """A read's (run, stand-in): production keeps its answer, a shadow gets it."""
        replay = self.replay
        assert replay is not None
        if (self.mode or current_mode()) is Mode.SHADOW:
            return run, lambda: replay.answer(self.side, kind, target, method, stand_in)
        return (lambda: replay.keep(kind, target, method, run)), stand_in

    def close(self) -> None:
        """Close every shard's log."""
        for sink in self.sinks:
            sink.close()
