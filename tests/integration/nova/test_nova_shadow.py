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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import local_amqp_url
from harness.errors import InfrastructureError
from harness.launchers import ShardHandle, get_launcher
from harness.nova.compute_conf import node_uuid
from harness.nova.layout import DATABASES, VHOST, endpoint
from harness.nova.patched import patched_nova, regressions
from harness.nova.rest import compute_client
from harness.nova.side import CLONED, running
from harness.sandbox.image_service import image_id
from harness.sessions import SessionStore
from harness.sessions.gc import is_dead
from harness.sessions.teardown import teardown
from harness.shadow.records import read_effects, read_jsonl, side_dir
from harness.shadow.session import records_dir
from harness.shards.readiness import consumers
from tests.integration.shards.harness_cli import harness, shard_login

pytestmark = pytest.mark.timeout(900)
SERVERS = 3
# Tables production's own nova-compute writes by itself every few seconds (its heartbeat and its
# resource report): they change whether or not a session runs.
HEARTBEAT_TABLES = {DATABASES["cell1"]: {"services", "compute_nodes"}}
SHADOW_STARTUP_SECONDS = 15.0  # the candidate's heartbeat (10 s) and resource report at start
SETTLE_SECONDS = 3.0
OTHERS_BUMP = {"generation", "updated_at"}  # columns other users' servers on the host change
SESSION_REGRESSION = "spawn-shutdown"  # named in the build's own Instance.save


def _root() -> Any:
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True)


@dataclass(frozen=True)
class Snapshot:
    """Production's cell and placement databases at one moment: CHECKSUM TABLE of every table
    (but the heartbeat tables), and every row, to tell apart whose rows changed."""

    sums: dict[str, Any]
    rows: dict[str, frozenset[tuple[Any, ...]]]
    columns: dict[str, list[str]]

    @classmethod
    def take(cls) -> "Snapshot":
        sums, rows, columns = {}, {}, {}
        with _root() as conn, conn.cursor() as cur:
            for which in CLONED:
                database = DATABASES[which]
                cur.execute(f"SHOW FULL TABLES FROM `{database}` WHERE Table_type = 'BASE TABLE'")
                for table, _type in cur.fetchall():
                    if table in HEARTBEAT_TABLES.get(database, set()):
                        continue
                    name = f"`{database}`.`{table}`"
                    cur.execute(f"CHECKSUM TABLE {name} EXTENDED")
                    sums[name] = cur.fetchone()[1]
                    cur.execute(f"SELECT * FROM {name}")
                    rows[name] = frozenset(cur.fetchall())
                    columns[name] = [column[0] for column in cur.description]
        return cls(sums, rows, columns)

    def instances(self) -> set[str]:
        """Every instance production's cell database holds."""
        name = f"`{DATABASES['cell1']}`.`instances`"
        column = self.columns[name].index("uuid")
        return {str(row[column]) for row in self.rows[name]}

    def changes_about(self, later: "Snapshot", host: str,
                      servers: list[str]) -> dict[str, list[Any]]:
        """The rows that changed between the two snapshots and are about this host (they name
        it, its node, its resource provider or its servers), by table.

        The nova cloud is shared: other users' servers may land on this host meanwhile, so rows
        naming another instance, and provider generations (bumped by their allocations), are
        theirs to change."""
        names, providers = {host, node_uuid(host), *servers}, provider_ids(host)
        theirs = (self.instances() | later.instances()) - set(servers)
        found = {}
        for name, checksum in self.sums.items():
            if later.sums.get(name) == checksum:
                continue
            columns = self.columns[name]
            kept = [i for i, column in enumerate(columns) if column not in OTHERS_BUMP]
            changed = {tuple(row[i] for i in kept)
                       for row in self.rows[name] ^ later.rows.get(name, frozenset())}
            changed -= {tuple(row[i] for i in kept) for row in self.rows[name]} & {
                tuple(row[i] for i in kept) for row in later.rows.get(name, frozenset())}
            mine = [row for row in changed
                    if not theirs & {str(value) for value in row}
                    and any(str(value) in names or (columns[i].endswith("provider_id")
                                                    and value in providers)
                            for i, value in zip(kept, row, strict=True))]
            if mine:
                found[name] = mine
        return found


