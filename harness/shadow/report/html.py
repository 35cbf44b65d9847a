"""One self-contained HTML page: counts, a chart per method, side-by-side examples."""

import json
from html import escape
from typing import Any

from harness.shadow.compare import Mismatch
from harness.shadow.compare.comparison import FieldReport
from harness.shadow.report.model import Report, expected_label

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} .bad{color:#b00020} .ok{color:#137333}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:4px 8px}
th{background:#f3f3f3;text-align:left} pre{margin:0;white-space:pre-wrap;font-size:12px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px} .pair div{background:#f8f8f8;padding:6px}
tr.differs td{background:#fff4e5} tr.hit td{background:#ffd6d6;font-weight:bold}
code.trigger{background:#eef;padding:2px 4px}
"""
BAR_WIDTH = 360


def _bars(report: Report) -> str:
    """An inline SVG bar chart: triggers compared and with mismatches, per method."""
    c = report.comparison
    most = max([c.compared[m] for m in report.methods] or [1])
    rows = []
    for i, method in enumerate(report.methods):
        y = i * 26
        total = c.compared[method] / most * BAR_WIDTH
        bad = c.with_mismatch[method] / most * BAR_WIDTH
        rows.append(
            f'<text x="0" y="{y + 15}">{escape(method)}</text>'
            f'<rect x="220" y="{y + 3}" width="{total:.1f}" height="16" fill="#9ecae1"/>'
            f'<rect x="220" y="{y + 3}" width="{bad:.1f}" height="16" fill="#de2d26"/>'
            f'<text x="{225 + BAR_WIDTH}" y="{y + 15}">{c.with_mismatch[method]}'
            f" / {c.compared[method]}</text>")
    height = 26 * max(len(rows), 1)
    return (f'<svg width="{300 + BAR_WIDTH}" height="{height}" role="img" '
            f'aria-label="triggers per method">{"".join(rows)}</svg>')


def _pre(value: Any) -> str:
    return f"<pre>{escape(json.dumps(value, indent=1, sort_keys=True, default=str))}</pre>"


def _is_hit(path: str, mismatch: Mismatch) -> bool:
    """Whether a flattened path is the one the mismatch names (host totals name the field)."""
    return bool(mismatch.path) and (path == mismatch.path or path.endswith(f".{mismatch.path}"))


def _side_by_side(mismatch: Mismatch, sides: dict[str, dict[str, Any]]) -> str:
    """The effect as each side had it, path by path: differing rows marked, the named one
    highlighted; the rows every side agrees on folded away."""
    names = list(sides)
    paths = sorted({p for flat in sides.values() for p in flat})
    differing: list[str] = []
    same: list[str] = []
    for path in paths:
        values = [sides[n].get(path, "") for n in names]
        hit, differs = _is_hit(path, mismatch), len({repr(v) for v in values}) > 1
        row = (f'<tr class="{"hit" if hit else "differs" if differs else ""}">'
               f"<td>{escape(path)}</td>"
               + "".join(f"<td>{escape(str(v))}</td>" for v in values) + "</tr>")
        (differing if hit or differs else same).append(row)
    head = "<tr><th>path</th>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"
    folded = (f"<details><summary>{len(same)} fields the same on every side</summary>"
              f"<table>{head}{''.join(same)}</table></details>") if same else ""
    return f"<table>{head}{''.join(differing)}</table>{folded}"


def _example(report: Report, r: FieldReport, index: int) -> str:
    """One example: its trigger, the values named, and every side's effect side by side."""
    m = r.examples[index]
    label = expected_label(r.method)
    values = (f'<div class="pair"><div><b>{label}</b>{_pre(m.expected)}</div>'
              f"<div><b>candidate</b>{_pre(m.actual)}</div></div>")
    sides = r.evidence[index] if index < len(r.evidence) else {}
    return (f'<p>triggered by <code class="trigger">{escape(report.trigger_line(m.trigger))}'
            f"</code></p>{values}{_side_by_side(m, sides) if sides else ''}")


def _mismatches(report: Report) -> str:
    parts = []
    for r in report.comparison.reported:
        examples = "".join(_example(report, r, i) for i in range(len(r.examples)))
        parts.append(
            f"<h3>{escape(r.category)} <code>{escape(r.effect)}</code> "
            f"<code>{escape(r.path)}</code></h3><p>method {escape(r.method)}: {r.count} triggers, "
            f"{r.rate:.0%} (noise {r.noise_rate:.0%})</p>{examples}")
    return "".join(parts) or '<p class="ok">none beyond noise</p>'


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(report: Report) -> str:
    """The whole page, with no external asset."""
    c = report.comparison
    verdict = ('<p class="bad">unexplained differences found</p>' if report.failed
               else '<p class="ok">no unexplained differences</p>')
    drift = _table(["category", "kind", "target", "method", "version", "cap", "count"],
                   [[d.category, d.kind, d.target, d.method, d.version, d.cap, d.count]
                    for d in c.drift])
    noise = _table(["effect", "category", "path", "rate", "noise rate"],
                   [[n.effect, n.category, n.path, f"{n.rate:.0%}", f"{n.noise_rate:.0%}"]
                    for n in c.noise])
    hidden = _table(["rule", "method", "effect", "category", "path", "count", "e.g. production",
                     "e.g. candidate"],
                    [[h.rule, h.method, h.effect, h.category, h.path, h.count,
                      h.example.expected, h.example.actual] for h in c.hidden])
    reads = _table(["side", "read", "replayed from production", "stubbed"],
                   [[r["side"], r["read"], r["replayed"], r["stubbed"]] for r in report.reads])
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>shadow session {escape(report.session)}</title><style>{STYLE}</style></head><body>
<h1>Shadow session {escape(report.session)} of {escape(report.production_host)}</h1>
<p>{escape(report.title)}</p>{verdict}
<h2>Per method</h2>{_bars(report)}
{_table(["method", "compared", "with mismatch"],
        [[m, c.compared[m], c.with_mismatch[m]] for m in report.methods])}
<h2>Differences</h2>{_mismatches(report)}
<h2>Interface drift</h2>{drift if c.drift else '<p class="ok">none</p>'}
<h2>Isolation violations</h2>{_table(["kind", "target", "method"],
        [[v.get("kind"), v.get("target"), v.get("method")] for v in report.violations])
        if report.violations else '<p class="ok">none</p>'}
<h2>Noise subtracted</h2>{noise}<p>ignored mismatches: {c.ignored}</p>
<h2>Hidden by ignore rules</h2>{hidden if c.hidden else '<p class="ok">nothing</p>'}
<h2>Reads answered for the shadows</h2>{reads if report.reads else '<p>no reads</p>'}
<h2>Counters and coverage</h2>{_table(["counter", "value"], [[k, v] for k, v in
                                       report.counters.items()])}
{_table(["production effect", "observable"], [[k, v] for k, v in report.observable.items()])}
</body></html>
"""
