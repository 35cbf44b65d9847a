"""A shadow session on real RabbitMQ, OpenBao and MariaDB: start, status, stop, report.

Production is a hollow compute serving the sandbox; the candidate (missing a notification) and
the control run as separate processes, each in its own vhost with credentials for that vhost
only. Production must do all its own work; the report must name the candidate's change.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.bus.management import ManagementClient
from harness.hollow.shard_set import ShardSet
from harness.launchers import get_launcher
from harness.launchers.docker import IDLE_WEIGHT
from harness.sandbox.cloud import SandboxCloud
from harness.scheduling import IDLE_GROUP_NICE
from harness.shadow.records import read_effects, read_triggers, side_dir
from harness.shadow.session import records_dir
from harness.system.containers import docker_client
from tests.integration.shadow.conftest import drive, start_session, status
from tests.integration.shards.harness_cli import harness


def test_session_mirrors_compares_and_tears_down(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
    rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    sandbox, shards = production
    session = start_session(shard_cloud)
    shadow_vhosts = [v for v in rabbit_admin.vhosts() if v.startswith(f"shadow.{session}.")]
    assert sorted(shadow_vhosts) == [f"shadow.{session}.candidate", f"shadow.{session}.control"]

    live = drive(shard_cloud, session, sandbox, 10)
    assert live["state"] == "running" and live["mirrored"] == live["relayed"] == 30
    time.sleep(2)  # let the shadows finish the last lifecycle and the tap see its effects

    harness(shard_cloud, "shadow", "stop", session)
    # Production did all its own work: every operation was handled by it, none by a shadow.
    assert shards.counters()["handled"] >= 30
    assert not [v for v in rabbit_admin.vhosts() if v.startswith(f"shadow.{session}.")]
    assert not [q["name"] for q in rabbit_admin.queues(rabbit_vhost)
                if q["name"].startswith(("harness.mirror", "harness.tap"))]
    assert not [h for h in get_launcher("process").discover() if h.session == session]

    done = harness(shard_cloud, "shadow", "report", session, "--format", "json", check=False)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    named = {(m["category"], m["effect"]) for m in report["mismatches"]}
    assert ("missing", "notification:compute.cmp-p:instance.create.end") in named
    assert report["observable"]["notification"] and report["observable"]["rpc_call"]
    assert not report["observable"]["hypervisor"]  # the tap cannot see production's hypervisor
    assert not report["observable"]["rpc_reply"]  # nor its replies, without --firehose
    assert report["methods"]["build_and_run_instance"]["compared"] == 10


def test_kill_9_of_the_driver_then_gc_removes_everything(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
    rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    session = start_session(shard_cloud)
    from harness.sessions import SessionStore

    driver = SessionStore().get(session).owner_pid
    os.kill(driver, signal.SIGKILL)
    time.sleep(0.5)
    assert status(shard_cloud, session)["state"] == "dead"
    removed = json.loads(harness(shard_cloud, "gc", "--json").stdout)["removed"][session]
    assert any(item.startswith("shard candidate") for item in removed)
    assert any(item.startswith("creds_session") for item in removed)
    assert not [v for v in rabbit_admin.vhosts() if v.startswith(f"shadow.{session}.")]
    assert not [q["name"] for q in rabbit_admin.queues(rabbit_vhost)
                if q["name"].startswith(("harness.mirror", "harness.tap"))]
    assert not [h for h in get_launcher("process").discover() if h.session == session]


def test_a_yielding_session_stops_by_itself_while_every_cpu_is_busy(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
    rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    """Idle-scheduled, the driver gets next to no CPU time while production keeps every CPU
    busy (two busy loops per CPU here, each in a session, so a CPU group, of its own, as
    services are), not even to stop: `stop` gives it normal time back first, so it tears down
    by itself in the grace given, shards and mirror too, instead of being killed (it was, in
    45 s, without). With --shed as well, which the driver takes from the request."""
    session = start_session(shard_cloud, "--yield-cpu", "0.5", "--shed")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(2 * (os.cpu_count() or 1))]
    try:
        time.sleep(1)
        done = harness(shard_cloud, "shadow", "stop", session, "--timeout", "45")
    finally:
        for loop in busy:
            loop.kill()
            loop.wait()
    assert "was killed" not in done.stderr, done.stderr
    assert not [q["name"] for q in rabbit_admin.queues(rabbit_vhost)
                if q["name"].startswith("harness.mirror")]
    assert not [h for h in get_launcher("process").discover() if h.session == session]


def test_image_candidate_runs_in_docker_records_and_matches_production(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet], hollow_image: str,
) -> None:
    """A candidate given as an image runs as a labelled container on the host's network,
    records through its read-write mount an effect for every relayed message (the session
    waits until it consumes: a slow container once missed the first build), and, being the
    same code, shows no difference. The session yields: its shards run on idle CPU time only."""
    sandbox, _ = production
    session = start_session(shard_cloud, "--yield-cpu", "0.9",
                            candidate=f"image:{hollow_image}")
    running = [h for h in get_launcher("docker").discover() if h.session == session]
    assert [h.shard for h in running] == ["candidate"]
    container = docker_client().containers.get(running[0].ref)
    assert container.attrs["HostConfig"]["CpuShares"] == IDLE_WEIGHT  # an idle process's
    processes = [h for h in get_launcher("process").discover() if h.session == session]
    assert [h.shard for h in processes] == ["control"]  # the container's process is not one
    control = processes[0]
    pid = int(control.ref.partition(":")[0])
    assert os.getpriority(os.PRIO_PROCESS, pid) == 10
    assert os.sched_getscheduler(pid) == os.SCHED_IDLE
    # its own session's CPU group (the kernel's autogroup) at the least weight, as the driver's
    assert Path(f"/proc/{pid}/autogroup").read_text().split()[-1] == str(IDLE_GROUP_NICE)
    drive(shard_cloud, session, sandbox, 5)
    time.sleep(2)  # the shadows finish the last lifecycle
    harness(shard_cloud, "shadow", "stop", session)
    assert not [h for h in get_launcher("docker").discover() if h.session == session]

    root = records_dir(session)
    triggers = read_triggers(root)
    assert len(triggers) == 15
    effects = read_effects(side_dir(root, "candidate"))
    assert {e["caused_by"] for e in effects if e.get("caused_by")} == set(triggers)
    assert {(e["side"], e["real"]) for e in effects} == {("candidate", False)}
    done = harness(shard_cloud, "shadow", "report", session, "--format", "json", check=False)
    report = json.loads(done.stdout)
    assert report["methods"]["build_and_run_instance"]["compared"] == 5
    assert report["mismatches"] == [] and report["drift"] == [], report["mismatches"]
    assert done.returncode == 0
