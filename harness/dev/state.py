"""What `harness dev up` started, so `dev down` stops only that."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.atomic import write_json
from harness.paths import dev_dir


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
