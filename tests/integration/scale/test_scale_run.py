"""Acceptance: `harness scale run` ramps hollow shards 10 -> 50 on real RabbitMQ and MariaDB,
judges its SLAs, writes every report and leaves nothing behind; a missed SLA exits 1 with a
JUnit failure; shards of kind image:NAME run as containers of the image, and an image that
cannot run them exits 2 naming it."""

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from harness.bus.management import ManagementClient
from harness.launchers.docker import SESSION_LABEL
from harness.sessions import SessionStore
from tests.background import interruptible
from tests.integration.shards.harness_cli import cloud_of, harness

RAMP = {
    "name": "it-ramp",
    "shards": {"per_process": 25, "report_interval": 2, "start_rate": 25},
    "control_plane": {"conductor_workers": 2},
    "ramp": [10, 50],
    "duration": 8,
    "traffic": {"runner": {"type": "constant", "times": 8, "concurrency": 4},
                "steps": ["build", "reboot", "delete"], "timeout": 30},
    "sla": {"failure_rate": {"max": 0}, "max_seconds_per_iteration": 30,
            "percentiles": {"build": {"p95": 20}}, "queue_depth": {"max": 10000}},
}
MISSED = {
    "name": "it-miss",
    "shards": {"per_process": 5},
    "ramp": [5],
    "duration": 4,
    "traffic": {"runner": {"type": "rps", "rps": 2, "times": 4}, "steps": ["build", "delete"]},
    "sla": {"max_avg_duration": 0.001},  # no lifecycle is that fast: missed on purpose
}


def _scale_run(tmp_path: Path, shard_cloud: Path,
               body: dict[str, object]) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`harness scale run` of this scenario on the test's cloud; its result and report dir."""
    scenario, out = tmp_path / f"{body['name']}.yaml", tmp_path / "reports"
    scenario.write_text(yaml.safe_dump(body))
    done = harness(shard_cloud, "scale", "run", str(scenario), "--cloud",
                   cloud_of(shard_cloud).name, "-o", str(out), check=False)
    return done, out


def _left_behind(rabbit_admin: ManagementClient, vhost: str) -> list[str]:
    """Sessions on disk and compute or conductor consumers still in the vhost."""
    sessions = [s.id for s in SessionStore().all()]
    consumers = [c["queue"]["name"] for c in rabbit_admin.consumers(vhost)
                 if c["queue"]["name"].startswith(("compute.", "conductor"))]
    return sessions + consumers


def test_a_ramp_runs_judges_reports_and_tears_down(
        tmp_path: Path, shard_cloud: Path, rabbit_vhost: str,
        rabbit_admin: ManagementClient) -> None:
    done, out = _scale_run(tmp_path, shard_cloud, RAMP)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: PASSED" in done.stdout

    report = json.loads((out / "report.json").read_text())
    assert [s["hosts"] for s in report["steps"]] == [10, 50]
    for step in report["steps"]:
        assert step["iterations"] == 8 and step["failure_rate_pct"] == 0
        assert step["operations"]["build"]["count"] == 8
        assert step["conductor_cpu_pct"] is not None and step["database_cpu_pct"] is not None
        assert step["db_statements_per_s"] > 0
    assert all(c["hosts"] == [10, 50] for c in report["cost_curve"])

    suite = ET.parse(out / "junit.xml").getroot()
    assert suite.get("failures") == "0" and len(suite.findall("testcase")) == 2 * 4
    samples = (out / "samples.csv").read_text().splitlines()
    assert len(samples) > 10 and samples[0].startswith("t,step,hosts,conductor_cpu")
    assert (out / "report.html").read_text().count("<svg") == 4
    assert _left_behind(rabbit_admin, rabbit_vhost) == []


