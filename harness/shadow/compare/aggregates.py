"""Host-wide totals, checked in a way that does not depend on how instances interleave.

A ComputeNode save reports totals over every instance on its host (running_vms,
memory_mb_used, ...). What it says at one trigger depends on which other instances' builds and
deletes ran before it, and that differs between production and every shadow, so these fields
are not compared trigger by trigger. The rule instead:

- every report a shadow makes must equal what its own effects imply: the instances its own
  hypervisor effects had made live when it read its totals, each counted with what production's
  effects say that instance takes (its spawn: memory, vCPUs, disk; one for running_vms), or the
  control's where production's hypervisor is not observable (a session's tap cannot see it);
- a report is read between its trigger's previous effect and the save itself, and a spawn or
  destroy happens between its own previous effect and its record, so a change that may fall on
  either side of the read widens the range of totals accepted instead of failing the report;
- at rest (the end of the records), the last report must have seen every change: a side that
  changed its guests after its last report left stale totals behind.

A report outside its range is a `value` mismatch of the `host totals` unit; stale totals are a
`stale` mismatch of the `host totals at rest` unit. Both are counted per checked report, and the
control is checked the same way, so its failures are noise.
"""

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.shadow.compare.mismatch import Mismatch
from harness.shadow.compare.observation import Effect

TOTALS_OBJECT = "ComputeNode"
UNIT = "host totals"
AT_REST = "host totals at rest"
EFFECT = f"aggregate:{TOTALS_OBJECT}:save"
# field reported -> what one instance adds to it (a key of its spawn's payload; None: one)
TOTALS: dict[str, str | None] = {"running_vms": None, "memory_mb_used": "memory_mb",
                                 "vcpus_used": "vcpus", "local_gb_used": "disk_gb"}
# field derived from a total -> (the capacity it is left of, the total): must be their difference
DERIVED = {"free_ram_mb": ("memory_mb", "memory_mb_used"),
           "free_disk_gb": ("local_gb", "local_gb_used"),
           "disk_available_least": ("local_gb", "local_gb_used")}
NEVER = float("-inf")


@dataclass(frozen=True)
class Change:
    """One spawn (+1) or destroy (-1) of a guest: its record's seq and its previous effect's."""

    seq: int
    after: float  # seq of the same trigger's previous effect: the change happened after it
    instance: str
    sign: int
    trigger: str


@dataclass
class TotalsCheck:
    """Reports checked per unit, and the ones that failed."""

    checked: Counter[str] = field(default_factory=Counter)
    mismatches: list[Mismatch] = field(default_factory=list)


def _totals(effect: Effect) -> dict[str, Any] | None:
    """The totals a ComputeNode save reports, or None for any other effect."""
    payload = effect.get("payload")
    if effect.get("kind") != "rpc_call" or not isinstance(payload, dict):
        return None
    objinst = payload.get("objinst")
    if not isinstance(objinst, dict) or objinst.get("nova_object.name") != TOTALS_OBJECT:
        return None
    data = objinst.get("nova_object.data")
    return data if isinstance(data, dict) else None


def _guest_change(effect: Effect) -> tuple[str, int] | None:
    """(instance, +1 or -1) for a hypervisor spawn or destroy that worked, else None."""
    payload = effect.get("payload")
    sign = {"spawn": 1, "destroy": -1}.get(str(effect.get("method")))
    if effect.get("kind") != "hypervisor" or sign is None or not isinstance(payload, dict):
        return None
    return (str(payload["instance"]), sign) if "instance" in payload else None


def reports_totals(effects: Iterable[Effect]) -> bool:
    """Whether a side reported host-wide totals at all (else there is nothing to check)."""
    return any(_totals(e) is not None for e in effects if e.get("kind") == "rpc_call")


def guests_observable(effects: Iterable[Effect]) -> bool:
    """Whether a side's guest changes are recorded (its hypervisor runs through the shims)."""
    return any(_guest_change(e) is not None for e in effects if e.get("kind") == "hypervisor")


def _last_totals(effects: Iterable[Effect]) -> Effect | None:
    """A side's last totals report tied to a trigger."""
    reports = [e for e in effects if e.get("caused_by") and _totals(e) is not None]
    return max(reports, key=lambda e: int(e.get("seq", 0))) if reports else None


def check_at_rest_against(production: Iterable[Effect], side: Iterable[Effect]) -> TotalsCheck:
    """For a side whose guests are not observable (real nova-compute's fake hypervisor is not
    shimmed): once both are at rest, its last totals must equal production's last."""
    result = TotalsCheck()
    want, got = _last_totals(production), _last_totals(side)
    if want is None or got is None:
        return result
    result.checked[AT_REST] += 1
    wanted, reported = _totals(want) or {}, _totals(got) or {}
    for name in TOTALS:
        if wanted.get(name) != reported.get(name):
            result.mismatches.append(Mismatch(str(got["caused_by"]), AT_REST, f"{EFFECT}#0",
                                              "value", name, wanted.get(name),
                                              reported.get(name)))
    return result


