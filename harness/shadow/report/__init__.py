"""Publish a comparison: terminal text, JSON, JUnit XML for CI, one self-contained HTML page."""

from collections.abc import Callable

from harness.shadow.report.html import render_html
from harness.shadow.report.json_report import render_json
from harness.shadow.report.junit import render_junit
from harness.shadow.report.model import Report
from harness.shadow.report.text import render_text

RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text, "json": render_json, "junit": render_junit, "html": render_html,
}

__all__ = ["RENDERERS", "Report"]
