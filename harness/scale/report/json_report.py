"""The report as JSON, for scripts."""

import json
from dataclasses import asdict

from harness.scale.report.model import ScaleReport


def render_json(report: ScaleReport) -> str:
    """Scenario, steps, verdicts, cost curve, bottleneck and the overall verdict."""
    result = report.result
    data = {
        "scenario": result.scenario.model_dump(), "cloud": result.cloud,
        "session": result.session, "interrupted": result.interrupted, "passed": report.passed,
        "steps": [report.step_summary(step) for step in result.steps],
        "slas": [{**asdict(v), "name": v.name} for v in report.verdicts],
        "cost_curve": [asdict(c) for c in report.curves], "bottleneck": report.bottleneck,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
