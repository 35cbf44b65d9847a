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
    (("name: t", "name: t\nshards: {kind: nova}"), ":2: field shards.kind: real nova"),
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


def test_scale_run_exits_2_on_a_bad_scenario_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("concurrency: 2", "concurency: 2"))
    done = subprocess.run([sys.executable, "-m", "harness", "scale", "run", str(path),
                           "--cloud", "nowhere"], capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 2
    assert f"{path}:5: field traffic.runner.concurency: unknown key" in done.stderr
