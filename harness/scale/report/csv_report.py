"""The samples as CSV: one row a second, every measure a column; and the operations."""

import csv
import io
from dataclasses import fields

from harness.scale.report.model import ScaleReport
from harness.scale.sampler import Sample


def render_samples_csv(report: ScaleReport) -> str:
    """The control plane and broker samples."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = [f.name for f in fields(Sample)]
    writer.writerow(names)
    for sample in report.result.samples:
        writer.writerow(["" if v is None else v for v in sample.as_dict().values()])
    return out.getvalue()


def render_operations_csv(report: ScaleReport) -> str:
    """Every operation and iteration: step, hosts, when it ended, what, seconds, ok."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "hosts", "ended", "operation", "seconds", "ok"])
    for step in report.result.steps:
        for timed in [*step.book.timeline, *step.book.iterations]:
            writer.writerow([step.index, step.hosts, round(timed.ended, 3), timed.operation,
                             round(timed.seconds, 4), int(timed.ok)])
    return out.getvalue()
