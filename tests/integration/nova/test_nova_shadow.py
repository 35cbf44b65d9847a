"""Acceptance: a real nova-compute shadowed by a dev-nova candidate on the local nova cloud.

Production is a real nova-compute (`shard up --nova`); builds and deletes go through nova-api.
The candidate, a real nova-compute on the production host's name in its own vhost, gets the
mirrored build_and_run_instance and builds the instance ACTIVE in its own clone of the cell
database, through its own conductor and placement; both sides' effects are recorded. Production's
databases, queues and work are untouched, and stop (and gc after a killed driver) leave no
clone, process, vhost or login behind.
"""

import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import local_amqp_url
from harness.launchers import ShardHandle, get_launcher
from harness.nova.layout import VHOST, endpoint
from harness.nova.patched import patched_nova, regressions
from harness.nova.rest import compute_client
from harness.nova.side import CLONED
from harness.sessions import SessionStore
from harness.sessions.gc import is_dead
from harness.sessions.teardown import teardown
from harness.shadow.records import read_effects, read_jsonl, side_dir
from harness.shadow.session import records_dir
from harness.shards.readiness import consumers
from tests.integration.nova.production import (
    SETTLE_SECONDS,
    Snapshot,
    assert_nothing_left,
    boot_on,
    clone_vm_state,
    databases_of,
    mariadb,
    production_queues,
    server_status,
    settled,
    wait_for,
)
from tests.integration.shards.harness_cli import harness, shard_login

pytestmark = pytest.mark.timeout(900)
SERVERS = 3
SHADOW_STARTUP_SECONDS = 15.0  # the candidate's heartbeat (10 s) and resource report at start
SESSION_REGRESSION = "spawn-shutdown"  # named in the build's own Instance.save


