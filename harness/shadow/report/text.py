"""The terminal summary: per-method counts, top differences, noise, drift, violations."""

from harness.shadow.report.model import Report, expected_label
from harness.tables import format_table

TOP = 10
EXAMPLE_WIDTH = 60


def _short(value: object) -> str:
    """A value's repr cut to fit one terminal line (the JSON and HTML reports keep it whole)."""
    text = repr(value)
    return text if len(text) <= EXAMPLE_WIDTH else text[:EXAMPLE_WIDTH - 3] + "..."


def render_text(report: Report) -> str:
    """A summary a person reads in a terminal."""
    c = report.comparison
    verdict = "UNEXPLAINED DIFFERENCES" if report.failed else "no unexplained differences"
    lines = [f"shadow session {report.session} of {report.production_host}: {verdict}"]
    if report.title:
        lines.append(report.title)
    lines += ["", format_table(["method", "compared", "with mismatch"],
                               [[m, c.compared[m], c.with_mismatch[m]] for m in report.methods])]
    if c.reported:
        lines += ["", "differences (beyond noise):"]
        for r in c.reported[:TOP]:
            example = r.examples[0]
            lines += [f"  {r.category:8} {r.method}: {r.effect} {r.path or ''}  in {r.count} "
                      f"({r.rate:.0%} vs noise {r.noise_rate:.0%}); e.g. "
                      f"{expected_label(r.method)}={_short(example.expected)} "
                      f"candidate={_short(example.actual)}",
                      f"           triggered by {report.trigger_line(example.trigger)}"]
        if len(c.reported) > TOP:
            lines.append(f"  ... and {len(c.reported) - TOP} more (see the JSON or HTML report)")
    if c.drift:
        lines += ["", "interface drift:"]
        lines += [f"  {d.category}: {d.kind} {d.target}.{d.method}"
                  + (f" version {d.version} refused under cap {d.cap}" if d.cap else "")
                  + f" x{d.count}"
                  for d in c.drift]
    if report.violations:
        lines += ["", "isolation violations (blocked):"]
        lines += [f"  {v.get('method', '?')} {v.get('target', '')}" for v in report.violations]
    lines += ["", f"noise fields subtracted: {len(c.noise)}; ignored mismatches: {c.ignored}"]
    lines += [f"  hidden by {h.rule}: {h.method}: {h.effect} {h.path} x{h.count}"
              for h in c.hidden[:TOP]]
    lines += [f"{row['side']} reads of {row['read']}: {row['replayed']} replayed from "
              f"production, {row['stubbed']} stubbed" for row in report.reads]
    if report.counters:
        lines.append("counters: " + ", ".join(f"{k}={v}" for k, v in report.counters.items()))
    if shed_ms := report.counters.get("shed_ms"):
        lines.append(f"not mirrored: production's messages in the {shed_ms / 1000:.1f} s the "
                     f"mirror was shed while the host was busy (--shed)")
    if report.observable:
        seen = [k for k, v in report.observable.items() if v]
        unseen = [k for k, v in report.observable.items() if not v]
        lines.append(f"production effects observable: {', '.join(seen) or 'none'}"
                     + (f"; not observable: {', '.join(unseen)}" if unseen else ""))
    return "\n".join(lines) + "\n"
