"""Observations: one side's effects for one triggering message, keyed so sides can be matched."""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

Effect = Mapping[str, Any]
# The cause of a side's own periodic work (heartbeats, resource reports), which no mirrored
# message triggered: one group per side (see `periodic_pair`).
PERIODIC = "periodic"
PERIODIC_KEYS = frozenset({"capacity", "object_version"})


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


def periodic_pair(want: list[Effect], got: list[Effect]) -> tuple[list[Effect], list[Effect]]:
    """Two sides' periodic work as compared: the last effect of each kind both did, by what
    describes the host itself (`PERIODIC_KEYS`: a ComputeNode's capacity, object versions).
    How often a timer fired, whether it fired within the records at all, what an earlier
    save had already sent and the ids a periodic read names (host, node, instances) are
    timing or identity, not behaviour."""
    last_want = {effect_kind(e): e for e in want}
    last_got = {effect_kind(e): e for e in got}
    both = sorted(last_want.keys() & last_got.keys())
    return ([_host_facts(last_want[k]) for k in both], [_host_facts(last_got[k]) for k in both])


def _host_facts(effect: Effect) -> Effect:
    payload = effect.get("payload")
    kept = {k: v for k, v in payload.items() if k in PERIODIC_KEYS} if isinstance(
        payload, dict) else None
    return {**effect, "payload": kept}
