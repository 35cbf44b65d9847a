"""A hostile candidate, as a process and as a container, against real RabbitMQ, MariaDB,
PostgreSQL, OpenBao and Docker: everything a patch could try is refused, production does all its
own work, and the report lists every attempt.

What the machine's own services allow to any local process (MariaDB's root and PostgreSQL's
postgres without a password, RabbitMQ's guest until `harness dev up` retires it, nova-local's
placement and nova-api, anything listening on loopback) is not the harness's to close: the test
asks which of it answers any local process, and the candidate, process or container, must reach
none of it, as a shadow has a network namespace of its own where only its broker answers; its
gate names every port it was refused (docs/security.md).
"""

import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pymysql
import pytest
from sqlalchemy import text

from harness.bus import RPCClient, Target, Transport
from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import MANAGEMENT_URL, WELL_KNOWN_USER
from harness.errors import HarnessError
from harness.hollow.shard_set import ShardSet
from harness.images import build_from_directory
from harness.launchers import get_launcher
from harness.launchers.identity import FIRST_UID
from harness.launchers.netgate import BROKER_REFUSAL
from harness.nova.layout import PORTS as NOVA_PORTS
from harness.sandbox.cloud import SandboxCloud
from harness.shadow.session import records_dir
from harness.system.containers import docker_client
from tests.conftest import ROOT_TOKEN_FILE
from tests.integration.shadow.conftest import HOST
from tests.integration.shards.harness_cli import cloud_of, harness, login_works

SCRIPT = Path(__file__).with_name("hostile_candidate.py")
NETWORK_REFUSAL = "refused by the network namespace"
PROJECT = Path(__file__).resolve().parents[3]
# Refused by the harness's confinement, the broker's and Vault's permissions, or the guard.
REFUSED = {
    f"read: Vault token {ROOT_TOKEN_FILE}", "read: the harness's state directory",
    "read: other sessions' bundles", "read: the control shard's bundle",
    "read: credentials sessions' state", "broker: own credentials in production's vhost",
    "broker: declare in production's vhost", "broker: publish to production's vhost",
    "broker: consume production's queue", "management API: own credentials",
    "database: write with own read-only account", "vault: every token found",
    "signal: the harness", "signal: any other process", "ptrace: the harness",
    "ptrace: pid 1",
    "write: the harness's source tree", "write: /etc", "write: /var/tmp",
    "write: its own credentials directory", "guard: socket to 127.0.0.1:3306",
    "guard: subprocess",
}


def _mariadb_root() -> bool:
    try:
        pymysql.connect(host="127.0.0.1", user="root", connect_timeout=3).close()
    except pymysql.MySQLError:
        return False
    return True


def _postgres_trust() -> bool:
    try:
        psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                         connect_timeout=3).close()
    except psycopg2.Error:
        return False
    return True


def _guest_management() -> bool:
    try:
        ManagementClient(MANAGEMENT_URL, WELL_KNOWN_USER, WELL_KNOWN_USER).users()
    except HarnessError:
        return False
    return True


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 3).close()
    except OSError:
        return False
    return True


# What the machine itself lets any local process do, asked as the test (not as the candidate).
MACHINE: dict[str, Callable[[], bool]] = {
    "database: MariaDB root without a password": _mariadb_root,
    "database: PostgreSQL postgres without a password": _postgres_trust,
    "management API: well-known guest": _guest_management,
}


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port this test listens on: anything on the host's loopback a candidate could reach."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def _candidate(kind: str, given: dict[str, object], tmp_path: Path,
               request: pytest.FixtureRequest) -> str:
    """`cmd:` running the script here, or an image running it as its entrypoint (removed after
    the test)."""
    if kind == "cmd":
        return f"cmd:{sys.executable} {SCRIPT} '{json.dumps(given)}'"
    context = tmp_path / "hostile-image"
    context.mkdir()
    (context / "hostile.py").write_text(SCRIPT.read_text())
    (context / "Dockerfile").write_text(
        f"FROM {request.getfixturevalue('hollow_image')}\nCOPY hostile.py /opt/hostile.py\n"
        f"ENTRYPOINT {json.dumps(['python', '/opt/hostile.py', json.dumps(given)])}\n")
    tag = f"shadow-harness/hostile:{tmp_path.name.lower()[-20:]}"
    build_from_directory(context, tag)
    request.addfinalizer(lambda: docker_client().images.remove(tag, force=True))
    return f"image:{tag}"


