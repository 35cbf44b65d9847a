"""The terminal summary: per-method counts, top differences, noise, drift, violations."""

from harness.shadow.report.model import Report
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
        lines += [f"  {r.category:8} {r.method}: {r.effect} {r.path or ''}  in {r.count} "
                  f"({r.rate:.0%} vs noise {r.noise_rate:.0%}); e.g. production="
                  f"{_short(r.examples[0].expected)} candidate={_short(r.examples[0].actual)}"
                  for r in c.reported[:TOP]]
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
