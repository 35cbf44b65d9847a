"""One self-contained HTML page: the verdicts, the step table, the cost curve and the plots."""

from html import escape

from harness.scale.report import plots
from harness.scale.report.model import ScaleReport

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.6em}
.verdict{display:inline-block;padding:.3em .8em;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#137333} .fail{background:#b00020} .muted{color:#666}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:4px 10px}
th{background:#f3f3f3;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.missed td{background:#fde7e9} .note{background:#fff4ce;padding:.6em 1em;border-radius:4px}
figure{margin:1em 0} svg{max-width:100%;height:auto}
"""


def _cell(value: object) -> str:
    text = "-" if value is None else (f"{round(value, 3):g}" if isinstance(value, float)
                                      else str(value))
    return f'<td class="num">{escape(text)}</td>'


def _steps_table(report: ScaleReport) -> str:
    rows = []
    for step in report.result.steps:
        summary = report.step_summary(step)
        rows.append("<tr>" + "".join(_cell(v) for v in (
            step.hosts, step.iterations, summary["failure_rate_pct"],
            step.operation_percentile("build", 95), summary["heartbeat_late_pct"],
            summary["conductor_cpu_pct"], summary["database_cpu_pct"],
            summary["db_statements_per_s"], summary["queue_messages_peak"],
            summary["connections"])) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in (
        "hosts", "iterations", "failed %", "build p95 (s)", "late heartbeats %",
        "conductor CPU %", "database CPU %", "db statements/s", "queue peak", "connections"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _sla_table(report: ScaleReport) -> str:
    if not report.verdicts:
        return '<p class="muted">The scenario sets no SLA.</p>'
    rows = []
    for v in report.verdicts:
        state = {True: "ok", False: "MISSED", None: "not measured"}[v.passed]
        value = "-" if v.value is None else f"{v.value:g}{v.unit}"
        rows.append(f'<tr class="{"missed" if v.passed is False else ""}"><td>{escape(v.sla)}'
                    f'</td><td class="num">{v.hosts}</td><td class="num">{escape(value)}</td>'
                    f'<td class="num">{v.limit:g}{escape(v.unit)}</td><td>{state}</td></tr>')
    return ("<table><tr><th>SLA</th><th>hosts</th><th>measured</th><th>max</th><th>verdict"
            f"</th></tr>{''.join(rows)}</table>")


def _curve_table(report: ScaleReport) -> str:
    hosts = report.curves[0].hosts if report.curves else []
    head = "".join(f"<th>per 1,000 @ {n}</th>" for n in hosts)
    rows = []
    for c in report.curves:
        flag = '<b style="color:#b00020">worse than linear</b>' if c.superlinear else ""
        cells = "".join(_cell(p) for p in c.per_thousand)
        rows.append(f"<tr><td>{escape(c.label)}</td>{cells}{_cell(c.exponent)}<td>{flag}</td>"
                    "</tr>")
    return (f"<table><tr><th>measure</th>{head}<th>k (grows as N<sup>k</sup>)</th><th></th>"
            f"</tr>{''.join(rows)}</table>")


def render_html(report: ScaleReport) -> str:
    """The page."""
    result = report.result
    verdict = ('<span class="verdict pass">PASSED</span>' if report.passed else
               f'<span class="verdict fail">FAILED: {len(report.missed)} SLA(s) missed'
               f'{", ramp incomplete" if len(result.steps) < len(result.scenario.ramp) else ""}'
               "</span>")
    note = f'<p class="note">{escape(report.bottleneck)}</p>' if report.bottleneck else ""
    sections = [
        f"<h1>Scale job {escape(result.scenario.name)}</h1>",
        f'<p class="muted">cloud {escape(result.cloud)} · session {escape(result.session)} · '
        f"ramp {', '.join(str(n) for n in result.scenario.ramp)} hosts · "
        f"{result.scenario.duration:g} s a step</p>",
        f"<p>{verdict}</p>", note,
        "<h2>SLAs, per step</h2>", _sla_table(report),
        "<h2>Steps</h2>", _steps_table(report),
        "<h2>Latency</h2>", f"<figure>{plots.latency_over_time(report)}</figure>",
        f"<figure>{plots.percentiles_against_hosts(report)}</figure>",
        "<h2>Cost curve</h2>", _curve_table(report),
        f"<figure>{plots.resource_curves(report)}</figure>",
        f"<figure>{plots.resources_over_time(report)}</figure>",
        '<p class="muted">Database CPU and statements/s are server-wide: other clients of a '
        "shared server count too.</p>",
    ]
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Scale job "
            f"{escape(result.scenario.name)}</title><style>{STYLE}</style></head><body>"
            f"{''.join(sections)}</body></html>\n")
