"""Observations: one side's effects for one triggering message, keyed so sides can be matched."""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

Effect = Mapping[str, Any]


# Ids in targets (`/v2.0/ports?device_id=<uuid>`) differ per instance; folded, so one field
# of one operation is counted across all triggers.
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}",
                 re.IGNORECASE)


def effect_kind(effect: Effect) -> str:
    """kind:target:method, what effects are matched by across sides (ids in targets folded)."""
    target = IDS.sub("{id}", str(effect.get("target", "")))
    return f"{effect.get('kind', '')}:{target}:{effect.get('method', '')}"


def observe(effects: Iterable[Effect]) -> dict[str, list[Effect]]:
    """Group a side's effects by the message that caused them, each group in seq order."""
    grouped: dict[str, list[Effect]] = defaultdict(list)
    for effect in effects:
        if effect.get("caused_by"):
            grouped[str(effect["caused_by"])].append(effect)
    for group in grouped.values():  # a call's reply ends its handling, whoever observed it
        group.sort(key=lambda e: (e.get("kind") == "rpc_reply", e.get("seq", 0), e.get("ts", 0)))
    return dict(grouped)
