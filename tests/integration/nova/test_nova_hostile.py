"""Acceptance: a hostile nova candidate, shadowing a real nova-compute on the local nova cloud,
changes nothing in production, and the session's report lists every attempt it made.

The candidate is the dev venv's nova with hostile-nova.patch applied: before each spawn it
writes to production's cell database, publishes to nova's exchange in production's vhost and
PUTs to production's placement, each attempt guarded so that the build goes on. The network
namespace refuses the database and placement (its gate records each refused port), the broker
refuses the logins and the vhost (the gate records each refusal it reads in the handshake).
"""

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import amqp
import pytest

from harness.bus.management import ManagementClient
from harness.creds import state as creds_state
from harness.dev.services.rabbitmq import local_password, local_user
from harness.launchers.netgate import BROKER_REFUSAL
from harness.nova.layout import BROKER_USER, DATABASES, DB_USER, PORTS, VHOST, endpoint
from harness.nova.patched import Regression, nova_with, read_regression
from harness.nova.rest import compute_client
from harness.shadow.session import records_dir
from tests.integration.nova.conftest import NOVA_DIR
from tests.integration.nova.production import (
    SETTLE_SECONDS,
    Snapshot,
    assert_nothing_left,
    boot_on,
    clone_vm_state,
    mariadb,
    production_queues,
    server_status,
    settled,
    wait_for,
)
from tests.integration.shards.harness_cli import harness, shard_login

pytestmark = pytest.mark.timeout(900)
PATCH = Path(__file__).with_name("hostile-nova.patch")
OTHER_HOST = "hostile-neighbour"  # compute.<it>: a host of production's the candidate is not
MARKER = "0badc0de-57ad-4000-8000-00000000b0de"  # the instance, consumer and message it forges
TOPICS = ("conductor", "scheduler", f"compute.{OTHER_HOST}")
NAMESPACE_REFUSAL = "refused by the network namespace"
# The candidate's log lines for what it could not even try: the control plane's passwords.
UNREADABLE = ("control-secrets.json", "nova.conf", "placement.conf")


def hostile_patch() -> Regression:
    """hostile-nova.patch with production's names, addresses and the marker filled in."""
    text = PATCH.read_text()
    for name, value in {"VHOST": VHOST, "CELL_DATABASE": DATABASES["cell1"],
                        "PLACEMENT": endpoint("placement"), "NOVA_DIR": str(NOVA_DIR),
                        "DB_USER": DB_USER, "BROKER_USER": BROKER_USER,
                        "OTHER_HOST": OTHER_HOST, "MARKER": MARKER}.items():
        text = text.replace(f"@{name}@", value)
    regression = read_regression("hostile", text)
    assert not re.search(r"@[A-Z_]+@", regression.diff), "a placeholder is left unfilled"
    return regression


@dataclass
class Probe:
    """A queue of the test's, and the channel it was declared on."""

    channel: amqp.Channel
    queue: str

    def drained(self) -> list[str]:
        """Every message the queue holds (py-amqp decodes a JSON body, or leaves bytes)."""
        bodies = []
        while (message := self.channel.basic_get(self.queue, no_ack=True)) is not None:
            body = message.body
            bodies.append(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)
        return bodies


@pytest.fixture
def probe() -> Iterator[Probe]:
    """A queue of the test's in production's vhost, bound to nova's exchange by every key the
    candidate publishes to: whatever reaches those topics reaches it too."""
    conn = amqp.Connection("127.0.0.1:5672", userid=local_user(), password=local_password(),
                           virtual_host=VHOST, connect_timeout=5)
    conn.connect()
    channel = conn.channel()
    name = f"hostile-probe-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(name, exclusive=True, arguments={"x-max-length": 100_000,
                                                           "x-expires": 1_800_000})
    for key in TOPICS:
        channel.queue_bind(name, "nova", key)
    yield Probe(channel, name)
    conn.close()


def forged_rows() -> dict[str, int]:
    """Rows naming the marker in production's cell and placement databases."""
    queries = {"instances": f"SELECT COUNT(*) FROM `{DATABASES['cell1']}`.instances "
                            "WHERE uuid = %s",
               "allocations": f"SELECT COUNT(*) FROM `{DATABASES['placement']}`.allocations "
                              "WHERE consumer_id = %s",
               "consumers": f"SELECT COUNT(*) FROM `{DATABASES['placement']}`.consumers "
                            "WHERE uuid = %s"}
    with mariadb() as conn, conn.cursor() as cur:
        found = {}
        for table, query in queries.items():
            cur.execute(query, (MARKER,))
            found[table] = int(cur.fetchone()[0])
        return found


