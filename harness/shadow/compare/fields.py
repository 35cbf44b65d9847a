"""Mismatches between two observations of the same trigger: effects, versions, fields, order."""

import difflib
import json
from collections.abc import Iterator
from typing import Any

from harness.shadow.compare.flatten import flatten, shape
from harness.shadow.compare.mismatch import Mismatch
from harness.shadow.compare.observation import Effect, effect_kind

SAME = ("kind", "target", "method", "version", "payload")
# Effects read from an access log (`seen_in`) are compared as the set of distinct ones, out of
# the order check: a log line comes when the response is out, with no order against the bus,
# and how often a trigger's handling repeats a request follows how many instances the host
# holds at that moment (a resource tracker's sweep reads each one's allocations).
AS_A_SET = frozenset({"access_log"})


def _collapse_structure(flat: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Fold paths below a leaf the other side has into that leaf, so a shape change is one type."""
    leaves = [p for p in other if p not in flat]
    folded = dict(flat)
    for leaf in leaves:
        below = [p for p in flat if p.startswith((f"{leaf}.", f"{leaf}["))]
        if below:
            folded[leaf] = {p[len(leaf):]: flat.pop(p) for p in below}
            for p in below:
                folded.pop(p, None)
    return folded


def _payload_mismatches(
    trigger: str, method: str, key: str, expected: Effect, actual: Effect, structural: bool
) -> list[Mismatch]:
    """Field-level differences of one matched effect's payload."""
    if expected.get("payload") == actual.get("payload"):  # most are: no flattening needed
        return []
    found = []
    want, got = flatten(expected.get("payload")), flatten(actual.get("payload"))
    want, got = _collapse_structure(want, got), _collapse_structure(got, want)
    for path in sorted(want.keys() | got.keys()):
        if path not in got:
            found.append(Mismatch(trigger, method, key, "missing", path, want[path], None))
        elif path not in want:
            found.append(Mismatch(trigger, method, key, "extra", path, None, got[path]))
        elif shape(want[path]) != shape(got[path]):
            found.append(Mismatch(trigger, method, key, "type", path, want[path], got[path]))
        elif not structural and want[path] != got[path]:
            found.append(Mismatch(trigger, method, key, "value", path, want[path], got[path]))
    return found


def _signature(effect: Effect) -> str:
    """What pairs two effects of one kind: the shape of their payload (its paths, not values,
    which noise such as timestamps makes unique)."""
    return json.dumps(sorted(flatten(effect.get("payload"))), default=str)


def _align(want: list[Effect], got: list[Effect]
           ) -> Iterator[tuple[int | None, int | None]]:
    """Pair up two sides' effects of one kind in order, as a diff would: (i, j), (i, None)
    for one only production has, (None, j) for one only the shadow has; an inserted or removed
    effect does not shift every later pairing."""
    if len(want) == len(got) == 1:  # the usual case, and any diff would pair the two
        yield 0, 0
        return
    matcher = difflib.SequenceMatcher(None, [_signature(e) for e in want],
                                      [_signature(e) for e in got], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            paired = min(i2 - i1, j2 - j1)
            yield from zip(range(i1, i1 + paired), range(j1, j1 + paired), strict=True)
            yield from ((i, None) for i in range(i1 + paired, i2))
            yield from ((None, j) for j in range(j1 + paired, j2))
        elif tag == "delete":
            yield from ((i, None) for i in range(i1, i2))
        else:
            yield from ((None, j) for j in range(j1, j2))


def _same(want: Effect, got: Effect) -> bool:
    """Two effects identical in everything compared: kind, target, method, version, payload."""
    return all(want.get(key) == got.get(key) for key in SAME)


def _as_set(effect: Effect) -> bool:
    return effect.get("seen_in") in AS_A_SET


def _distinct(effects: list[Effect]) -> list[Effect]:
    """The effects, those compared as a set once each."""
    seen: set[str] = set()
    kept = []
    for effect in effects:
        if _as_set(effect):
            key = json.dumps([effect.get(k) for k in SAME], sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
        kept.append(effect)
    return kept


def diff_observations(
    trigger: str, method: str, expected: list[Effect], actual: list[Effect], structural: bool
) -> list[Mismatch]:
    """Every way `actual` (a shadow) differs from `expected` (production) for one trigger."""
    expected, actual = _distinct(expected), _distinct(actual)
    if len(expected) == len(actual) and all(map(_same, expected, actual)):
        return []  # most triggers: the same effects in the same order, nothing to align
    found: list[Mismatch] = []
    order_want: list[tuple[int, str]] = []  # (position in production, key) of matched effects
    order_got: list[tuple[int, str]] = []
    by_kind: dict[str, tuple[list[tuple[int, Effect]], list[tuple[int, Effect]]]] = {}
    for side, effects in enumerate((expected, actual)):
        for n, effect in enumerate(effects):
            by_kind.setdefault(effect_kind(effect), ([], []))[side].append((n, effect))
    for kind, (want, got) in by_kind.items():
        for i, j in _align([e for _, e in want], [e for _, e in got]):
            if j is None:
                assert i is not None
                found.append(Mismatch(trigger, method, f"{kind}#{i}", "missing", "",
                                      want[i][1].get("payload"), None))
            elif i is None:
                found.append(Mismatch(trigger, method, f"{kind}#{j}", "extra", "", None,
                                      got[j][1].get("payload")))
            else:
                key = f"{kind}#{i}"
                w, g = want[i][1], got[j][1]
                if not _as_set(w):
                    order_want.append((want[i][0], key))
                    order_got.append((got[j][0], key))
                if w.get("target") != g.get("target"):  # ids folded to match, compared here
                    found.append(Mismatch(trigger, method, key, "value", "target",
                                          w.get("target"), g.get("target")))
                if w.get("version") != g.get("version"):
                    found.append(Mismatch(trigger, method, key, "version", "version",
                                          w.get("version"), g.get("version")))
                found += _payload_mismatches(trigger, method, key, w, g, structural)
    in_production = [key for _, key in sorted(order_want)]
    in_shadow = [key for _, key in sorted(order_got)]
    if in_production != in_shadow:
        found.append(Mismatch(trigger, method, "order:*:*#0", "order", "", in_production,
                              in_shadow))
    return found
