"""Acceptance: `harness scale run` against the real nova cloud: a ramp of hollow hosts, and a
real nova-compute as a shard, take the job's builds (a flavor and an availability zone or a
resource class of the job's own) through nova-api and nowhere else, the conductor, cell
database and broker are sampled, SLAs judged, JUnit written; and nothing is left in nova,
placement or the broker afterwards."""

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pymysql
import yaml

from harness.cloud.clients import CloudClients
from harness.config import load_cloud
from harness.nova.layout import DATABASES, VHOST, endpoint
from harness.nova.rest import compute_client, compute_services, placement_client
from harness.sessions import SessionStore
from tests.background import interruptible

HOLLOW = {
    "name": "it-nova-hollow",
    "shards": {"per_process": 5, "report_interval": 2},
    "ramp": [5, 10],
    "duration": 6,
    "traffic": {"runner": {"type": "constant", "times": 4, "concurrency": 2},
                "steps": ["build", "reboot", "delete"], "timeout": 60},
    "sla": {"failure_rate": {"max": 0}, "max_seconds_per_iteration": 60,
            "heartbeat_late": {"max": 50}, "conductor_cpu": {"max": 100}},
}
REAL = {
    "name": "it-nova-real",
    "shards": {"kind": "nova", "ready_timeout": 120},
    "ramp": [1],
    "duration": 4,
    "traffic": {"runner": {"type": "constant", "times": 2, "concurrency": 2},
                "steps": ["build", "delete"], "timeout": 60},
    "sla": {"failure_rate": {"max": 0}},
}


def _scale_run(config: Path, tmp_path: Path, body: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """Run the scenario on the test's nova cloud; its JSON report and report directory."""
    scenario, out = tmp_path / f"{body['name']}.yaml", tmp_path / "reports"
    scenario.write_text(yaml.safe_dump(body))
    done = subprocess.run([sys.executable, "-m", "harness", "--cloud-config", str(config),
                           "scale", "run", str(scenario), "--cloud", "nova-test", "-o",
                           str(out)], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    assert "verdict: PASSED" in done.stdout
    return json.loads((out / "report.json").read_text()), out


def _builds(session: str, cell: str = "cell1") -> list[tuple[str, bool]]:
    """The host of every server the job built and whether it is deleted (nova keeps a deleted
    server's row), found by the job's flavor, whose id carries the session id; cell0 holds
    those that were never scheduled."""
    conn = pymysql.connect(host="127.0.0.1", user="root", database=DATABASES[cell])
    with conn, conn.cursor() as cur:
        cur.execute("SELECT i.host, i.deleted FROM instances i JOIN instance_extra e "
                    "ON e.instance_uuid = i.uuid WHERE e.flavor LIKE %s",
                    (f"%scale-{session}%",))
        return [(str(row[0]), bool(row[1])) for row in cur.fetchall()]


def _hosts_of_builds(session: str) -> list[str]:
    """Where the job's servers were built."""
    return [host for host, _ in _builds(session)]


def _left_in_nova(config: Path, session: str) -> dict[str, list[str]]:
    """What of the job nova, placement and the broker still hold."""
    api, placement = compute_client(endpoint("compute")), placement_client(endpoint("placement"))
    prefix = f"scale-{session}-"
    mine = session.upper()
    return {
        "services": [s["host"] for s in compute_services(api) if s["host"].startswith(prefix)],
        "providers": [p["name"] for p in placement.get("/resource_providers")[
            "resource_providers"] if p["name"].startswith(prefix)],
        "flavors": [f["id"] for f in api.get("/flavors?is_public=None")["flavors"]
                    if session in f["id"]],
        "aggregates": [a["name"] for a in api.get("/os-aggregates")["aggregates"]
                       if session in a["name"]],
        "resource classes": [c["name"] for c in placement.get("/resource_classes")[
            "resource_classes"] if mine in c["name"]],
        "queues": [q["name"] for q in CloudClients(load_cloud("nova-test", config))
                   .management.queues(VHOST) if prefix in q["name"]],
        "sessions": [s.id for s in SessionStore().all()],
        "servers": [f"{cell}:{host}" for cell in ("cell1", "cell0")
                    for host, deleted in _builds(session, cell) if not deleted],
    }


def _nothing_left(config: Path, session: str) -> None:
    left = _left_in_nova(config, session)
    assert left == {name: [] for name in left}, left


def test_a_ramp_of_hollow_hosts_into_real_nova(nova_config: Path, tmp_path: Path) -> None:
    report, out = _scale_run(nova_config, tmp_path, HOLLOW)
    session = report["session"]
    assert [s["hosts"] for s in report["steps"]] == [5, 10]
    for step in report["steps"]:
        assert step["iterations"] == 4 and step["failure_rate_pct"] == 0
        assert step["conductor_cpu_pct"] is not None  # nova-conductor found through the broker
        assert step["db_statements_per_s"] > 0
        assert step["heartbeat_late_pct"] is not None  # the cell database's services table
    placed = _hosts_of_builds(session)
    assert len(placed) == 8 and all(h.startswith(f"scale-{session}-") for h in placed), placed
    suite = ET.parse(out / "junit.xml").getroot()
    assert suite.get("failures") == "0" and len(suite.findall("testcase")) == 2 * 4
    _nothing_left(nova_config, session)


def test_a_real_nova_compute_shard_takes_the_jobs_builds(nova_config: Path,
                                                          tmp_path: Path) -> None:
    report, out = _scale_run(nova_config, tmp_path, REAL)
    session = report["session"]
    assert [(s["hosts"], s["iterations"]) for s in report["steps"]] == [(1, 2)]
    placed = _hosts_of_builds(session)
    assert len(placed) == 2 and all(h.startswith(f"scale-{session}-") for h in placed), placed
    assert ET.parse(out / "junit.xml").getroot().get("failures") == "0"
    _nothing_left(nova_config, session)


def test_ctrl_c_while_builds_are_in_flight_leaves_nothing(nova_config: Path,
                                                           tmp_path: Path) -> None:
    scenario = tmp_path / "long.yaml"
    scenario.write_text(yaml.safe_dump({**HOLLOW, "name": "it-nova-long", "ramp": [3],
                                        "duration": 600}))
    job = subprocess.Popen(
        [sys.executable, "-m", "harness", "--cloud-config", str(nova_config), "scale", "run",
         str(scenario), "--cloud", "nova-test", "-o", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    try:
        session, deadline = None, time.monotonic() + 180
        while time.monotonic() < deadline and job.poll() is None:
            session = next((s.id for s in SessionStore().all() if s.kind == "scale"), session)
            if session and _builds(session):
                break
            time.sleep(0.5)
        job.send_signal(signal.SIGINT)
        out, err = job.communicate(timeout=240)
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()
    assert session is not None and job.returncode == 1, err[-3000:]
    assert "interrupted: the ramp did not run to its end" in out, err[-3000:]
    _nothing_left(nova_config, session)
    assert _hosts_of_builds(session), "no build was in flight when the job was interrupted"
