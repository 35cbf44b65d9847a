"""Host-wide totals: checked against each side's own guests, never against how they interleaved."""

import itertools
from collections.abc import Iterator
from typing import Any

from harness.shadow.compare import compare
from harness.shadow.compare.aggregates import AT_REST, UNIT

MEMORY = {"a": 512, "b": 2048, "c": 1024}
Step = tuple[str, str]  # (instance, what): spawn, report, destroy, start


class Side:
    """A hollow-like shard's effects, written in the order its threads recorded them."""

    def __init__(self) -> None:
        self.effects: list[dict[str, Any]] = []
        self.seq = itertools.count(1)
        self.live: dict[str, int] = {}
        self.free_skew = 0

    def add(self, trigger: str, kind: str, method: str, payload: dict[str, Any]) -> None:
        self.effects.append({"caused_by": trigger, "shard": "cmp-1", "seq": next(self.seq),
                             "kind": kind, "target": "cmp-1", "method": method,
                             "version": "3.0" if kind == "rpc_call" else None,
                             "payload": payload})

    def play(self, steps: list[Step], memory_factor: int = 1, extra_vms: int = 0,
             report_after_delete: bool = True, free_skew: int = 0) -> "Side":
        self.free_skew = free_skew
        for instance, what in steps:
            trigger = f"{what.split('-')[0]}-{instance}"
            if what.endswith("start"):
                self.add(trigger, "notification", f"instance.{what}", {"uuid": instance})
            elif what == "build-spawn":
                self.live[instance] = MEMORY[instance] * memory_factor
                self.add(trigger, "hypervisor", "spawn",
                         {"instance": instance, "memory_mb": self.live[instance], "vcpus": 1,
                          "disk_gb": 1})
            elif what == "delete-destroy":
                self.live.pop(instance)
                self.add(trigger, "hypervisor", "destroy", {"instance": instance})
            elif what != "delete-report" or report_after_delete:
                self.add(trigger, "rpc_call", "object_action", self.node(extra_vms))
        return self

    def node(self, extra_vms: int) -> dict[str, Any]:
        data = {"host": "cmp-1", "running_vms": len(self.live) + extra_vms,
                "memory_mb_used": sum(self.live.values()), "vcpus_used": len(self.live),
                "local_gb_used": len(self.live), "memory_mb": 65536}
        data["free_ram_mb"] = data["memory_mb"] - data["memory_mb_used"] + self.free_skew
        return {"objmethod": "save", "objinst": {"nova_object.name": "ComputeNode",
                                                 "nova_object.data": data}}


def lifecycle(instance: str) -> list[Step]:
    return [(instance, s) for s in ("build-start", "build-spawn", "build-report",
                                    "delete-start", "delete-destroy", "delete-report")]


def one_after_another() -> list[Step]:
    return [s for i in MEMORY for s in lifecycle(i)]


def interleaved() -> list[Step]:
    """Every build before any delete: each report sees more guests than production's did."""
    builds = [s for i in MEMORY for s in lifecycle(i)[:3]]
    deletes = [s for i in reversed(MEMORY) for s in lifecycle(i)[3:]]
    return builds + deletes


def triggers() -> dict[str, str]:
    return {f"{op}-{i}": f"{op}_instance" for i in MEMORY for op in ("build", "delete")}


def test_another_interleaving_is_no_difference() -> None:
    production = Side().play(one_after_another()).effects
    shadow = Side().play(interleaved()).effects
    result = compare(production, shadow, triggers=triggers())
    assert result.reported == [] and not result.unexplained
    assert result.compared[UNIT] == 6 and result.compared[AT_REST] == 1


def shuffled(seed: int) -> Iterator[Step]:
    """A random interleaving that keeps each instance's own steps in order."""
    import random
    rng = random.Random(seed)
    queues = [lifecycle(i) for i in MEMORY]
    while queues:
        queue = rng.choice(queues)
        yield queue.pop(0)
        if not queue:
            queues.remove(queue)


