"""A finished scale job, judged: the verdict per SLA per step, the cost curve, the bottleneck."""

from dataclasses import dataclass
from typing import Any

from harness.scale.cost_curve import Curve, bottleneck, cost_curves
from harness.scale.results import StepResult
from harness.scale.run import RunResult
from harness.scale.sla import Verdict, judge


@dataclass(frozen=True)
class ScaleReport:
    """What every report format renders."""

    result: RunResult
    verdicts: list[Verdict]
    curves: list[Curve]
    bottleneck: str | None

    @classmethod
    def of(cls, result: RunResult) -> "ScaleReport":
        """Judge a run's steps and draw its cost curve."""
        verdicts = [v for step in result.steps for v in judge(result.scenario.sla, step)]
        curves = cost_curves(result.steps)
        return cls(result, verdicts, curves, bottleneck(curves))

    @property
    def missed(self) -> list[Verdict]:
        """The SLAs that did not hold."""
        return [v for v in self.verdicts if v.passed is False]

    @property
    def passed(self) -> bool:
        """Every SLA held at every step, and the ramp ran to its end."""
        complete = len(self.result.steps) == len(self.result.scenario.ramp)
        return not self.missed and complete and not self.result.interrupted

    def step_summary(self, step: StepResult) -> dict[str, Any]:
        """A step's headline numbers."""
        return {
            "step": step.index, "hosts": step.hosts, "begin_s": step.begin, "end_s": step.end,
            "iterations": step.iterations, "failure_rate_pct": round(step.failure_rate(), 2),
            "operations": step.book.summary(),
            "heartbeat_late_pct": step.late_heartbeat_share(),
            "conductor_cpu_pct": step.mean("conductor_cpu"),
            "database_cpu_pct": step.mean("database_cpu"),
            "db_statements_per_s": step.mean("db_statements_per_s"),
            "queue_messages_peak": step.peak("queue_messages"),
            "connections": step.mean("connections"),
            "first_failures": {op: reasons[:3] for op, reasons in step.book.failures.items()},
        }
