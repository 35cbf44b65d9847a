"""A session's records on disk: each side's effects (JSONL), the triggers, the counters."""

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from harness.atomic import write_json
from harness.errors import UsageError
from harness.launchers.base import network_record
from harness.shadow.relay import Trigger

TRIGGERS = "triggers.jsonl"
COUNTERS = "counters.json"
REPLAYED = "replayed.json"  # the shadows' reads answered with production's answer
RECENT_TRIGGERS = 200_000  # replies come within seconds of their call: older ones are forgotten
FLUSH_EVERY = 0.5  # seconds: a line-buffered write per trigger cost the relay a tenth of its rate


def side_dir(root: Path, side: str) -> Path:
    """Where one side's shards write their effect logs."""
    return root / side


def logs_dir(root: Path) -> Path:
    """Where the shards' logs go, with what their launcher recorded about them."""
    return root / "logs"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every effect in one JSONL file, none if there is none; a torn last line (a crash) is
    skipped."""
    effects = []
    for line in path.read_text().splitlines() if path.is_file() else []:
        try:
            effects.append(json.loads(line))
        except ValueError:
            continue
    return effects


def read_effects(directory: Path) -> list[dict[str, Any]]:
    """Every effect in a directory's JSONL files."""
    return [effect for path in sorted(directory.glob("*.jsonl")) for effect in read_jsonl(path)]


class TriggerLog:
    """Appends the relay's triggers as JSONL; the comparator reads them back by id, the reply
    taps ask it (while the session runs) which method a recent call was."""

    def __init__(self, root: Path) -> None:
        self.path = root / TRIGGERS
        root.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")
        self._flushed = time.monotonic()
        self._methods: dict[str, str] = {}

    def append(self, trigger: Trigger) -> None:
        """Record one relayed message."""
        self._file.write(orjson.dumps(trigger.__dict__) + b"\n")  # asdict() deep-copies
        if time.monotonic() - self._flushed > FLUSH_EVERY:
            self.flush()
        self._methods[trigger.id] = trigger.method
        if len(self._methods) > RECENT_TRIGGERS:
            del self._methods[next(iter(self._methods))]

    def method_of(self, trigger_id: str) -> str | None:
        """The method of a recently relayed message, by its id (a call's `_msg_id`)."""
        return self._methods.get(trigger_id)

    def flush(self) -> None:
        """Write what is buffered (a running session's report reads the file)."""
        self._file.flush()
        self._flushed = time.monotonic()

    def close(self) -> None:
        """Flush and close."""
        self._file.close()


def read_triggers(root: Path) -> dict[str, str]:
    """Relayed message id -> method, for every trigger both shadows received."""
    path = root / TRIGGERS
    if not path.is_file():
        raise UsageError(f"{root}: no {TRIGGERS}: this session relayed nothing yet")
    found = {}
    for line in path.read_text().splitlines():
        try:
            trigger = json.loads(line)
        except ValueError:
            continue
        found[trigger["id"]] = trigger["method"]
    return found


def read_trigger_details(root: Path, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The relayed messages with these ids as the relay logged them (method, instance, args)."""
    wanted, found = set(ids), {}
    path = root / TRIGGERS
    if not wanted or not path.is_file():
        return {}
    for line in path.read_text().splitlines():
        try:
            trigger = json.loads(line)
        except ValueError:
            continue
        if trigger.get("id") in wanted:
            found[trigger["id"]] = trigger
    return found


def write_counters(root: Path, counters: dict[str, int]) -> None:
    """Save the relay's counters (atomically: status reads them while the session runs)."""
    write_json(root / COUNTERS, dict(counters), mode=0o600)


def read_counters(root: Path) -> dict[str, int]:
    """The counters last saved, or none."""
    path = root / COUNTERS
    return dict(json.loads(path.read_text())) if path.is_file() else {}


def violations(root: Path, effects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Isolation violations: those the candidate's shims recorded (blocked attempts to reach
    out), then the connections its network namespace refused."""
    refused = read_jsonl(network_record(logs_dir(root), "candidate"))
    return [e for e in [*effects, *refused] if e.get("kind") == "violation"]
