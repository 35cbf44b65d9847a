"""The comparator: field-level mismatches, noise subtraction, ignores, structure, drift."""

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.shadow.compare import IgnoreRules, compare
from harness.shadow.compare.comparison import Thresholds


def effect(trigger: str, seq: int, kind: str, target: str, method: str,
           payload: dict[str, Any], version: str = "") -> dict[str, Any]:
    return {"caused_by": trigger, "seq": seq, "ts": random.random(), "kind": kind,
            "target": target, "method": method, "version": version, "payload": payload}


def build(trigger: str, memory: int = 512, host: str = "cmp-1") -> list[dict[str, Any]]:
    """One build on a compute host: hypervisor spawn, conductor save, notification."""
    return [
        effect(trigger, 1, "hypervisor", "fake", "spawn", {"memory_mb": memory, "vcpus": 1}),
        effect(trigger, 2, "rpc_call", "conductor", "object_action",
               {"objmethod": "save", "updates": {"vm_state": "active", "host": host}}, "3.0"),
        effect(trigger, 3, "notification", "notifications.info", "instance.create.end",
               {"memory_mb": memory, "state": "active"}),
    ]


def run(n: int = 50) -> dict[str, Any]:
    triggers = {f"m{i}": "build_and_run_instance" for i in range(n)}
    production = [e for t in triggers for e in build(t)]
    return {"production": production, "triggers": triggers}


def test_identical_sides_have_no_mismatch() -> None:
    data = run()
    result = compare(data["production"], copy.deepcopy(data["production"]),
                     triggers=data["triggers"])
    assert result.reported == [] and not result.unexplained
    assert result.compared["build_and_run_instance"] == 50


def test_value_mismatch_is_named_by_path() -> None:
    data = run()
    candidate = [e for t in data["triggers"] for e in build(t, memory=1024)]
    result = compare(data["production"], candidate, triggers=data["triggers"])
    paths = {(r.effect, r.category, r.path) for r in result.reported}
    assert ("hypervisor:fake:spawn", "value", "memory_mb") in paths
    assert ("notification:notifications.info:instance.create.end", "value", "memory_mb") in paths
    example = result.reported[0].examples[0]
    assert (example.expected, example.actual) == (512, 1024)
    assert result.with_mismatch["build_and_run_instance"] == 50


def test_missing_extra_type_version_and_order() -> None:
    data = run(n=10)
    candidate = []
    for t in data["triggers"]:
        spawn, save, _notify = build(t)
        save, spawn = copy.deepcopy(save), copy.deepcopy(spawn)
        save["seq"], spawn["seq"] = 1, 2  # the candidate saves before it spawns
        save["version"] = "3.1"
        save["payload"]["updates"]["host"] = ["cmp-1"]
        extra = effect(t, 4, "http", "network", "bind_port", {"port": 1})
        candidate += [save, spawn, extra]  # notification missing, spawn after save
    result = compare(data["production"], candidate, triggers=data["triggers"])
    categories = {(r.category, r.effect.split(":")[0]) for r in result.reported}
    assert {("missing", "notification"), ("extra", "http"), ("version", "rpc_call"),
            ("type", "rpc_call"), ("order", "order")} <= categories


def test_noise_seen_by_the_control_is_subtracted() -> None:
    data = run()
    rng = random.Random(7)

    def noisy() -> list[dict[str, Any]]:
        out = copy.deepcopy(data["production"])
        for e in out:
            if e["kind"] == "rpc_call":
                e["payload"]["updates"]["console_token"] = rng.random()  # differs run to run
        return out

    control, candidate = noisy(), noisy()
    without = compare(data["production"], candidate, triggers=data["triggers"])
    assert [r.path for r in without.reported] == ["updates.console_token"]
    result = compare(data["production"], candidate, control, triggers=data["triggers"])
    assert result.reported == [] and not result.unexplained
    assert [r.path for r in result.noise] == ["updates.console_token"]
    assert result.noise[0].noise_rate == 1.0


def test_a_real_change_above_noise_is_still_reported() -> None:
    data = run(n=100)
    control = copy.deepcopy(data["production"])
    for e in control[:9]:  # the control differs on 3 of 100 triggers
        e["payload"]["memory_mb"] = 1
    candidate = [e for t in data["triggers"] for e in build(t, memory=256)]
    result = compare(data["production"], candidate, control, triggers=data["triggers"])
    spawn = [r for r in result.reported if r.effect == "hypervisor:fake:spawn"]
    assert spawn and spawn[0].rate == 1.0 and spawn[0].noise_rate == pytest.approx(0.03)


def test_thresholds_follow_diffy() -> None:
    limits = Thresholds(relative=0.2, absolute=0.03)
    assert limits.exceeds(0.5, 0.0)
    assert not limits.exceeds(0.02, 0.0)
    assert not limits.exceeds(0.55, 0.5)  # only 10% above noise
    assert limits.exceeds(0.7, 0.5)
    # Noise seen in 62% of 8 samples wanders by ~17%: a 75% candidate rate is within it...
    assert not limits.exceeds(0.75, 0.625, samples=8)
    # ...while a field always different against 60% noise still stands out.
    assert limits.exceeds(1.0, 0.6, samples=10)


