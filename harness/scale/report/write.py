"""Every report format into one directory, the files a CI job keeps."""

from pathlib import Path

from harness.atomic import write_text
from harness.scale.report.csv_report import render_operations_csv, render_samples_csv
from harness.scale.report.html import render_html
from harness.scale.report.json_report import render_json
from harness.scale.report.junit import render_junit
from harness.scale.report.model import ScaleReport
from harness.scale.report.text import render_text

FILES = {
    "report.txt": render_text,
    "report.json": render_json,
    "junit.xml": render_junit,
    "samples.csv": render_samples_csv,
    "operations.csv": render_operations_csv,
    "report.html": render_html,
}


def write_reports(report: ScaleReport, directory: Path) -> dict[str, Path]:
    """Write each format; returns the paths by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, render in FILES.items():
        path = directory / name
        write_text(path, render(report), mode=0o644)
        written[name] = path
    return written
