"""The data the checker passes between its stages: statements, findings, reports."""

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from ddl_check.rules import Code, Severity, rule


class Phase(StrEnum):
    """The three expand/contract phases, in the order they are applied."""

    EXPAND = "expand"
    MIGRATE = "migrate"
    CONTRACT = "contract"


PHASES = (Phase.EXPAND, Phase.MIGRATE, Phase.CONTRACT)


@dataclass(frozen=True)
class ObjectException:
    """A Neutron-style documented exception: one table, column, index or constraint, and why."""

    kind: str  # table | column | index | constraint
    name: str
    reason: str
    hook: str  # expand_drop_exceptions | contract_creation_exceptions


@dataclass
class Statement:
    """One SQL statement of a migration, where it came from and the exceptions allowed on it."""

    sql: str
    phase: Phase
    file: str
    line: int
    allows: dict[str, str] = field(default_factory=dict)
    exceptions: list[ObjectException] = field(default_factory=list)


@dataclass
class Patch:
    """A set of migrations checked together: one report each."""

    name: str
    statements: list[Statement]
    notes: list[str] = field(default_factory=list)

    def phase(self, phase: Phase) -> list[Statement]:
        """The statements of one phase, in order."""
        return [s for s in self.statements if s.phase == phase]


@dataclass
class Finding:
    """One rule hit; `allowed` holds the documented reason when the migration accepts it."""

    code: Code
    message: str
    phase: str = ""
    file: str = ""
    line: int = 0
    sql: str = ""
    allowed: str | None = None

    @property
    def fails(self) -> bool:
        """Whether this finding makes the check fail."""
        return self.allowed is None and rule(self.code).severity == Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """JSON form, with the rule's explanation and hint."""
        data = asdict(self)
        r = rule(self.code)
        data.update(
            name=r.name,
            explanation=r.explanation,
            hint=r.hint,
            severity=r.severity.value,
            fails=self.fails,
        )
        return data


@dataclass
class StatementRun:
    """What executing one statement on the clone did: time, lock, rewrite, engine's reason."""

    phase: str
    file: str
    line: int
    sql: str
    seconds: float = 0.0
    lock: str = ""
    algorithm: str = ""
    reason: str = ""
    rewrite: bool | None = None
    error: str = ""
    skipped: bool = False


@dataclass
class PatchReport:
    """Everything learned about one patch."""

    patch: str
    engine: str
    snapshot: str = ""
    findings: list[Finding] = field(default_factory=list)
    runs: list[StatementRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether any finding fails the check."""
        return any(f.fails for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the whole report."""
        return {
            "patch": self.patch,
            "engine": self.engine,
            "snapshot": self.snapshot,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_dict() for f in self.findings],
            "statements": [asdict(r) for r in self.runs],
            "notes": self.notes,
        }
