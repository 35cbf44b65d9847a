"""Every report format says the same thing: what differs, per method, with examples."""

import copy
import json
import xml.etree.ElementTree as ET

from harness.shadow.compare import IgnoreRules, compare
from harness.shadow.report import RENDERERS, Report
from tests.unit.shadow.test_compare import build, run


def sample_report() -> Report:
    data = run(n=20)
    candidate = [e for t in data["triggers"] for e in build(t, memory=2048)]
    candidate.append({"caused_by": "m0", "seq": 9, "kind": "rpc_call", "target": "conductor",
                      "method": "object_action", "version": "3.9", "payload": {}})
    data["triggers"]["r0"] = "reboot_instance"
    comparison = compare(data["production"], candidate, triggers=data["triggers"],
                         caps={"conductor": "3.0"})
    return Report("abc123", "cmp-17", comparison, counters={"mirrored": 21, "relayed": 21},
                  observable={"rpc casts and calls": True, "replies": False},
                  violations=[{"kind": "violation", "target": "127.0.0.9:80", "method": "connect"}],
                  title="change: resource accounting")


def test_text_names_difference_drift_and_violation() -> None:
    text = RENDERERS["text"](sample_report())
    assert "UNEXPLAINED DIFFERENCES" in text
    assert "build_and_run_instance: hypervisor:fake:spawn memory_mb" in text
    assert "production=512 candidate=2048" in text
    assert "above_cap: rpc_call conductor.object_action version 3.9 refused under cap 3.0" in text
    assert "connect 127.0.0.9:80" in text
    assert "not observable: replies" in text
    assert "not mirrored" not in text  # nothing was shed


def test_text_says_how_long_a_shedding_session_mirrored_nothing() -> None:
    report = sample_report()
    report.counters["shed_ms"] = 2500
    assert ("not mirrored: production's messages in the 2.5 s the mirror was shed while the "
            "host was busy") in RENDERERS["text"](report)


def test_json_round_trips() -> None:
    data = json.loads(RENDERERS["json"](sample_report()))
    assert data["unexplained"] is True
    assert data["methods"]["build_and_run_instance"] == {"compared": 20, "with_mismatch": 20}
    assert {m["path"] for m in data["mismatches"]} >= {"memory_mb"}


def test_junit_has_one_case_per_method_and_fails_the_differing_one() -> None:
    suite = ET.fromstring(RENDERERS["junit"](sample_report()).split("?>", 1)[1])
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"build_and_run_instance", "reboot_instance", "interface-drift",
                          "isolation"}
    assert cases["build_and_run_instance"].find("failure") is not None
    assert cases["reboot_instance"].find("failure") is None
    assert suite.get("failures") == "3"


def test_html_is_self_contained_with_side_by_side_examples() -> None:
    page = RENDERERS["html"](sample_report())
    assert "<svg" in page and "<b>production</b>" in page and "<b>candidate</b>" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "2048" in page


def explained_report() -> Report:
    """With a control, an ignore rule and the relay's record of the triggering messages."""
    data = run(n=20)
    candidate = [e for t in data["triggers"] for e in build(t, memory=2048, host="cmp-9")]
    comparison = compare(data["production"], candidate, copy.deepcopy(data["production"]),
                         triggers=data["triggers"],
                         ignore=IgnoreRules({"build_*": ("updates.host",)}))
    triggers = {"m0": {"id": "m0", "method": "build_and_run_instance", "instance": "uuid-0",
                       "args": "instance=<Instance>, node='cmp-1'"}}
    return Report("abc123", "cmp-17", comparison, triggers=triggers,
                  reads=[{"side": "candidate", "read": "http:n/v2.0/ports?device_id={id}:GET",
                          "replayed": 20, "stubbed": 0}])


def test_each_difference_names_its_triggering_message() -> None:
    text = RENDERERS["text"](explained_report())
    assert ("triggered by build_and_run_instance of instance uuid-0 (instance=<Instance>, "
            "node='cmp-1')") in text
    assert "http:n/v2.0/ports?device_id={id}:GET: 20 replayed from production, 0 stubbed" in text


def test_html_shows_three_sides_with_the_differing_field_highlighted() -> None:
    page = RENDERERS["html"](explained_report())
    assert "<th>production</th><th>control</th><th>candidate</th>" in page
    assert '<tr class="hit"><td>memory_mb</td><td>512</td><td>512</td><td>2048</td></tr>' in page
    assert "triggered by <code" in page


def test_what_an_ignore_rule_hid_is_shown_not_only_counted() -> None:
    report = explained_report()
    assert [(h.rule, h.path, h.count) for h in report.comparison.hidden] == [
        ("build_*: updates.host", "updates.host", 20)]
    text, page = RENDERERS["text"](report), RENDERERS["html"](report)
    assert "hidden by build_*: updates.host: build_and_run_instance: " \
           "rpc_call:conductor:object_action updates.host x20" in text
    assert "<td>build_*: updates.host</td>" in page and "<td>cmp-9</td>" in page
    hidden = json.loads(RENDERERS["json"](report))["hidden"]
    assert hidden[0]["example"]["actual"] == "cmp-9"
