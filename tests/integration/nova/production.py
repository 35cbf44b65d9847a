"""Production's side of a nova shadow session as the tests see it: its cell and placement
databases (snapshots, and which rows changed about a host), its queues, its servers, and what a
session must leave behind (nothing)."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pymysql

from harness.bus.management import ManagementClient
from harness.errors import InfrastructureError
from harness.launchers import get_launcher
from harness.nova.compute_conf import node_uuid
from harness.nova.layout import DATABASES, VHOST
from harness.nova.side import CLONED, running
from harness.sandbox.image_service import image_id
from harness.shadow.session import records_dir

# Tables production's own nova-compute writes by itself every few seconds (its heartbeat and its
# resource report): they change whether or not a session runs.
HEARTBEAT_TABLES = {DATABASES["cell1"]: {"services", "compute_nodes"}}
SETTLE_SECONDS = 3.0
OTHERS_BUMP = {"generation", "updated_at"}  # columns other users' servers on the host change


def mariadb() -> Any:
    """The dev MariaDB as its administrator."""
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
        with mariadb() as conn, conn.cursor() as cur:
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
    with mariadb() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT id FROM `{DATABASES['placement']}`.resource_providers "
                    "WHERE uuid = %s", (node_uuid(host),))
        return {int(row[0]) for row in cur.fetchall()}


def databases_of(session: str) -> list[str]:
    """The clone databases of a session that exist now."""
    with mariadb() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (f"shadow\\_{session}\\_%",))
        return [row[0] for row in cur.fetchall()]


def users_of(session: str) -> list[str]:
    """The database users of a session's sides that exist now."""
    with mariadb() as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT User FROM mysql.user WHERE User LIKE %s",
                    (f"shadow\\_{session}\\_%",))
        return [row[0] for row in cur.fetchall()]


def clone_vm_state(session: str, server: str) -> str | None:
    """The instance's vm_state in the candidate's clone of the cell database."""
    with mariadb() as conn, conn.cursor() as cur:
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
