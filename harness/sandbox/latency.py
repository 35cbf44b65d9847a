"""Latency samples per operation and their percentiles, for people (a table) and scripts (JSON)."""

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = (50, 90, 99)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Timed:
    """One finished operation (or whole iteration): when it ended (epoch seconds), how long it
    took, and whether it worked."""

    ended: float
    operation: str
    seconds: float
    ok: bool


@dataclass
class LatencyBook:
    """Seconds each operation took, and how many failed and why; safe to add to from threads.
    `timeline` keeps every operation in the order they ended, `iterations` whole lifecycles."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    timeline: list[Timed] = field(default_factory=list)
    iterations: list[Timed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, operation: str, seconds: float) -> None:
        """Record one successful operation's latency."""
        with self._lock:
            self.samples.setdefault(operation, []).append(seconds)
            self.timeline.append(Timed(time.time(), operation, seconds, True))

    def fail(self, operation: str, reason: str, seconds: float = 0.0) -> None:
        """Record one failed operation."""
        with self._lock:
            self.failures.setdefault(operation, []).append(reason)
            self.timeline.append(Timed(time.time(), operation, seconds, False))

    def iteration(self, seconds: float, ok: bool) -> None:
        """Record one whole lifecycle (Rally's iteration)."""
        with self._lock:
            self.iterations.append(Timed(time.time(), "iteration", seconds, ok))

    def failure_count(self) -> int:
        """Failed operations of every kind."""
        return sum(len(v) for v in self.failures.values())

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per operation: count, failures, and p50/p90/p99/max in milliseconds."""
        result: dict[str, dict[str, Any]] = {}
        for operation in sorted(set(self.samples) | set(self.failures)):
            values = sorted(self.samples.get(operation, []))
            row: dict[str, Any] = {"count": len(values),
                                   "failed": len(self.failures.get(operation, []))}
            for pct in PERCENTILES:
                row[f"p{pct}_ms"] = round(percentile(values, pct) * 1000, 1)
            row["max_ms"] = round(values[-1] * 1000, 1) if values else 0.0
            result[operation] = row
        return result

    def table_rows(self) -> list[list[Any]]:
        """summary() as rows under table_headers()."""
        return [[op, *row.values()] for op, row in self.summary().items()]

    @staticmethod
    def table_headers() -> list[str]:
        """Column names of table_rows()."""
        return ["operation", "count", "failed", *(f"p{p} ms" for p in PERCENTILES), "max ms"]
