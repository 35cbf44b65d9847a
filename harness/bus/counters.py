"""Thread-safe per-kind counters a server exposes (handled, duplicate, not_json, ...)."""

import threading
from collections import Counter


class Counters:
    """Counts by kind; `snapshot()` is a plain dict safe to read while serving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def bump(self, kind: str, by: int = 1) -> None:
        """Add `by` to one kind's count."""
        with self._lock:
            self._counts[kind] += by

    def snapshot(self) -> dict[str, int]:
        """Every kind's count now."""
        with self._lock:
            return dict(self._counts)

    def __getitem__(self, kind: str) -> int:
        with self._lock:
            return self._counts[kind]
