"""What `harness dev up` started, so `dev down` stops only that."""

import fcntl
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.atomic import write_json
from harness.paths import dev_dir


@contextmanager
def exclusive(waiting: Callable[[], None]) -> Iterator[None]:
    """One `dev up` or `dev down` at a time: two would both start the same service and each
    overwrite the other's record of it. `waiting` is called once if another one holds it."""
    with open(dev_dir() / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@dataclass
class DevState:
    """Per-service notes of what dev up started (pids, plugins), persisted as JSON."""

    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def path() -> Path:
        """The state file."""
        return dev_dir() / "state.json"

    @classmethod
    def load(cls) -> "DevState":
        """Read the state file, or an empty state when there is none."""
        try:
            return cls(started=json.loads(cls.path().read_text()).get("started", {}))
        except FileNotFoundError:
            return cls()

    def save(self) -> None:
        """Write the state file atomically."""
        write_json(self.path(), {"started": self.started})
