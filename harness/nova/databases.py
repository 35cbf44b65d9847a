"""The control plane's databases on the dev MariaDB: created, owned by its own user, synced."""

from pathlib import Path

import pymysql

from harness.nova.control_conf import NOVA_CONF, PLACEMENT_CONF
from harness.nova.layout import DATABASES, DB_USER, ControlSecrets, nova_dir
from harness.nova.venv import NOVA_VERSION, PLACEMENT_VERSION
from harness.system.process import run

DB_HOSTS = ("127.0.0.1", "localhost")


def _root() -> pymysql.connections.Connection:
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True)


def ensure_databases(secrets: ControlSecrets) -> list[str]:
    """Create the four databases and the control plane's user; the databases created now."""
    created = []
    conn = _root()
    with conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        existing = {row[0] for row in cur.fetchall()}
        for name in DATABASES.values():
            if name not in existing:
                cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
                created.append(name)
        for host in DB_HOSTS:
            cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
                        (DB_USER, host, secrets.database))
            cur.execute("ALTER USER %s@%s IDENTIFIED BY %s", (DB_USER, host, secrets.database))
            for name in DATABASES.values():
                cur.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@%s", (DB_USER, host))
    return created


def drop_databases() -> None:
    """Drop the four databases and the user (tests of a fresh start; never dev up)."""
    conn = _root()
    with conn, conn.cursor() as cur:
        for name in DATABASES.values():
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        for host in DB_HOSTS:
            cur.execute("DROP USER IF EXISTS %s@%s", (DB_USER, host))


def _stamp() -> Path:
    return nova_dir() / f"schema-nova-{NOVA_VERSION}-placement-{PLACEMENT_VERSION}"


def sync_schemas(venv: Path, fresh: bool) -> bool:
    """Run nova-manage and placement-manage once per versions (again when a database is new)."""
    if _stamp().is_file() and not fresh:
        return False
    conf = ["--config-file", str(nova_dir() / NOVA_CONF)]
    manage = [str(venv / "bin" / "nova-manage"), *conf]
    run([*manage, "api_db", "sync"])
    run([*manage, "cell_v2", "map_cell0"])  # cell0 is the cell database's name + "_cell0"
    if " cell1 " not in run([*manage, "cell_v2", "list_cells"]):
        run([*manage, "cell_v2", "create_cell", "--name", "cell1"])
    run([*manage, "db", "sync"])
    run([str(venv / "bin" / "placement-manage"), "--config-file",
         str(nova_dir() / PLACEMENT_CONF), "db", "sync"])
    _stamp().write_text("synced\n")
    return True