def test_no_interleaving_is_a_difference() -> None:
    production = Side().play(one_after_another()).effects
    for seed in range(50):
        shadow = Side().play(list(shuffled(seed))).effects
        assert compare(production, shadow, triggers=triggers()).reported == [], seed


def test_a_change_racing_the_read_widens_what_is_accepted() -> None:
    side = Side()
    side.play([("a", "build-start"), ("b", "build-start"), ("a", "build-spawn")])
    side.live["b"] = MEMORY["b"]  # b's guest is up, its spawn not recorded yet,
    node = side.node(0)  # when a's build reads its totals (b counted);
    side.add("build-b", "hypervisor", "spawn", {"instance": "b", "memory_mb": MEMORY["b"],
                                               "vcpus": 1, "disk_gb": 1})
    side.add("build-a", "rpc_call", "object_action", node)  # then a's save is recorded
    side.play([("b", "build-report"), *lifecycle("a")[3:], *lifecycle("b")[3:]])
    production = Side().play(lifecycle("a") + lifecycle("b")).effects
    result = compare(production, side.effects, triggers=triggers())
    assert [r for r in result.reported if r.method == UNIT] == []
    assert node["objinst"]["nova_object.data"]["running_vms"] == 2  # what made it a race


def reported(result: Any) -> set[tuple[str, str, str]]:
    return {(r.method, r.category, r.path) for r in result.reported}


def test_doubled_memory_is_named_in_the_totals() -> None:
    production = Side().play(one_after_another()).effects
    shadow = Side().play(interleaved(), memory_factor=2).effects
    result = compare(production, shadow, triggers=triggers())
    assert (UNIT, "value", "memory_mb_used") in reported(result)
    example = next(r for r in result.reported if r.path == "memory_mb_used").examples[0]
    assert example.actual == 2 * example.expected


def test_free_memory_that_is_not_capacity_less_use_is_named() -> None:
    production = Side().play(one_after_another()).effects
    clean = Side().play(interleaved()).effects
    skewed = Side().play(interleaved(), free_skew=64).effects
    assert compare(production, clean, triggers=triggers()).reported == []
    assert (UNIT, "value", "free_ram_mb") in reported(
        compare(production, skewed, triggers=triggers()))


def test_one_guest_too_many_is_named_in_the_totals() -> None:
    production = Side().play(one_after_another()).effects
    shadow = Side().play(interleaved(), extra_vms=1).effects
    result = compare(production, shadow, triggers=triggers())
    assert (UNIT, "value", "running_vms") in reported(result)


def test_no_report_after_a_delete_leaves_stale_totals() -> None:
    production = Side().play(one_after_another()).effects
    shadow = Side().play(interleaved(), report_after_delete=False).effects
    result = compare(production, shadow, triggers=triggers())
    assert {(AT_REST, "stale", "running_vms"), (AT_REST, "stale", "memory_mb_used")} <= \
        reported(result)


def test_a_control_failing_the_same_check_is_noise() -> None:
    production = Side().play(one_after_another()).effects
    control = Side().play(interleaved(), extra_vms=1).effects
    candidate = Side().play(list(shuffled(3)), extra_vms=1).effects
    result = compare(production, candidate, control, triggers=triggers())
    assert not [r for r in result.reported if r.method == UNIT]
    assert any(n.method == UNIT and n.path == "running_vms" for n in result.noise)


def test_without_productions_hypervisor_the_control_says_what_a_guest_takes() -> None:
    tapped = [e for e in Side().play(one_after_another()).effects if e["kind"] != "hypervisor"]
    control = Side().play(interleaved()).effects
    candidate = Side().play(list(shuffled(5)), memory_factor=2).effects
    result = compare(tapped, candidate, control, triggers=triggers())
    assert (UNIT, "value", "memory_mb_used") in reported(result)
