"""What a report says: the comparison plus the session facts a reader needs to trust it."""

from dataclasses import dataclass, field
from typing import Any

from harness.shadow.compare import Comparison


@dataclass
class Report:
    """A session's published result."""

    session: str
    production_host: str
    comparison: Comparison
    counters: dict[str, int] = field(default_factory=dict)  # mirrored, relayed, dropped, ...
    observable: dict[str, bool] = field(default_factory=dict)  # which production effects we saw
    violations: list[dict[str, Any]] = field(default_factory=list)  # blocked escapes
    title: str = ""
    reads: list[dict[str, Any]] = field(default_factory=list)  # side, read, replayed, stubbed

    @property
    def methods(self) -> list[str]:
        """Every triggering method seen, most frequent first."""
        counts = self.comparison.compared
        return sorted(counts, key=lambda m: (-counts[m], m))

    @property
    def failed(self) -> bool:
        """Unexplained differences, drift or isolation violations: the exit status says 1."""
        return self.comparison.unexplained or bool(self.violations)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (values shown are payload fields, never credentials)."""
        c = self.comparison
        return {
            "session": self.session, "production_host": self.production_host,
            "title": self.title, "unexplained": self.failed,
            "methods": {m: {"compared": c.compared[m], "with_mismatch": c.with_mismatch[m]}
                        for m in self.methods},
            "mismatches": [r.to_dict() for r in c.reported],
            "noise": [r.to_dict() for r in c.noise],
            "ignored": c.ignored,
            "drift": [d.to_dict() for d in c.drift],
            "counters": self.counters, "observable": self.observable,
            "violations": self.violations, "reads": self.reads,
        }
