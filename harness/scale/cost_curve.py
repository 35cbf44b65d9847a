"""The cost curve of a ramp: how each control-plane measure grows with the number of hosts,
per 1,000 hosts, with growth worse than linear flagged (and the database named when it is the
part that grows fastest, as OpenStack Heat's convergence work found it to be)."""

import math
from dataclasses import dataclass

from harness.scale.results import StepResult

# measure: (label, unit, reading of a step, a level under which growth is noise)
MEASURES: dict[str, tuple[str, str, str, float]] = {
    "conductor_cpu": ("conductor CPU", "% core", "mean", 2.0),
    "database_cpu": ("database CPU", "% core", "mean", 2.0),
    "db_statements_per_s": ("database statements/s", "/s", "mean", 5.0),
    "queue_messages": ("broker queue depth", "msgs", "peak", 10.0),
    "connections": ("broker connections", "", "mean", 2.0),
}
SUPERLINEAR = 1.25  # a growth exponent above this is worse than linear (noise allowed for)


@dataclass(frozen=True)
class Curve:
    """One measure across the ramp: its value and value per 1,000 hosts at each step, the
    exponent of its growth (value ~ N^k between first and last step) and whether k > linear."""

    measure: str
    label: str
    unit: str
    hosts: list[int]
    values: list[float | None]
    per_thousand: list[float | None]
    exponent: float | None
    superlinear: bool


def _exponent(hosts: list[int], values: list[float | None], floor: float) -> float | None:
    """k in value ~ N^k from the first to the last measured step above the noise floor."""
    points = [(n, v) for n, v in zip(hosts, values, strict=True) if v is not None and v > 0]
    if len(points) < 2 or points[-1][0] == points[0][0] or points[-1][1] < floor:
        return None
    (n0, v0), (n1, v1) = points[0], points[-1]
    return round(math.log(v1 / v0) / math.log(n1 / n0), 2)


def cost_curves(steps: list[StepResult]) -> list[Curve]:
    """Every measure's curve over the ramp's steps."""
    curves = []
    hosts = [s.hosts for s in steps]
    for measure, (label, unit, reading, floor) in MEASURES.items():
        values = [getattr(s, reading)(measure) for s in steps]
        per_thousand = [None if v is None else round(v * 1000 / n, 2)
                        for v, n in zip(values, hosts, strict=True)]
        exponent = _exponent(hosts, values, floor)
        curves.append(Curve(measure, label, unit, hosts, values, per_thousand, exponent,
                             exponent is not None and exponent > SUPERLINEAR))
    return curves


def bottleneck(curves: list[Curve]) -> str | None:
    """A sentence naming the database when its load grows worse than linearly or outgrows the
    conductor's; None when nothing says so."""
    by_name = {c.measure: c for c in curves}
    database, conductor = by_name["database_cpu"], by_name["conductor_cpu"]
    statements = by_name["db_statements_per_s"]
    if database.superlinear or statements.superlinear:
        grown = database if database.superlinear else statements
        return (f"the database is the bottleneck: its {grown.label} grows as N^{grown.exponent}"
                ", worse than linear in the number of hosts")
    if not database.values:  # no step finished
        return None
    last_db, last_conductor = database.values[-1], conductor.values[-1]
    if last_db is not None and last_conductor is not None and last_db > last_conductor > 0:
        return (f"the database is the busiest part of the control plane: {last_db:g}% of a core "
                f"against the conductor's {last_conductor:g}% at {database.hosts[-1]} hosts")
    return None
