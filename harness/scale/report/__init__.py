"""Scale job reports: text, JSON, JUnit (a test case per SLA per step), CSV, HTML with plots.

`ScaleReport.of(result)`, then `write_reports(report, directory)` or a single `render_*`.
"""

from harness.scale.report.model import ScaleReport
from harness.scale.report.write import write_reports

__all__ = ["ScaleReport", "write_reports"]
