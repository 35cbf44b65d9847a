"""The report as JSON, for scripts."""

import json

from harness.shadow.report.model import Report


def render_json(report: Report) -> str:
    """Indented, key-sorted JSON of the whole report."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, default=str) + "\n"