@pytest.mark.parametrize("kind", ["cmd", "image"])
def test_hostile_candidate_is_refused_everything(
    kind: str, shard_cloud: Path, production: tuple[SandboxCloud, ShardSet], rabbit_vhost: str,
    rabbit_admin: ManagementClient, state_dir: Path, tmp_path: Path, listening_port: int,
    request: pytest.FixtureRequest,
) -> None:
    sandbox, shards = production
    ports = {"placement (nova-local)": NOVA_PORTS["placement"],
             "nova-api (nova-local)": NOVA_PORTS["compute"],
             "a port the test listens on": listening_port}
    given = {"production_vhost": rabbit_vhost, "host": HOST, "state_dir": str(state_dir),
             "token_files": [str(ROOT_TOKEN_FILE)], "vault": "http://127.0.0.1:8200",
             "project": str(PROJECT), "harness_pid": os.getpid(), "ports": ports}
    candidate = _candidate(kind, given, tmp_path, request)
    cloud = cloud_of(shard_cloud)
    done = harness(shard_cloud, "shadow", "start", "--cloud", cloud.name, "--of", HOST,
                   "--candidate", candidate, "--control", "hollow", "--json")
    started = json.loads(done.stdout)
    session = started["session"]
    handled_before = shards.counters().get("handled", 0)
    traffic = sandbox.traffic(timeout=30)
    traffic.run(5, rate=5)
    transport = Transport(sandbox.bus_url, "nova")
    try:
        client = RPCClient(transport, Target("compute", server=HOST, version="6.0"), timeout=10)
        assert client.call({"request_id": "req-console"}, "get_console_output",
                           instance={"nova_object.name": "Instance",
                                     "nova_object.data": {"uuid": "no-such"}}) == ""
    except Exception as error:  # production's own answer (a failure here) is what must come
        assert "FORGED" not in str(error)
    finally:
        transport.close()
    harness(shard_cloud, "shadow", "stop", session)
    assert not [h for launcher in ("process", "docker") for h in get_launcher(launcher).discover()
                if h.session == session]

    report = json.loads(harness(shard_cloud, "shadow", "report", session, "--format", "json",
                                check=False).stdout)
    outcome = {v["target"]: v["method"] for v in report["violations"]
               if v["method"] in ("refused", "ESCAPED")}
    machine = {name: allows() for name, allows in MACHINE.items()}
    machine.update({f"network: {name}": _answers(port) for name, port in ports.items()})
    machine["broker: well-known guest in production's vhost"] = login_works(
        f"amqp://{WELL_KNOWN_USER}:{WELL_KNOWN_USER}@127.0.0.1:5672/{rabbit_vhost}")
    assert machine["network: a port the test listens on"]
    assert set(outcome) == REFUSED | set(machine), set(outcome) ^ (REFUSED | set(machine))
    escaped = {name for name, method in outcome.items() if method == "ESCAPED"}
    assert escaped == set(), escaped
    # its gate names every port it refused, whatever the candidate reports
    refused = {v["target"] for v in report["violations"] if v["method"] == NETWORK_REFUSAL}
    tried = {f"127.0.0.1:{port}" for port in (3306, 5432, 8200, 15672, *ports.values())}
    assert tried <= refused, tried - refused
    # and every broker login and vhost the broker refused it, whoever it logged in as
    broker = {v["target"] for v in report["violations"] if v["method"] == BROKER_REFUSAL}
    assert "amqp://guest@127.0.0.1:5672/" in broker, broker
    assert [t for t in broker if t.endswith(f"/{rabbit_vhost}")
            and not t.startswith("amqp://guest@")], broker
    assert traffic.book.failures == {}
    assert shards.counters().get("handled", 0) - handled_before >= 15
    with sandbox.store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM instances WHERE uuid = 'hostile'")
                            ).scalar() == 0
    assert "hostile" not in {q["name"] for q in rabbit_admin.queues(rabbit_vhost)}
    assert not (PROJECT / "hostile-was-here").exists()

    assert any(v["method"] == "forged reply" for v in report["violations"])
    assert {"socket.connect", "subprocess.Popen"} <= {v["method"] for v in report["violations"]}
    uids = {s["shard"]: s["uid"] for s in started["shards"]}
    assert len(set(uids.values())) == 2 and all(u >= FIRST_UID for u in uids.values()), uids
    log = (records_dir(session) / "logs" / "candidate.log")
    if kind == "cmd":  # the process's log is the harness's; a container's went with it
        assert "hostile: serving" in log.read_text()
