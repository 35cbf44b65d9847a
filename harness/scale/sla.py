"""SLAs judged per ramp step, named as Rally names them, plus the control plane's own."""

import statistics
from dataclasses import dataclass

from harness.scale.results import StepResult
from harness.scale.scenario import Sla


@dataclass(frozen=True)
class Verdict:
    """One SLA at one step: its limit, what was measured, and whether it held (None: the
    measure was not available, e.g. database CPU of SQLite inside the conductor)."""

    sla: str
    step: int
    hosts: int
    limit: float
    value: float | None
    passed: bool | None
    unit: str

    @property
    def name(self) -> str:
        """A test-case name: the SLA at the step's host count."""
        return f"{self.sla} @ {self.hosts} hosts"

    def describe(self) -> str:
        """One line for people."""
        state = {True: "ok", False: "MISSED", None: "not measured"}[self.passed]
        value = "-" if self.value is None else f"{self.value:g}{self.unit}"
        return f"{state}: {self.name}: {value} (max {self.limit:g}{self.unit})"


def _verdict(sla: str, step: StepResult, limit: float, value: float | None,
             unit: str) -> Verdict:
    passed = None if value is None else value <= limit
    rounded = None if value is None else round(value, 3)
    return Verdict(sla, step.index, step.hosts, limit, rounded, passed, unit)


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def judge(sla: Sla, step: StepResult) -> list[Verdict]:
    """Every SLA the scenario sets, judged on one step."""
    verdicts = []
    if sla.failure_rate is not None:
        verdicts.append(_verdict("failure_rate", step, sla.failure_rate.max,
                                 step.failure_rate() if step.iterations else None, "%"))
    iterations = step.iteration_seconds()
    if sla.max_seconds_per_iteration is not None:
        verdicts.append(_verdict("max_seconds_per_iteration", step,
                                 sla.max_seconds_per_iteration,
                                 iterations[-1] if iterations else None, "s"))
    if sla.max_avg_duration is not None:
        verdicts.append(_verdict("max_avg_duration", step, sla.max_avg_duration,
                                 _mean(iterations), "s"))
    for operation, limit in sorted(sla.max_avg_duration_per_atomic.items()):
        verdicts.append(_verdict(f"max_avg_duration_per_atomic.{operation}", step, limit,
                                 _mean(step.operation_seconds(operation)), "s"))
    for operation, limits in sorted(sla.percentiles.items()):
        for key, limit in sorted(limits.items()):
            verdicts.append(_verdict(f"percentiles.{operation}.{key}", step, limit,
                                     step.operation_percentile(operation, float(key[1:])), "s"))
    if sla.heartbeat_late is not None:
        verdicts.append(_verdict("heartbeat_late", step, sla.heartbeat_late.max,
                                 step.late_heartbeat_share(), "%"))
    for name, metric in (("conductor_cpu", "conductor_cpu"), ("database_cpu", "database_cpu")):
        limit = getattr(sla, name)
        if limit is not None:
            verdicts.append(_verdict(name, step, limit.max, step.mean(metric), "%"))
    if sla.queue_depth is not None:
        verdicts.append(_verdict("queue_depth", step, sla.queue_depth.max,
                                 step.peak("queue_messages"), ""))
    return verdicts
