"""Evidence for a reported difference: the effect in question as each side had it, flattened.

A reader sees production's, the control's and the candidate's effect side by side, path by
path, with the differing path named; for host totals, each side's report of them.
"""

from collections.abc import Mapping
from typing import Any

from harness.shadow.compare.aggregates import EFFECT as TOTALS_EFFECT
from harness.shadow.compare.aggregates import TOTALS_OBJECT
from harness.shadow.compare.flatten import flatten
from harness.shadow.compare.mismatch import Mismatch
from harness.shadow.compare.observation import Effect, effect_kind

Sides = Mapping[str, Mapping[str, list[Effect]]]  # side -> trigger -> effects (observed)


def _flat(effect: Effect) -> dict[str, Any]:
    """An effect as path -> value: its target and version, then its payload's leaves."""
    return {"target": effect.get("target"), "version": effect.get("version"),
            **flatten(effect.get("payload"))}


def _is_totals(effect: Effect) -> bool:
    return effect.get("method") == f"{TOTALS_OBJECT}.save"


def _chosen(effects: list[Effect], kind: str, index: int) -> Effect | None:
    """The index-th effect of one kind (for host totals: the last totals report)."""
    if kind == TOTALS_EFFECT.rsplit("#", 1)[0]:
        reports = [e for e in effects if _is_totals(e)]
        return reports[-1] if reports else None
    same = [e for e in effects if effect_kind(e) == kind]
    return same[index] if index < len(same) else None


def evidence(mismatch: Mismatch, sides: Sides) -> dict[str, dict[str, Any]]:
    """Per side, the effect the mismatch is about (flattened), empty where that side had none;
    nothing at all for a mismatch of no one effect (order: its values are the sequences)."""
    kind, _, index = mismatch.effect.rpartition("#")
    found = {}
    for side, observed in sides.items():
        effect = _chosen(observed.get(mismatch.trigger, []), kind, int(index or 0))
        found[side] = _flat(effect) if effect is not None else {}
    return found if any(found.values()) else {}