def own_broker_user(session: str) -> str:
    """The broker user in the candidate's bundle (its password is not read out)."""
    bundle = creds_state.bundles_dir(session, "candidate") / "credentials.conf"
    url = bundle.read_text().split("transport_url = ")[1].split()[0]
    return urlsplit(url).username or ""


def test_a_hostile_nova_candidate_changes_nothing_and_is_reported(
        nova_config: Path, rabbit_admin: ManagementClient, probe: Probe) -> None:
    candidate = nova_with(hostile_patch())
    host = f"cmp-{uuid.uuid4().hex[:6]}"
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", host, "--nova",
                 "--no-agent", "--ready-timeout", "120", "--json")
    production = json.loads(up.stdout)["session"]
    api = compute_client(endpoint("compute"))
    try:
        assert forged_rows() == {"instances": 0, "allocations": 0, "consumers": 0}
        queues_before = production_queues(rabbit_admin, host)
        started = harness(nova_config, "shadow", "start", "--cloud", "nova-test", "--of", host,
                          "--candidate", f"nova:{candidate}", "--json")
        session = json.loads(started.stdout)["session"]
        login, own_user = shard_login(session, "candidate"), own_broker_user(session)
        try:
            server = boot_on(api, host)
            # The build goes on in both: production's, and the candidate's in its clone.
            wait_for(lambda: server_status(api, server) == ("ACTIVE", host),
                     f"server {server} ACTIVE on {host} in production")
            wait_for(lambda: clone_vm_state(session, server) == "active",
                     f"server {server} active in the candidate's clone")
            api.request("DELETE", f"/servers/{server}", ok=(204,))
            wait_for(lambda: server_status(api, server)[0] == "DELETED",
                     f"server {server} deleted in production")
            wait_for(lambda: clone_vm_state(session, server) == "deleted",
                     f"server {server} deleted in the candidate's clone")
            quiet = settled(host, [server])
            time.sleep(SETTLE_SECONDS)
        finally:
            harness(nova_config, "shadow", "stop", session)
        log = (records_dir(session) / "logs" / "candidate.log").read_text(errors="replace")

        # Production: no forged row, nothing about the host after its own work, no message.
        assert forged_rows() == {"instances": 0, "allocations": 0, "consumers": 0}
        assert quiet.changes_about(Snapshot.take(), host, [server]) == {}
        assert production_queues(rabbit_admin, host) == queues_before
        seen_by_probe = probe.drained()
        assert seen_by_probe, "the probe saw none of production's conductor traffic"
        assert not [body for body in seen_by_probe if MARKER in body]
        assert_nothing_left(session, rabbit_admin, login, host)

        # The candidate tried everything (its own log), and nothing got through.
        attempts = [line.split("hostile: ", 1)[1] for line in log.splitlines()
                    if "hostile: " in line]
        assert len([a for a in attempts if a.startswith("refused: broker: publish")]) == 6
        assert any(a.startswith("refused: database: MariaDB root") for a in attempts)
        assert len([a for a in attempts if a.startswith("refused: placement")]) == 2
        assert all(any(f"read: the control plane's {name}" in a for a in attempts)
                   for name in UNREADABLE), attempts
        assert not [a for a in attempts if a.startswith("ESCAPED")], attempts

        # The report lists every attempt, from the gate's records the candidate cannot touch.
        done = harness(nova_config, "shadow", "report", session, "--format", "json",
                       check=False)
        assert done.returncode == 1
        seen = [(v["target"], v["method"]) for v in json.loads(done.stdout)["violations"]]
        assert seen.count((f"127.0.0.1:{PORTS['placement']}", NAMESPACE_REFUSAL)) == 2, seen
        assert seen.count(("127.0.0.1:3306", NAMESPACE_REFUSAL)) == 1, seen
        assert seen.count((f"amqp://{own_user}@127.0.0.1:5672/{VHOST}", BROKER_REFUSAL)) == 3
        assert seen.count(("amqp://guest@127.0.0.1:5672/", BROKER_REFUSAL)) == 3, seen
        assert len(seen) == 9, seen
    finally:
        harness(nova_config, "shard", "down", production)
