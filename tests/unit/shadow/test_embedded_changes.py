"""Fidelity on the in-process broker: every behaviour change is found and named; a clean or
only slower candidate shows nothing beyond noise."""

from pathlib import Path

import pytest

from harness.bus import memory
from harness.shadow.candidates import CHANGES
from harness.shadow.embedded import EmbeddedExperiment, Vhosts
from harness.shadow.publish import publish
from harness.shadow.report import Report

CAPS = {"compute": "6.4", "conductor": "3.0"}
# What the report must name for each change: (category, effect kind prefix, path or "").
EXPECTED = {
    "resource-accounting": ("value", "hypervisor:cmp-17:spawn", "memory_mb"),
    "missing-notification": ("missing", "notification:compute.cmp-17:instance.create.end", ""),
    "changed-argument": ("value", "http:", "port.device_owner"),
    "extra-call": ("extra", "rpc_call:conductor:object_action", ""),
    "version-above-cap": ("version", "rpc_call:conductor:object_action", "version"),
    "reordered-effects": ("order", "order", ""),
    "failure": ("extra", "notification:compute.cmp-17:instance.create.error", ""),
    "missing-cleanup": ("missing", "http:", ""),
    "changed-reply": ("value", "rpc_reply:caller:get_console_output", "result"),
}


def run(change: str, tmp_path: Path, firehose: bool = True) -> Report:
    names = [f"t.{change}.{side}" for side in ("production", "control", "candidate")]
    production, control, candidate = (memory.url_for(n) for n in names)
    vhosts = Vhosts(production, control, candidate,
                    firehose=(lambda url: memory.set_tracing(url.rsplit("/", 1)[1], True))
                    if firehose else None)
    try:
        experiment = EmbeddedExperiment(vhosts, tmp_path, CHANGES[change].shard)
        book = experiment.run(lifecycles=8, rate=40)
        assert book.failure_count() == 0, book.failures  # production itself never suffers
        return publish(tmp_path, experiment.session, experiment.host, caps=CAPS)
    finally:
        for name in names:
            memory.delete_vhost(name)


@pytest.mark.parametrize("change", sorted(EXPECTED))
def test_each_change_is_found_and_named(change: str, tmp_path: Path) -> None:
    report = run(change, tmp_path)
    category, effect, path = EXPECTED[change]
    named = {(r.category, r.path) for r in report.comparison.reported
             if r.effect.startswith(effect)}
    assert (category, path) in named, report.comparison.reported
    assert report.failed


@pytest.mark.parametrize("change", ["none", "slower"])
def test_clean_or_slower_candidate_has_no_difference(change: str, tmp_path: Path) -> None:
    report = run(change, tmp_path)
    assert report.comparison.reported == []
    assert report.comparison.drift == []
    assert not report.failed
    assert report.counters["relayed"] == 32  # build, console, reboot, delete
    assert report.observable["rpc_reply"]
    assert report.comparison.compared["get_console_output"] == 8


def test_without_a_firehose_replies_are_not_observable(tmp_path: Path) -> None:
    report = run("changed-reply", tmp_path, firehose=False)
    assert not report.observable["rpc_reply"]
    assert report.comparison.reported == [] and not report.failed


def test_version_above_cap_is_interface_drift(tmp_path: Path) -> None:
    report = run("version-above-cap", tmp_path)
    drift = {(d.category, d.target, d.version, d.cap)
             for d in report.comparison.drift}
    assert ("above_cap", "conductor", "3.1", "3.0") in drift
