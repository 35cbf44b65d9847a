"""What a report says: the comparison plus the session facts a reader needs to trust it."""

from dataclasses import dataclass, field
from typing import Any

from harness.shadow.compare import Comparison
from harness.shadow.compare.aggregates import AT_REST, UNIT


def expected_label(method: str) -> str:
    """What a mismatch's expected value is: production's, or (host totals) what the side's
    own guests imply."""
    return "expected" if method in (UNIT, AT_REST) else "production"


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
    triggers: dict[str, dict[str, Any]] = field(default_factory=dict)  # the examples' messages

    @property
    def methods(self) -> list[str]:
        """Every triggering method seen, most frequent first."""
        counts = self.comparison.compared
        return sorted(counts, key=lambda m: (-counts[m], m))

    def trigger_line(self, trigger: str) -> str:
        """The triggering message in short: method, instance, arguments."""
        found = self.triggers.get(trigger)
        if found is None:
            return f"message {trigger}"
        instance = f" of instance {found['instance']}" if found.get("instance") else ""
        return f"{found.get('method', '?')}{instance} ({found.get('args', '')})"

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
            "ignored": c.ignored, "hidden": [h.to_dict() for h in c.hidden],
            "drift": [d.to_dict() for d in c.drift],
            "counters": self.counters, "observable": self.observable,
            "violations": self.violations, "reads": self.reads, "triggers": self.triggers,
        }
