"""Publish an experiment: compare the recorded sides and build the report, as Scientist does."""

from collections.abc import Mapping
from pathlib import Path

from harness.shadow.answers import read_answers
from harness.shadow.compare import IgnoreRules, compare
from harness.shadow.compare.comparison import Thresholds
from harness.shadow.records import (
    read_counters,
    read_effects,
    read_trigger_details,
    read_triggers,
    side_dir,
    violations,
)
from harness.shadow.report import Report

# Kinds of production's effects a session may see: by taps, shims in record mode, the firehose.
OBSERVABLE_KINDS = ("rpc_call", "rpc_cast", "rpc_reply", "notification", "http", "hypervisor")


def publish(root: Path, session: str, host: str, *, caps: Mapping[str, str],
            ignore: IgnoreRules | None = None, structural: bool = False,
            thresholds: Thresholds | None = None, title: str = "") -> Report:
    """Read a session's records and compare candidate with production, control as noise."""
    production = read_effects(side_dir(root, "production"))
    candidate = read_effects(side_dir(root, "candidate"))
    control_dir = side_dir(root, "control")
    control = read_effects(control_dir) if control_dir.is_dir() else None
    seen = {e.get("kind") for e in production}
    observable = {kind: kind in seen for kind in OBSERVABLE_KINDS}
    comparable = {k for k, v in observable.items() if v}

    def keep(effects: list[dict[str, object]]) -> list[dict[str, object]]:
        return [e for e in effects if e.get("kind") in comparable]

    comparison = compare(keep(production), keep(candidate),
                         keep(control) if control is not None else None,
                         triggers=read_triggers(root), ignore=ignore, structural=structural,
                         thresholds=thresholds, caps=caps)
    shadows = {"candidate": candidate, **({"control": control} if control is not None else {})}
    return Report(session, host, comparison, counters=read_counters(root),
                  observable=observable, violations=violations(root, candidate), title=title,
                  reads=read_answers(root, shadows), triggers=read_trigger_details(
                      root, (m.trigger for r in comparison.reported for m in r.examples)))
