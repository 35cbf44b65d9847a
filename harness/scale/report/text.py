"""The report for a terminal: per step numbers, a verdict per SLA, the cost curve."""

from harness.scale.report.model import ScaleReport
from harness.tables import format_table


def _number(value: float | None) -> str:
    return "-" if value is None else f"{round(value, 3):g}"


def render_text(report: ScaleReport) -> str:
    """Plain text, a few tables."""
    result = report.result
    lines = [f"scale job {result.scenario.name!r} on cloud {result.cloud} "
             f"(session {result.session})"]
    if result.interrupted:
        lines.append("interrupted: the ramp did not run to its end")
    headers = ["hosts", "iterations", "failed %", "build p95 s", "late beats %",
               "conductor %", "db %", "db stmt/s", "queue peak"]
    rows = []
    for step in result.steps:
        summary = report.step_summary(step)
        rows.append([step.hosts, step.iterations, f"{summary['failure_rate_pct']:g}",
                     _number(step.operation_percentile("build", 95)),
                     _number(summary["heartbeat_late_pct"]),
                     _number(summary["conductor_cpu_pct"]), _number(summary["database_cpu_pct"]),
                     _number(summary["db_statements_per_s"]),
                     _number(summary["queue_messages_peak"])])
    lines += ["", format_table(headers, rows), "", "SLAs:"]
    lines += [f"  {v.describe()}" for v in report.verdicts] or ["  (none set)"]
    if len(result.steps) > 1:
        lines += ["", "cost curve (per 1,000 hosts at each step; growth exponent k in N^k):"]
        curve_rows = [[c.label, *(_number(p) for p in c.per_thousand), _number(c.exponent),
                       "WORSE THAN LINEAR" if c.superlinear else ""] for c in report.curves]
        lines.append(format_table(["measure", *(f"@{n}" for n in report.curves[0].hosts),
                                   "k", ""], curve_rows))
    if report.bottleneck:
        lines += ["", f"note: {report.bottleneck}"]
    verdict = "PASSED" if report.passed else f"FAILED ({len(report.missed)} SLA(s) missed)"
    lines += ["", f"verdict: {verdict}"]
    return "\n".join(lines) + "\n"
