"""Every report format says the same thing: what differs, per method, with examples."""

import json
import xml.etree.ElementTree as ET

from harness.shadow.compare import compare
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
