"""Fidelity on the in-process broker: every behaviour change is found and named; a clean
candidate, or one that differs only in timing, shows nothing: with a control or without one,
whatever the sampling rate."""

from pathlib import Path

import pytest

from harness.bus import memory
from harness.sandbox.traffic import KNOWN_STEPS
from harness.shadow.candidates import CHANGES, TIMING_ONLY
from harness.shadow.compare.aggregates import AT_REST, UNIT
from harness.shadow.embedded import LIFECYCLE, EmbeddedExperiment, Vhosts
from harness.shadow.publish import publish
from harness.shadow.report import Report

CAPS = {"compute": "6.4", "conductor": "3.0"}
# What the report must name for each change: (category, effect kind prefix, path or "").
EXPECTED = {
    "resource-accounting": ("value", "aggregate:ComputeNode:save", "memory_mb_used"),
    "missing-notification": ("missing", "notification:compute.cmp-17:instance.create.end", ""),
    "changed-argument": ("value", "http:", "port.device_owner"),
    "extra-call": ("extra", "rpc_call:conductor:Instance.refresh", ""),
    "version-above-cap": ("version", "rpc_call:conductor:Instance.", "version"),
    "reordered-effects": ("order", "order", ""),
    "failure": ("extra", "notification:compute.cmp-17:instance.create.error", ""),
    "missing-cleanup": ("missing", "http:", ""),
    "changed-reply": ("value", "rpc_reply:caller:get_console_output", "result"),
    "wrong-port-deleted": ("value", "http:", "target"),
    "totals-off-by-one": ("value", "aggregate:ComputeNode:save", "running_vms"),
    "no-usage-after-delete": ("stale", "aggregate:ComputeNode:save", "running_vms"),
}
EVERY_STEP = ("build", "console", "reboot", "stop", "start", "delete")


def run(change: str, tmp_path: Path, firehose: bool = True, control: bool = True,
        sample: float = 1.0, steps: tuple[str, ...] = LIFECYCLE) -> Report:
    names = [f"t.{change}.{side}" for side in ("production", "control", "candidate")]
    production, control_url, candidate = (memory.url_for(n) for n in names)
    vhosts = Vhosts(production, control_url if control else None, candidate,
                    firehose=(lambda url: memory.set_tracing(url.rsplit("/", 1)[1], True))
                    if firehose else None)
    try:
        experiment = EmbeddedExperiment(vhosts, tmp_path, CHANGES[change].shard, sample=sample,
                                        steps=steps)
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


@pytest.mark.parametrize("change", TIMING_ONLY)
def test_a_timing_only_candidate_has_no_difference(change: str, tmp_path: Path) -> None:
    report = run(change, tmp_path, steps=EVERY_STEP)
    assert report.comparison.reported == [] and not report.failed
    assert report.comparison.compared["stop_instance"] == 8
    assert report.comparison.compared[UNIT] > 0 and report.comparison.compared[AT_REST] == 1


@pytest.mark.parametrize(("control", "sample"), [(False, 1.0), (True, 0.5), (False, 0.5)])
def test_timing_never_counts_without_a_control_or_at_any_sampling_rate(
        control: bool, sample: float, tmp_path: Path) -> None:
    report = run("jittery", tmp_path, control=control, sample=sample, steps=EVERY_STEP)
    assert report.comparison.reported == [] and not report.failed
    assert report.comparison.noise == []  # nothing left that a control would have to explain


def test_the_shadows_get_productions_read_answers(tmp_path: Path) -> None:
    report = run("none", tmp_path, control=False)
    reads = {row["read"]: row for row in report.reads if row["side"] == "candidate"}
    ports = next(r for name, r in reads.items() if "/v2.0/ports?device_id={id}" in name)
    assert ports["replayed"] == 8 and ports["stubbed"] == 0
    deletes = [r for r in report.comparison.noise if ":DELETE" in r.effect]
    assert deletes == []  # the deletes that follow are the shadows' too, not noise


def test_every_step_is_exercised() -> None:
    assert set(EVERY_STEP) == set(KNOWN_STEPS)


def test_without_a_firehose_replies_are_not_observable(tmp_path: Path) -> None:
    report = run("changed-reply", tmp_path, firehose=False)
    assert not report.observable["rpc_reply"]
    assert report.comparison.reported == [] and not report.failed


def test_version_above_cap_is_interface_drift(tmp_path: Path) -> None:
    report = run("version-above-cap", tmp_path)
    drift = {(d.category, d.target, d.version, d.cap)
             for d in report.comparison.drift}
    assert ("above_cap", "conductor", "3.1", "3.0") in drift
