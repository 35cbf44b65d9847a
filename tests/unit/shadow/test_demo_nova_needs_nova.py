"""`harness demo --nova` without a nova cloud: one clear error saying what to run, exit 3, and
nothing started."""

import subprocess
import sys
from pathlib import Path

import yaml

from harness.exitcodes import ExitCode


def _demo(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", "--cloud-config", str(config),
                           "demo", "--nova", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_missing_nova_cloud_says_to_run_dev_up(tmp_path: Path) -> None:
    config = tmp_path / "clouds.yaml"
    config.write_text(yaml.safe_dump({"clouds": {"other": {"bus": {
        "url": "amqp://u@127.0.0.1:5672/v", "control_exchange": "nova"}}}}))
    done = _demo(config)
    assert done.returncode == ExitCode.INFRASTRUCTURE, done.stderr
    assert "no nova cloud 'nova-local'" in done.stderr
    assert "harness dev up --nova" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_nova_cloud_whose_api_does_not_answer_says_to_run_dev_up(tmp_path: Path) -> None:
    config = tmp_path / "clouds.yaml"
    config.write_text(yaml.safe_dump({"clouds": {"down": {
        "bus": {"url": "amqp://u@127.0.0.1:5672/v", "control_exchange": "nova"},
        "endpoints": {"compute": "http://127.0.0.1:9/v2.1"}}}}))
    done = _demo(config, "--cloud", "down")
    assert done.returncode == ExitCode.INFRASTRUCTURE, done.stderr
    assert "does not answer" in done.stderr and "harness dev up --nova" in done.stderr


def test_regression_and_change_belong_to_their_own_demo(tmp_path: Path) -> None:
    config = tmp_path / "clouds.yaml"
    config.write_text("clouds: {}\n")
    done = _demo(config, "--change", "none")
    assert done.returncode == ExitCode.USAGE and "--regression" in done.stderr