def test_a_ramp_of_image_shards_runs_in_containers(
        tmp_path: Path, shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
        hollow_image: str, docker: Any) -> None:
    body = {"name": "it-image", "shards": {"kind": f"image:{hollow_image}", "per_process": 2,
                                           "report_interval": 2},
            "ramp": [2, 4], "duration": 4,
            "traffic": {"runner": {"type": "constant", "times": 3, "concurrency": 3},
                        "steps": ["build", "delete"], "timeout": 30},
            "sla": {"failure_rate": {"max": 0}}}
    seen: list[str] = []
    with ThreadPoolExecutor(1) as pool:  # the containers, read while the job runs
        watching = pool.submit(_watch_containers, docker, seen)
        done, out = _scale_run(tmp_path, shard_cloud, body)
        seen.append("")  # the job is over: stop watching
        watching.result()
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text())
    assert [(s["hosts"], s["iterations"]) for s in report["steps"]] == [(2, 3), (4, 3)]
    assert {image for image in seen if image} == {hollow_image}
    assert docker.containers.list(all=True, filters={"ancestor": hollow_image}) == []
    assert _left_behind(rabbit_admin, rabbit_vhost) == []


def test_an_image_that_is_no_hollow_shard_exits_2_naming_it(
        tmp_path: Path, shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
        base_image: str, docker: Any) -> None:
    body = {"name": "it-base", "shards": {"kind": f"image:{base_image}", "per_process": 1},
            "ramp": [1], "duration": 2,
            "traffic": {"runner": {"type": "constant", "times": 1}, "steps": ["build", "delete"]}}
    done, _ = _scale_run(tmp_path, shard_cloud, body)
    assert done.returncode == 2, done.stderr
    assert (f"image '{base_image}' cannot start shard scale-" in done.stderr
            and "runs `harness hollow run` as its entrypoint" in done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert docker.containers.list(all=True, filters={"ancestor": base_image,
                                                     "label": SESSION_LABEL}) == []
    assert _left_behind(rabbit_admin, rabbit_vhost) == []


def _watch_containers(docker: Any, seen: list[str]) -> None:
    """Add the image of each running container of this test's shard sessions, until an empty
    string is seen."""
    while "" not in seen:
        for session in SessionStore().all():
            if session.kind == "shard":
                found = docker.containers.list(filters={"label": f"{SESSION_LABEL}={session.id}"})
                seen += [container.attrs["Config"]["Image"] for container in found]
        time.sleep(0.5)


def test_a_missed_sla_exits_1_with_a_junit_failure(
        tmp_path: Path, shard_cloud: Path, rabbit_vhost: str,
        rabbit_admin: ManagementClient) -> None:
    done, out = _scale_run(tmp_path, shard_cloud, MISSED)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MISSED: max_avg_duration @ 5 hosts" in done.stdout
    suite = ET.parse(out / "junit.xml").getroot()
    failure = suite.find("testcase[@name='max_avg_duration @ 5 hosts']/failure")
    assert failure is not None and suite.get("failures") == "1"
    assert _left_behind(rabbit_admin, rabbit_vhost) == []


def test_ctrl_c_stops_the_ramp_and_tears_everything_down(
        tmp_path: Path, shard_cloud: Path, rabbit_vhost: str, state_dir: Path,
        rabbit_admin: ManagementClient) -> None:
    scenario = tmp_path / "long.yaml"
    scenario.write_text(yaml.safe_dump({**MISSED, "name": "it-long", "duration": 600}))
    job = subprocess.Popen(
        [sys.executable, "-m", "harness", "--cloud-config", str(shard_cloud), "scale", "run",
         str(scenario), "--cloud", cloud_of(shard_cloud).name, "-o", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and job.poll() is None:
            shard_sessions = [s for s in SessionStore().all() if s.kind == "shard"]
            if shard_sessions and shard_sessions[0].state == "running":
                break
            time.sleep(0.5)
        time.sleep(3)  # into the step's traffic
        job.send_signal(signal.SIGINT)
        out, err = job.communicate(timeout=120)
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()
    assert job.returncode == 1, err
    assert "interrupted: the ramp did not run to its end" in out, err
    assert _left_behind(rabbit_admin, rabbit_vhost) == []
    assert not list(state_dir.glob("sessions/*.json"))
