"""Compare a candidate with production, subtracting the noise a control shadow shows (Diffy)."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.shadow.compare.aggregates import (
    TotalsCheck,
    check_at_rest_against,
    check_totals,
    contributions,
    guests_observable,
    reports_totals,
)
from harness.shadow.compare.drift import Drift, find_drift
from harness.shadow.compare.evidence import evidence
from harness.shadow.compare.fields import diff_observations
from harness.shadow.compare.ignore import IgnoreRules
from harness.shadow.compare.mismatch import Mismatch
from harness.shadow.compare.nova_objects import is_usage_path, object_view
from harness.shadow.compare.observation import PERIODIC, Effect, observe, periodic_pair

Field = tuple[str, str, str, str]
EXAMPLES_PER_FIELD = 3


@dataclass(frozen=True)
class Thresholds:
    """How far a candidate's difference rate must exceed noise to be reported (Diffy's rule)."""

    relative: float = 0.2  # (candidate rate - noise rate) / noise rate
    absolute: float = 0.03  # candidate rate - noise rate

    standard_errors: float = 2.0  # with n samples, noise itself wanders by sqrt(p(1-p)/n)

    def exceeds(self, rate: float, noise: float, samples: int = 0) -> bool:
        """True when the candidate's rate stands out from noise by both margins, and (given
        the sample count) by more than the noise rate's own sampling error."""
        lift = rate - noise
        margin = self.absolute
        if samples and 0 < noise < 1:
            margin = max(margin, self.standard_errors * math.sqrt(noise * (1 - noise) / samples))
        return lift >= margin and (noise == 0 or lift / noise >= self.relative)


@dataclass
class FieldReport:
    """One field that differs: how often for the candidate and for the control."""

    effect: str
    category: str
    path: str
    method: str
    count: int
    rate: float
    noise_rate: float
    examples: list[Mismatch]
    evidence: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # per example

    @property
    def field(self) -> Field:
        """The (method, effect, category, path) this report counts."""
        return self.method, self.effect, self.category, self.path

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {**{k: v for k, v in vars(self).items() if k != "examples"},
                "examples": [m.to_dict() for m in self.examples]}


@dataclass
class Hidden:
    """What one ignore rule hid of one field: how often, and one example."""

    rule: str
    method: str
    effect: str
    category: str
    path: str
    count: int
    example: Mismatch

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {**{k: v for k, v in vars(self).items() if k != "example"},
                "example": self.example.to_dict()}


@dataclass
class Comparison:
    """The published result of one experiment: what differs, what was noise, what drifted."""

    compared: Counter[str] = field(default_factory=Counter)  # triggers per method
    with_mismatch: Counter[str] = field(default_factory=Counter)
    reported: list[FieldReport] = field(default_factory=list)
    noise: list[FieldReport] = field(default_factory=list)
    ignored: int = 0
    hidden: list[Hidden] = field(default_factory=list)  # what the ignore rules hid, per field
    drift: list[Drift] = field(default_factory=list)

    @property
    def unexplained(self) -> bool:
        """True when something differs beyond noise and ignores, or the interface drifted."""
        return bool(self.reported or self.drift)


def _diffs(
    triggers: Mapping[str, str], production: dict[str, list[Effect]],
    shadow: dict[str, list[Effect]], structural: bool,
) -> list[Mismatch]:
    """Per trigger, every difference but those in host-wide totals (checked on their own)."""
    found: list[Mismatch] = []
    for trigger, method in triggers.items():
        want, got = production.get(trigger, []), shadow.get(trigger, [])
        if trigger == PERIODIC:
            want, got = periodic_pair(want, got)
        found += diff_observations(trigger, method, want, got, structural)
    return [m for m in found if not is_usage_path(m.path)]


def _totals_check(worth: Mapping[str, dict[str, int]], production: list[Effect],
                  shadow: list[Effect]) -> TotalsCheck:
    """A shadow's host totals checked against its own guests where those are observable, else
    against production's at rest; nothing when it reported no totals."""
    if not reports_totals(shadow):
        return TotalsCheck()
    if guests_observable(shadow):
        return check_totals(worth, shadow)
    return check_at_rest_against(production, shadow)