def contributions(effects: Iterable[Effect]) -> dict[str, dict[str, int]]:
    """What each instance takes, per total, from its spawn's payload."""
    found: dict[str, dict[str, int]] = {}
    for effect in effects:
        change = _guest_change(effect)
        if change and change[1] > 0:
            payload = effect["payload"]
            found[change[0]] = {name: 1 if key is None else int(payload.get(key, 0))
                                for name, key in TOTALS.items()}
    return found


class _Ledger:
    """One shard's guest changes in seq order, with running sums per total."""

    def __init__(self, changes: list[Change], worth: Mapping[str, dict[str, int]]) -> None:
        self.changes = sorted(changes, key=lambda c: c.seq)
        self.seqs = [c.seq for c in self.changes]
        self.worth = worth
        self.sums: list[dict[str, int]] = [dict.fromkeys(TOTALS, 0)]
        for change in self.changes:
            adds = self.value(change)
            self.sums.append({k: self.sums[-1][k] + change.sign * adds[k] for k in TOTALS})
        self.earliest_after = [float(c.after) for c in self.changes]  # suffix minimum
        for i in range(len(self.changes) - 2, -1, -1):
            self.earliest_after[i] = min(self.earliest_after[i], self.earliest_after[i + 1])

    def value(self, change: Change) -> dict[str, int]:
        """What the changed guest counts for: production's worth of it, else its own."""
        return self.worth.get(change.instance, dict.fromkeys(TOTALS, 0))

    def bounds(self, read_after: float, read_before: int) -> dict[str, tuple[int, int]]:
        """Totals a report read in (read_after, read_before) may show, per field."""
        first_unsure = bisect.bisect_right(self.seqs, read_after)
        low = dict(self.sums[first_unsure])
        high = dict(low)
        for i in range(first_unsure, len(self.changes)):
            if self.earliest_after[i] >= read_before:
                break
            change = self.changes[i]
            if change.after < read_before:
                adds = self.value(change)
                for k in TOTALS:
                    (high if change.sign > 0 else low)[k] += change.sign * adds[k]
        return {k: (low[k], high[k]) for k in TOTALS}


def _shown(low: int, high: int) -> int | str:
    return low if low == high else f"{low}..{high}"


def check_totals(worth: Mapping[str, dict[str, int]], side: Iterable[Effect]) -> TotalsCheck:
    """Check every totals report of one shadow side against what its own effects imply, each
    guest counted at `worth` (production's `contributions`)."""
    result = TotalsCheck()
    shards: dict[str, list[Effect]] = defaultdict(list)
    for effect in side:
        if effect.get("caused_by"):
            shards[str(effect.get("shard"))].append(effect)
    for effects in shards.values():
        _check_shard(sorted(effects, key=lambda e: e.get("seq", 0)), worth, result)
    return result


def _check_shard(effects: list[Effect], worth: Mapping[str, dict[str, int]],
                 result: TotalsCheck) -> None:
    previous: dict[str, float] = {}
    changes: list[Change] = []
    reports: list[tuple[Effect, float]] = []
    worth = dict(worth)  # a guest production never spawned counts at the side's own worth
    for effect in effects:
        trigger, seq = str(effect["caused_by"]), int(effect.get("seq", 0))
        after = previous.get(trigger, NEVER)
        previous[trigger] = seq
        if (change := _guest_change(effect)) is not None:
            changes.append(Change(seq, after, *change, trigger))
            if change[1] > 0 and change[0] not in worth:
                worth.update(contributions([effect]))
        elif _totals(effect) is not None:
            reports.append((effect, after))
    ledger = _Ledger(changes, worth)
    for effect, after in reports:
        result.checked[UNIT] += 1
        reported = _totals(effect) or {}
        for name, (low, high) in ledger.bounds(after, int(effect["seq"])).items():
            if not low <= reported.get(name, 0) <= high:
                result.mismatches.append(Mismatch(
                    str(effect["caused_by"]), UNIT, f"{EFFECT}#0", "value", name,
                    _shown(low, high), reported.get(name)))
        for name, (capacity, total) in DERIVED.items():
            if name in reported and reported[name] != reported[capacity] - reported[total]:
                result.mismatches.append(Mismatch(
                    str(effect["caused_by"]), UNIT, f"{EFFECT}#0", "value", name,
                    reported[capacity] - reported[total], reported[name]))
    if reports and changes:
        _check_at_rest(ledger, reports, result)


def _check_at_rest(ledger: _Ledger, reports: list[tuple[Effect, float]],
                   result: TotalsCheck) -> None:
    """The last report must have seen the last change (nothing certainly came after it)."""
    result.checked[AT_REST] += 1
    last_change = ledger.changes[-1]
    last_report, _ = max(reports, key=lambda r: int(r[0]["seq"]))
    if last_change.after < int(last_report["seq"]):
        return  # the last report may have seen it: not stale
    reported, final = _totals(last_report) or {}, ledger.sums[-1]
    for name in TOTALS:
        if reported.get(name) != final[name]:
            result.mismatches.append(Mismatch(
                last_change.trigger, AT_REST, f"{EFFECT}#0", "stale", name, final[name],
                reported.get(name)))
