"""Every report format renders a run: JUnit with a case per SLA per step, CSV of the samples,
and an HTML page with matplotlib's SVG plots."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.scale.report import ScaleReport, write_reports
from harness.scale.report.junit import render_junit
from harness.scale.report.text import render_text
from tests.unit.scale.steps import healthy_then_strained


def test_all_formats_from_one_run(tmp_path: Path) -> None:
    report = ScaleReport.of(healthy_then_strained())
    written = write_reports(report, tmp_path / "out")
    assert sorted(written) == ["junit.xml", "operations.csv", "report.html", "report.json",
                               "report.txt", "samples.csv"]

    suite = ET.parse(written["junit.xml"]).getroot()
    cases = suite.findall("testcase")
    assert len(cases) == len(report.verdicts) == 2 * 9
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert suite.get("failures") == str(len(failed)) == "8"
    assert "percentiles.build.p95 @ 1000 hosts" in failed

    data = json.loads(written["report.json"].read_text())
    assert data["passed"] is False and [s["hosts"] for s in data["steps"]] == [100, 1000]
    assert data["bottleneck"].startswith("the database is the bottleneck")

    rows = list(csv.DictReader(io.StringIO(written["samples.csv"].read_text())))
    assert len(rows) == 4 and rows[0]["conductor_cpu"] == "5.0"

    text = written["report.txt"].read_text()
    assert "WORSE THAN LINEAR" in text and "verdict: FAILED (8 SLA(s) missed)" in text

    page = written["report.html"].read_text()
    assert page.count("<svg") == 4 and "FAILED: 8 SLA(s) missed" in page
    assert "matplotlib" in page  # drawn by the library, not by hand


def test_a_run_within_its_slas_passes() -> None:
    result = healthy_then_strained()
    result.steps = result.steps[:1]
    result.scenario = result.scenario.model_copy(update={"ramp": [100]})
    assert ScaleReport.of(result).passed


def test_a_run_stopped_before_its_first_step_ends_reports_and_fails(tmp_path: Path) -> None:
    result = healthy_then_strained()
    result.steps, result.interrupted = [], True
    report = ScaleReport.of(result)
    assert "FAILED" in write_reports(report, tmp_path)["report.html"].read_text()
    assert not report.passed and report.bottleneck is None
    assert "interrupted" in render_text(report)
    assert 'name="ramp completed"' in render_junit(report)