def test_dev_nova_candidate_shadows_a_real_compute_and_touches_nothing_real(
        nova_config: Path, rabbit_admin: ManagementClient) -> None:
    host = f"cmp-{uuid.uuid4().hex[:6]}"
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", host, "--nova",
                 "--no-agent", "--ready-timeout", "120", "--json")
    production = json.loads(up.stdout)["session"]
    api = compute_client(endpoint("compute"))
    production_url = local_amqp_url(VHOST)
    try:
        queues_before = production_queues(rabbit_admin, host)
        before_start = settled(host, [])
        started = harness(nova_config, "shadow", "start", "--cloud", "nova-test", "--of", host,
                          "--candidate", "nova:", "--json")
        session = json.loads(started.stdout)["session"]
        login = shard_login(session, "candidate")
        try:
            assert sorted(databases_of(session)) == sorted(
                f"shadow_{session}_candidate_{which}" for which in CLONED)
            # The side's database user may reach its clones and nothing else.
            with mariadb() as conn, conn.cursor() as cur:
                cur.execute(f"SHOW GRANTS FOR 'shadow_{session}_candidate'@'127.0.0.1'")
                grants = " ".join(row[0] for row in cur.fetchall())
            assert grants.count("ON `shadow_") == len(CLONED) and "*.*" in grants
            assert "ALL PRIVILEGES ON *.*" not in grants
            time.sleep(SHADOW_STARTUP_SECONDS)
            # The clones, and the side's start (its compute's Service.save, ComputeNode.save and
            # placement inventory), wrote nothing to production.
            assert before_start.changes_about(Snapshot.take(), host, []) == {}

            servers = [boot_on(api, host) for _ in range(SERVERS)]
            for server in servers:
                wait_for(lambda s=server: server_status(api, s) == ("ACTIVE", host),
                         f"server {server} ACTIVE on {host} in production")
                wait_for(lambda s=server: clone_vm_state(session, s) == "active",
                         f"server {server} active in the candidate's clone")
            # Only production consumes its host's queue, and nothing waits in it.
            assert consumers(production_url, f"compute.{host}") == 1
            for server in servers:
                api.request("DELETE", f"/servers/{server}", ok=(204,))
            for server in servers:
                wait_for(lambda s=server: server_status(api, s)[0] == "DELETED",
                         f"server {server} deleted in production")
                wait_for(lambda s=server: clone_vm_state(session, s) == "deleted",
                         f"server {server} deleted in the candidate's clone")
            quiet = settled(host, servers)
            time.sleep(2)  # the taps see the last effects
        finally:
            harness(nova_config, "shadow", "stop", session)
        # The mirrored deletes' last effects and the session's end wrote nothing to production.
        assert quiet.changes_about(Snapshot.take(), host, servers) == {}
        assert production_queues(rabbit_admin, host) == queues_before
        assert_nothing_left(session, rabbit_admin, login, host)

        root = records_dir(session)
        triggers = [json.loads(line) for line in (root / "triggers.jsonl").read_text().splitlines()]
        builds = {t["instance"]: t["id"] for t in triggers
                  if t["method"] == "build_and_run_instance"}
        assert set(builds) == set(servers)
        for side in ("production", "candidate"):
            effects = read_effects(side_dir(root, side))
            for server, trigger in builds.items():
                caused = {(e["kind"], e["method"]) for e in effects if e["caused_by"] == trigger}
                assert ("rpc_call", "object_action") in caused, (side, server, caused)
                assert ("rpc_cast", "update_instance_info") in caused, (side, server, caused)
            assert all(e["real"] is (side == "production") for e in effects)
            assert any(e["caused_by"] == "periodic" for e in effects)
            # Each side's placement requests for each build: the compute's, not the
            # scheduler's claims that share the build's request id.
            requests = read_jsonl(side_dir(root, side) / "placement.jsonl")
            for server, trigger in builds.items():
                assert any(e["caused_by"] == trigger for e in requests), (side, server)
            assert {e["agent"] for e in requests} == {"nova-compute"}
        report = json.loads(harness(nova_config, "shadow", "report", session, "--format",
                                    "json", check=False).stdout)
        assert report["observable"]["rpc_call"] and report["observable"]["rpc_cast"]
        assert report["observable"]["http"]  # production's placement requests
        # The same nova as production does the same: nothing unexplained, and it needs nothing
        # off its side's own network.
        assert report["mismatches"] == [] and report["drift"] == [], report["mismatches"]
        assert not report["violations"], report["violations"]
        assert report["unexplained"] is False

        # gc after the driver is killed removes the same things stop does.
        started = harness(nova_config, "shadow", "start", "--cloud", "nova-test", "--of", host,
                          "--candidate", "nova:dev", "--json")
        crashed = json.loads(started.stdout)["session"]
        login = shard_login(crashed, "candidate")
        assert databases_of(crashed)
        store = SessionStore()
        os.kill(store.get(crashed).owner_pid, signal.SIGKILL)
        time.sleep(0.5)
        # What `harness gc` does with a dead session (its sweep of unmarked shards is machine
        # wide: it would stop other users' shards on a shared box).
        dead = store.get(crashed)
        assert is_dead(dead)
        removed = teardown(dead, store)
        assert any(item.startswith("database shadow_") for item in removed)
        assert_nothing_left(crashed, rabbit_admin, login, host)
    finally:
        harness(nova_config, "shard", "down", production)
    handle = ShardHandle.from_dict(json.loads(up.stdout)["shards"][0])
    assert not get_launcher("process").alive(handle)


def test_a_seeded_nova_regression_is_named_by_the_session_report(nova_config: Path) -> None:
    regression = regressions()[SESSION_REGRESSION]
    assert regression.expect is not None
    candidate = patched_nova(SESSION_REGRESSION)
    host = f"cmp-{uuid.uuid4().hex[:6]}"
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", host, "--nova",
                 "--no-agent", "--ready-timeout", "120", "--json")
    production = json.loads(up.stdout)["session"]
    api = compute_client(endpoint("compute"))
    try:
        started = harness(nova_config, "shadow", "start", "--cloud", "nova-test", "--of", host,
                          "--candidate", f"nova:{candidate}", "--json")
        session = json.loads(started.stdout)["session"]
        try:
            server = boot_on(api, host)
            wait_for(lambda: server_status(api, server) == ("ACTIVE", host),
                     f"server {server} ACTIVE on {host} in production")
            wait_for(lambda: clone_vm_state(session, server) == "active",
                     f"server {server} active in the candidate's clone")
            api.request("DELETE", f"/servers/{server}", ok=(204,))
            wait_for(lambda: clone_vm_state(session, server) == "deleted",
                     f"server {server} deleted in the candidate's clone")
            time.sleep(SETTLE_SECONDS)  # the taps see the last effects
        finally:
            harness(nova_config, "shadow", "stop", session)
        done = harness(nova_config, "shadow", "report", session, "--format", "json",
                       check=False)
        report = json.loads(done.stdout)
        named = {(m["category"], m["effect"], m["path"]) for m in report["mismatches"]}
        expect = regression.expect
        assert (expect.category, expect.effect, expect.path) in named, named
        assert done.returncode == 1
    finally:
        harness(nova_config, "shard", "down", production)
