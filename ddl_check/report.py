"""Render patch reports for people (text), scripts (JSON) and CI (JUnit XML)."""

import json
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from tabulate import tabulate

from ddl_check.model import PatchReport
from ddl_check.rules import rule


def _where(file: str, line: int) -> str:
    """file:line or nothing."""
    return f"{file}:{line}" if file else ""


def render_text(reports: Sequence[PatchReport]) -> str:
    """A findings table and a statements table per patch."""
    out: list[str] = []
    for r in reports:
        verdict = "FAIL" if r.failed else "ok"
        out.append(f"== {r.patch} [{r.engine}] {verdict} ({r.seconds:.2f}s) snapshot {r.snapshot}")
        if r.findings:
            rows = [
                (
                    f.code,
                    "fail" if f.fails else ("allowed" if f.allowed else "warn"),
                    f.phase,
                    _where(f.file, f.line),
                    f.message + (f"  [allowed: {f.allowed}]" if f.allowed else ""),
                )
                for f in r.findings
            ]
            out.append(_table(["code", "status", "phase", "where", "finding"], rows))
            codes = sorted({f.code for f in r.findings})
            out.append(
                "\n".join(
                    f"  {c} {rule(c).name}: {rule(c).explanation}. Fix: {rule(c).hint}"
                    for c in codes
                )
            )
        else:
            out.append("no findings")
        if r.runs:
            steps = [
                (
                    s.phase,
                    _where(s.file, s.line),
                    f"{s.seconds * 1000:.1f}ms",
                    s.algorithm or "-",
                    s.lock or "-",
                    {True: "yes", False: "no", None: "?"}[s.rewrite],
                    (s.error or s.reason)[:90],
                )
                for s in r.runs
            ]
            out.append(
                _table(
                    ["phase", "statement", "time", "algorithm", "lock", "rewrite", "engine"], steps
                )
            )
        out.extend(f"note: {n}" for n in r.notes)
        out.append("")
    return "\n".join(out)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table with a header line, every cell left-aligned as written."""
    return str(tabulate(rows, headers, tablefmt="simple", disable_numparse=True))


def render_json(reports: Sequence[PatchReport]) -> str:
    """All reports as one JSON document."""
    return json.dumps(
        {"patches": [r.to_dict() for r in reports], "failed": any(r.failed for r in reports)},
        indent=2,
        default=str,
    )


def render_junit(reports: Sequence[PatchReport]) -> str:
    """One testsuite per patch, one testcase per statement plus one for patch-level checks."""
    suites = ET.Element("testsuites", name="ddl-check")
    for r in reports:
        suite = ET.SubElement(suites, "testsuite", name=r.patch, time=f"{r.seconds:.3f}")
        cases: dict[str, list] = {}
        for s in r.runs:
            cases.setdefault(_where(s.file, s.line) or "statement", [])
        for f in r.findings:
            cases.setdefault(_where(f.file, f.line) or "patch", []).append(f)
        cases.setdefault("patch", [])
        failures = 0
        for name, findings in cases.items():
            case = ET.SubElement(suite, "testcase", classname=f"ddl.{r.patch}", name=name)
            for f in findings:
                if f.fails:
                    failures += 1
                    node = ET.SubElement(case, "failure", type=f.code, message=f.message)
                    node.text = f"{rule(f.code).explanation}\nfix: {rule(f.code).hint}\n{f.sql}"
            allowed = [f"{f.code} allowed: {f.allowed}" for f in findings if f.allowed]
            if allowed:
                ET.SubElement(case, "system-out").text = "\n".join(allowed)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