def _shadow_mismatches(
    triggers: Mapping[str, str], worth: Mapping[str, dict[str, int]],
    production: list[Effect], prod: dict[str, list[Effect]], shadow: list[Effect],
    observed: dict[str, list[Effect]], structural: bool,
) -> tuple[list[Mismatch], TotalsCheck]:
    """A shadow's per-trigger mismatches plus its totals' own, and the reports checked."""
    totals = _totals_check(worth, production, shadow)
    return _diffs(triggers, prod, observed, structural) + totals.mismatches, totals


def _observe(effects: Iterable[Effect]) -> dict[str, list[Effect]]:
    """A side's effects per trigger, conductor object calls as the fields they change."""
    return observe(object_view(e) for e in effects)


def _rates(mismatches: Iterable[Mismatch], compared: Counter[str]) -> dict[Field, float]:
    """Per field, the share of its method's triggers showing the mismatch."""
    triggers: dict[Field, set[str]] = defaultdict(set)
    for m in mismatches:
        triggers[m.field].add(m.trigger)
    return {f: len(t) / max(compared[f[0]], 1) for f, t in triggers.items()}


def _hidden(raw: Iterable[Mismatch], rules: IgnoreRules) -> tuple[list[Mismatch], list[Hidden]]:
    """The mismatches no rule hides, and per rule and field what was hidden."""
    kept: list[Mismatch] = []
    hidden: dict[tuple[str, Field], Hidden] = {}
    for m in raw:
        rule = rules.rule_for(m)
        if rule is None:
            kept.append(m)
            continue
        method, effect, category, path = m.field
        entry = hidden.setdefault((rule, m.field),
                                  Hidden(rule, method, effect, category, path, 0, m))
        entry.count += 1
    return kept, sorted(hidden.values(), key=lambda h: (-h.count, h.rule, h.path))


def compare(
    production: Iterable[Effect],
    candidate: Iterable[Effect],
    control: Iterable[Effect] | None = None,
    triggers: Mapping[str, str] | None = None,
    ignore: IgnoreRules | None = None,
    structural: bool = False,
    thresholds: Thresholds | None = None,
    caps: Mapping[str, str] | None = None,
) -> Comparison:
    """Mismatches of candidate against production, minus ignores and the control's noise.

    `triggers` maps each mirrored message id (caused_by) to its method: the messages both
    shadows received. Without it, every trigger production reacted to is compared.
    """
    production, candidate = list(production), list(candidate)
    control = list(control) if control is not None else None
    worth = contributions(production) or contributions(control or [])
    prod = _observe(production)
    triggers = dict(triggers) if triggers is not None else dict.fromkeys(prod, "?")
    rules, limits = ignore or IgnoreRules(), thresholds or Thresholds()
    sides: dict[str, dict[str, list[Effect]]] = {"production": prod,
                                                 "candidate": _observe(candidate)}
    if PERIODIC in prod or PERIODIC in sides["candidate"]:
        triggers[PERIODIC] = PERIODIC
    raw, totals = _shadow_mismatches(triggers, worth, production, prod, candidate,
                                     sides["candidate"], structural)
    result = Comparison(compared=Counter(triggers.values()) + totals.checked)
    kept, result.hidden = _hidden(raw, rules)
    result.ignored = len(raw) - len(kept)
    noise_rates: dict[Field, float] = {}
    if control is not None:
        sides = {"production": prod, "control": _observe(control), "candidate": sides["candidate"]}
        noise, control_totals = _shadow_mismatches(
            triggers, worth, production, prod, control, sides["control"], structural)
        noise_rates = _rates([m for m in noise if not rules.ignores(m)],
                             Counter(triggers.values()) + control_totals.checked)
    by_field: dict[Field, list[Mismatch]] = defaultdict(list)
    for m in kept:
        by_field[m.field].append(m)
    for key, items in by_field.items():
        method, effect, category, path = key
        rate = _rates(items, result.compared)[key]
        noise_rate = noise_rates.get(key, 0.0)
        report = FieldReport(effect, category, path, method, len({m.trigger for m in items}),
                             rate, noise_rate, items[:EXAMPLES_PER_FIELD])
        stands_out = limits.exceeds(rate, noise_rate, result.compared[method])
        if stands_out:
            report.evidence = [evidence(m, sides) for m in report.examples]
        (result.reported if stands_out else result.noise).append(report)
    differing = {m.trigger: m.method for r in result.reported for m in by_field[r.field]}
    result.with_mismatch = Counter(differing.values())
    result.reported.sort(key=lambda r: (-r.count, r.method, r.effect, r.path))
    result.drift = find_drift(candidate, production, caps or {})
    return result
