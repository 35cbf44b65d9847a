"""A mismatch: one way the candidate's observation of a trigger differs from production's."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

# stale: a side's host-wide totals at rest missed changes it made after its last report
Category = Literal["missing", "extra", "value", "type", "version", "order", "stale"]


@dataclass(frozen=True)
class Mismatch:
    """Where the sides disagree: which trigger, which effect, which field, and both values."""

    trigger: str  # caused_by: the _msg_id or _unique_id of the triggering message
    method: str  # the triggering message's method (the report groups by it)
    effect: str  # kind:target:method#occurrence of the effect that differs
    category: Category
    path: str = ""
    expected: Any = None  # production's value
    actual: Any = None  # the shadow's value

    @property
    def field(self) -> tuple[str, str, str, str]:
        """What rates and noise are counted by: trigger method, effect kind, category, path."""
        return self.method, self.effect.split("#")[0], self.category, self.path

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return asdict(self)
