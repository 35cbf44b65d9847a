"""Scenario files: the shipped examples load; every mistake is one error naming file, line and
field, and `scale run` exits 2 on it before touching any service."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.scale.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
GOOD = """\
name: t
ramp: [10, 50]
duration: 5
traffic:
  runner: {type: constant, times: 4, concurrency: 2}
"""


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.ramp == sorted(scenario.ramp) and scenario.traffic.runner.times >= 1


def test_defaults_fill_what_a_scenario_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    scenario = load_scenario(path)
    assert scenario.shards.kind == "hollow" and scenario.shards.image is None
    assert scenario.traffic.steps == ["build", "reboot", "delete"]
    assert scenario.sla.failure_rate is None


@pytest.mark.parametrize(("change", "where"), [
    (("duration: 5", "duration: 5\nsla: {failure_rate: {maxx: 0}}"), ":4: field sla.failure_rate"),
    (("ramp: [10, 50]", "ramp: [50, 10]"), ":2: field ramp: a ramp's counts must grow"),
    (("type: constant, times: 4, concurrency: 2", "type: rps, times: 4"),
     ":5: field traffic.runner: an rps runner needs rps"),
    (("name: t", "name: t\nshards: {kind: novum}"), ":2: field shards.kind: unknown shard kind"),
    (("name: t", "name: t\nshards: {kind: nova, per_process: 2}"),
     ":2: field shards.per_process: real nova-compute serves one host a process"),
    (("name: t", "name: t\nshards: {kind: nova, report_interval: 2}"),
     ":2: field shards.report_interval: real nova-compute reports every 10 s"),
    (("name: t", "name: t\nshards: {nova: /opt/nova}"),
     ":2: field shards.nova: names the nova build of kind nova shards; this kind is hollow"),
    (("duration: 5", "duration: 5\nsla: {percentiles: {build: {p9x: 1}}}"),
     "field sla.percentiles: build: 'p9x' is not a percentile"),
    (("runner:", "steps: [build, dance, delete]\n  runner:"), "unknown operation(s) dance"),
    (("duration: 5", "duration: -1"), ":3: field duration: Input should be greater than 0"),
    (("name: t", "name: t\nshards: {start_rate: 0}"),
     ":2: field shards.start_rate: Input should be greater than 0"),
    (("name: t", "name: t\ncontrol_plane:\n  conductor_workers: 0"),
     ":3: field control_plane.conductor_workers: Input should be greater than or equal to 1"),
])
def test_a_mistake_names_file_line_and_field(tmp_path: Path, change: tuple[str, str],
                                             where: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as raised:
        load_scenario(path)
    assert str(raised.value).startswith(str(path)) and where in str(raised.value)


def test_kind_nova_carries_one_host_a_process_and_may_name_a_build(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("name: t", "name: t\nshards: {kind: nova, nova: /opt/nova}"))
    shards = load_scenario(path).shards
    assert (shards.kind, shards.per_process, shards.nova, shards.image) == (
        "nova", 1, "/opt/nova", None)


def test_kind_nova_against_a_sandbox_cloud_exits_2_naming_the_field(tmp_path: Path) -> None:
    scenario, clouds = tmp_path / "s.yaml", tmp_path / "clouds.yaml"
    scenario.write_text(GOOD.replace("name: t", "name: t\nshards: {kind: nova}"))
    clouds.write_text("clouds:\n  sandboxed:\n    bus: {url: 'amqp://u@127.0.0.1:1/'}\n")
    done = subprocess.run([sys.executable, "-m", "harness", "--cloud-config", str(clouds),
                           "scale", "run", str(scenario), "--cloud", "sandboxed",
                           "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"{scenario}: field shards.kind: nova runs real nova-compute shards" in done.stderr
    assert "cloud 'sandboxed'" in done.stderr and not (tmp_path / "out").exists()


def test_kind_nova_is_not_rendered_for_kubernetes(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(GOOD.replace("name: t", "name: t\nshards: {kind: nova}"))
    done = subprocess.run([sys.executable, "-m", "harness", "scale", "render", "--kubernetes",
                           str(scenario), "--cloud", "nowhere"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert f"{scenario}: field shards.kind: nova shards run through `scale run`" in done.stderr


def test_scale_run_exits_2_on_a_bad_scenario_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("concurrency: 2", "concurency: 2"))
    done = subprocess.run([sys.executable, "-m", "harness", "scale", "run", str(path),
                           "--cloud", "nowhere"], capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 2
    assert f"{path}:5: field traffic.runner.concurency: unknown key" in done.stderr