def settled(host: str, servers: list[str], timeout: float = 120) -> Snapshot:
    """A snapshot once production's own work about the host is over: nothing about it changed
    for SETTLE_SECONDS."""
    deadline = time.monotonic() + timeout
    earlier = Snapshot.take()
    while True:
        time.sleep(SETTLE_SECONDS)
        later = Snapshot.take()
        if not earlier.changes_about(later, host, servers):
            return later
        assert time.monotonic() < deadline, f"production still busy with {host} after {timeout}s"
        earlier = later


def provider_ids(host: str) -> set[int]:
    """Placement's internal ids of the host's resource provider."""
    with _root() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT id FROM `{DATABASES['placement']}`.resource_providers "
                    "WHERE uuid = %s", (node_uuid(host),))
        return {int(row[0]) for row in cur.fetchall()}


def databases_of(session: str) -> list[str]:
    """The clone databases of a session that exist now."""
    with _root() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (f"shadow\\_{session}\\_%",))
        return [row[0] for row in cur.fetchall()]


def users_of(session: str) -> list[str]:
    """The database users of a session's sides that exist now."""
    with _root() as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT User FROM mysql.user WHERE User LIKE %s",
                    (f"shadow\\_{session}\\_%",))
        return [row[0] for row in cur.fetchall()]


def clone_vm_state(session: str, server: str) -> str | None:
    """The instance's vm_state in the candidate's clone of the cell database."""
    with _root() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT vm_state FROM `shadow_{session}_candidate_cell1`.instances "
                    "WHERE uuid = %s", (server,))
        row = cur.fetchone()
        return row[0] if row else None


def wait_for(check: Callable[[], bool], what: str, timeout: float = 180) -> None:
    """Poll until check holds (generous: the box is shared), else fail naming what."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not after {timeout:.0f}s"
        time.sleep(0.5)


def boot_on(api: Any, host: str) -> str:
    """POST /servers onto `host` (an administrator may name it); the server's id."""
    body = {"server": {"name": f"t-{uuid.uuid4().hex[:6]}", "flavorRef": "harness-tiny",
                       "imageRef": image_id("cirros-0.6.2"), "networks": "none",
                       "availability_zone": f"nova:{host}"}}
    return str(api.request("POST", "/servers", body)[1]["server"]["id"])


def server_status(api: Any, server: str) -> tuple[str, str | None]:
    """The server's status and host as nova-api shows it (DELETED once gone; UNKNOWN while the
    shared nova-api is too busy to answer in time)."""
    try:
        status, body = api.request("GET", f"/servers/{server}", ok=(200, 404))
    except InfrastructureError:
        return "UNKNOWN", None
    if status == 404:
        return "DELETED", None
    return body["server"]["status"], body["server"].get("OS-EXT-SRV-ATTR:host")


def side_processes(session: str) -> list[int]:
    """The side conductor and placement processes of a session still running."""
    logs = records_dir(session) / "logs"
    return [pid for pidfile in logs.glob("*.nova/*.pid") if (pid := running(pidfile))]


def production_queues(admin: ManagementClient, host: str) -> dict[str, int]:
    """Production's queues of this host in the nova vhost: name -> messages waiting."""
    return {q["name"]: q.get("messages", 0) for q in admin.queues(VHOST) if host in q["name"]}


def assert_nothing_left(session: str, admin: ManagementClient, login: Callable[[], bool],
                        host: str) -> None:
    """No clone, database user, process, shadow vhost, harness queue or working login."""
    assert databases_of(session) == []
    assert users_of(session) == []
    assert side_processes(session) == []
    assert not [h for h in get_launcher("process").discover() if h.session == session]
    assert not [v for v in admin.vhosts() if v.startswith(f"shadow.{session}.")]
    assert not [q["name"] for q in admin.queues(VHOST) if session in q["name"]]
    assert not login()


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
            with _root() as conn, conn.cursor() as cur:
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
