"""The report's plots, drawn by matplotlib as SVG: latency over time, percentiles against N,
and the control plane's resource curves."""

import functools
import io
from collections.abc import Callable
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from harness.scale.report.model import ScaleReport

# Figures made without pyplot: no global backend or figure registry, safe in any process.
STYLE: dict[Any, Any] = {"svg.fonttype": "none", "font.size": 10, "axes.grid": True,
                         "grid.alpha": 0.3, "axes.spines.top": False,
                         "axes.spines.right": False}
PERCENTILES = (50, 95, 99)
RESOURCES = (("conductor_cpu", "conductor CPU (% core)"), ("database_cpu", "database CPU (% core)"),
             ("db_statements_per_s", "database statements/s"),
             ("queue_messages", "broker queue depth (msgs)"))


def _svg(figure: Figure) -> str:
    """The figure as an inline SVG element."""
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def styled(plot: Callable[[ScaleReport], str]) -> Callable[[ScaleReport], str]:
    """Draw a plot under the report's style."""

    @functools.wraps(plot)
    def drawn(report: ScaleReport) -> str:
        with matplotlib.rc_context(STYLE):
            return plot(report)

    return drawn


def _figure(width: float, height: float, rows: int = 1, columns: int = 1,
            **options: Any) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots(rows, columns, **options)


@styled
def latency_over_time(report: ScaleReport) -> str:
    """Each operation's latency when it ended, failures marked, ramp steps shaded."""
    figure, axes = _figure(9, 3.6)
    start = report.result.started
    for step in report.result.steps:
        axes.axvspan(step.begin, step.end, alpha=0.06, color="C0" if step.index % 2 else "C2")
        axes.text(step.begin, 1.0, f" {step.hosts} hosts", transform=axes.get_xaxis_transform(),
                  va="top", fontsize=9, color="#555")
    operations = sorted({t.operation for s in report.result.steps for t in s.book.timeline})
    for index, operation in enumerate(operations):
        done = [t for s in report.result.steps for t in s.book.timeline
                if t.operation == operation]
        good = [(t.ended - start, t.seconds) for t in done if t.ok]
        bad = [(t.ended - start, t.seconds) for t in done if not t.ok]
        if good:
            axes.scatter(*zip(*good, strict=True), s=10, color=f"C{index}", label=operation)
        if bad:
            axes.scatter(*zip(*bad, strict=True), s=28, marker="x", color=f"C{index}",
                         label=f"{operation} failed")
    axes.set_xlabel("seconds into the run")
    axes.set_ylabel("latency (s)")
    axes.set_title("Operation latency over time")
    if operations:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _svg(figure)


@styled
def percentiles_against_hosts(report: ScaleReport) -> str:
    """p50, p95 and p99 of each operation at each step's host count."""
    figure, axes = _figure(9, 3.6)
    steps = report.result.steps
    hosts = [s.hosts for s in steps]
    operations = sorted({op for s in steps for op in s.book.samples})
    styles = {50: ":", 95: "--", 99: "-"}
    for index, operation in enumerate(operations):
        for pct in PERCENTILES:
            values = [s.operation_percentile(operation, pct) for s in steps]
            points = [(n, v) for n, v in zip(hosts, values, strict=True) if v is not None]
            if points:
                axes.plot(*zip(*points, strict=True), styles[pct], marker="o",
                          color=f"C{index}", label=f"{operation} p{pct}")
    axes.set_xlabel("compute hosts (N)")
    axes.set_ylabel("latency (s)")
    axes.set_title("Latency percentiles against the number of hosts")
    axes.set_xticks(hosts)
    if operations:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, ncol=1)
    return _svg(figure)


@styled
def resource_curves(report: ScaleReport) -> str:
    """Each control-plane measure against N (step means, queue peaks), per 1,000 hosts too."""
    figure, grid = _figure(12, 3.2, 1, len(RESOURCES))
    curves = {c.measure: c for c in report.curves}
    for axes, (measure, label) in zip(grid, RESOURCES, strict=True):
        curve = curves[measure]
        points = [(n, v) for n, v in zip(curve.hosts, curve.values, strict=True) if v is not None]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", color="C3" if curve.superlinear
                      else "C0")
            if len(points) > 1:
                (n0, v0), (n1, _) = points[0], points[-1]
                axes.plot([n0, n1], [v0, v0 * n1 / n0], ":", color="#888", label="linear")
                axes.legend(frameon=False, fontsize=8)
        else:
            axes.text(0.5, 0.5, "not measured", ha="center", transform=axes.transAxes)
        title = label + (f"\nk = {curve.exponent:g}" if curve.exponent is not None else "")
        axes.set_title(title, fontsize=10, color="C3" if curve.superlinear else "black")
        axes.set_xlabel("hosts (N)")
        axes.set_ylim(bottom=0)
    return _svg(figure)


@styled
def resources_over_time(report: ScaleReport) -> str:
    """Conductor and database CPU, and the broker's queue depth, second by second."""
    figure, (cpu, queue) = _figure(9, 4.4, 2, 1, sharex=True)
    samples = report.result.samples
    for metric, label, color in (("conductor_cpu", "conductor", "C0"),
                                 ("database_cpu", "database", "C1")):
        points = [(s.t, getattr(s, metric)) for s in samples if getattr(s, metric) is not None]
        if points:
            cpu.plot(*zip(*points, strict=True), color=color, label=label)
    cpu.set_ylabel("CPU (% core)")
    cpu.legend(loc="upper left", frameon=False)
    depth = [(s.t, s.queue_messages) for s in samples if s.queue_messages is not None]
    if depth:
        queue.plot(*zip(*depth, strict=True), color="C2")
    queue.set_ylabel("queued msgs")
    queue.set_ylim(bottom=0, top=max([d for _, d in depth] + [1]) * 1.1)
    cpu.set_ylim(bottom=0)
    queue.set_xlabel("seconds into the run")
    cpu.set_title("Control plane over time")
    return _svg(figure)
