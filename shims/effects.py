"""Effect records: one external operation a shard performed (real) or would have performed."""

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

Side = Literal["production", "candidate", "control"]


@dataclass(frozen=True)
class Effect:
    """Exactly the fields of DESIGN.md's effect record."""

    session: str
    shard: str
    side: Side
    real: bool
    seq: int
    ts: float
    request_id: str | None
    caused_by: str | None
    kind: str
    target: str
    method: str | None
    version: str | None
    payload: Any

    def to_json(self) -> str:
        """One JSON line (values JSON cannot hold are written as their str())."""
        return json.dumps(asdict(self), default=str, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> "Effect":
        """Read back a line `to_json` wrote."""
        return cls(**json.loads(line))