def test_ignore_rules_per_method(tmp_path: Path) -> None:
    data = run(n=5)
    candidate = [e for t in data["triggers"] for e in build(t, host="cmp-2")]
    rules_file = tmp_path / "ignore.yaml"
    rules_file.write_text("ignore:\n  build_*: ['updates.host']\n")
    result = compare(data["production"], candidate, triggers=data["triggers"],
                     ignore=IgnoreRules.load(rules_file))
    assert result.reported == [] and result.ignored == 5


def test_bad_ignore_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text("ignore:\n  build: updates.host\n")
    with pytest.raises(ConfigError, match=r"ignore.yaml: field ignore.build: expected a list"):
        IgnoreRules.load(path)
    path.write_text("ignore: [\n")
    with pytest.raises(ConfigError, match=r"ignore.yaml:\d+: YAML syntax error"):
        IgnoreRules.load(path)


def test_structural_mode_compares_shapes_only() -> None:
    data = run(n=5)
    candidate = [e for t in data["triggers"] for e in build(t, memory=4096)]
    assert compare(data["production"], candidate, triggers=data["triggers"],
                   structural=True).reported == []
    candidate[0]["payload"]["memory_mb"] = "4096"
    result = compare(data["production"], candidate, triggers=data["triggers"], structural=True)
    assert [(r.category, r.path) for r in result.reported] == [("type", "memory_mb")]


def test_timing_alone_is_no_difference() -> None:
    data = run(n=5)
    slower = copy.deepcopy(data["production"])
    for e in slower:
        e["ts"] += 30.0
    assert not compare(data["production"], slower, triggers=data["triggers"]).unexplained


def test_drift_above_cap_and_unseen_method() -> None:
    data = run(n=3)
    candidate = copy.deepcopy(data["production"])
    for e in candidate:
        if e["kind"] == "rpc_call":
            e["version"] = "3.2"
    candidate.append(effect("m0", 9, "rpc_call", "conductor", "brand_new", {}, "3.0"))
    result = compare(data["production"], candidate, triggers=data["triggers"],
                     caps={"conductor": "3.1"})
    drift = {(d.category, d.method, d.count) for d in result.drift}
    assert drift == {("above_cap", "object_action", 3), ("unseen_method", "brand_new", 1)}


@pytest.mark.parametrize(("version", "cap", "category"), [
    ("5.0", "6.2", "other_major"), ("7.0", "6.2", "other_major"), ("6.3", "6.2", "above_cap"),
    ("6.2.1", "6.2", "above_cap"), ("six", "6.2", "bad_version"),
    ("6.1", "6.2", None), ("6.2", "6.2", None)])
def test_drift_follows_oslos_dispatcher_rule(version: str, cap: str, category: str | None
                                             ) -> None:
    data = run(n=1)
    candidate = copy.deepcopy(data["production"])
    for e in candidate:
        e["version"] = version if e["kind"] == "rpc_call" else e["version"]
    result = compare(data["production"], candidate, triggers=data["triggers"],
                     caps={"conductor": cap})
    assert [d.category for d in result.drift] == ([category] if category else [])


def test_ids_in_targets_are_folded_so_a_change_counts_across_triggers() -> None:
    triggers = {f"m{i}": "terminate_instance" for i in range(20)}
    production = [effect(t, 1, "http", f"http://127.0.0.1:9696/v2.0/ports?device_id="
                         f"{i:08x}-0000-4000-8000-{i:012x}", "GET", {}) for i, t in
                  enumerate(triggers)]
    result = compare(production, [], triggers=triggers)
    assert [(r.effect, r.category, r.count) for r in result.reported] == [
        ("http:http://127.0.0.1:9696/v2.0/ports?device_id={id}:GET", "missing", 20)]


def placement(trigger: str, seq: int, method: str, status: int = 200) -> dict[str, Any]:
    """A placement request read from an access log."""
    return {**effect(trigger, seq, "http", "placement", method, {"query": "", "status": status}),
            "seen_in": "access_log"}


def test_access_log_requests_compare_as_a_set_out_of_the_order_check() -> None:
    triggers = {"m1": "terminate_instance"}
    save = effect("m1", 1, "rpc_call", "conductor", "Instance.save", {"changes": {"a": 1}})
    # production read three instances' allocations; the candidate's host held two by then,
    # and its access log line came before its save
    production = [save, placement("m1", 1, "GET /allocations/{uuid}"),
                  placement("m1", 2, "GET /allocations/{uuid}"),
                  placement("m1", 3, "GET /allocations/{uuid}"),
                  placement("m1", 4, "DELETE /allocations/{uuid}", 204)]
    candidate = [placement("m1", 1, "GET /allocations/{uuid}"), {**save, "seq": 2},
                 placement("m1", 2, "GET /allocations/{uuid}"),
                 placement("m1", 3, "DELETE /allocations/{uuid}", 204)]
    assert compare(production, candidate, triggers=triggers).reported == []
    without_delete = candidate[:-1]
    named = {(r.effect, r.category) for r in compare(production, without_delete,
                                                     triggers=triggers).reported}
    assert named == {("http:placement:DELETE /allocations/{uuid}", "missing")}
    refused = [*candidate[:-1], placement("m1", 3, "DELETE /allocations/{uuid}", 409)]
    named = {(r.effect, r.category, r.path) for r in compare(production, refused,
                                                             triggers=triggers).reported}
    assert named == {("http:placement:DELETE /allocations/{uuid}", "value", "status")}
