"""Each shard's external operations through shims: run, recorded or stood in for as the mode says.

A hollow process holds many shards, so each shard passes its own shims Recorder (and JSONL
log) instead of using the process's.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from harness.hollow.services import External
from shims.effects import Side
from shims.external import perform
from shims.mode import Mode
from shims.recorder import Recorder
from shims.sinks import JsonlSink, Sink

T = TypeVar("T")


# The hollow hypervisor is an in-memory fake: in shadow mode it stands in for itself, so a
# shadow's resource accounting follows the same guests as production's.
SIMULATED_KINDS = frozenset({"hypervisor"})


class EffectRecorder:
    """Gives each shard an External with its own Recorder; with a directory, HOST.jsonl each.

    Whether an operation runs, runs and is recorded, or is only recorded and answered by its
    stand-in is shims' mode: `mode` when given (an embedded experiment hosts several sides in
    one process), else the process's (HARNESS_MODE production | record | shadow).
    """

    def __init__(self, effects_dir: Path | None = None, session: str = "",
                 side: Side = "production", mode: Mode | None = None) -> None:
        self.effects_dir = effects_dir
        self.session = session
        self.side = side
        self.mode = mode
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
            answer: Callable[[], T] = run if kind in SIMULATED_KINDS else (lambda: stand_in)
            return perform(kind, target, method, run, stand_in=answer,
                           payload=lambda: payload, recorder=recorder, mode=self.mode,
                           version=version)

        return external

    def close(self) -> None:
        """Close every shard's log."""
        for sink in self.sinks:
            sink.close()
