"""Database credentials: shadow reads only; production writes rows but changes no schema."""

import uuid
from typing import Any

import hvac
import psycopg2
import pymysql
import pytest
import sqlalchemy
from sqlalchemy.exc import DBAPIError

from credentials import database
from credentials.database_grants import Mode
from credentials.layout import VaultLayout
from credentials.leases import revoke_prefix
from credentials.logins import Login
from credentials.mounts import ensure_secrets_engine

SETUP = [
    "CREATE TABLE instances (id INTEGER PRIMARY KEY, host VARCHAR(64))",
    "INSERT INTO instances (id, host) VALUES (1, 'cmp-1')",
]
WRITES = {
    "insert": "INSERT INTO instances (id, host) VALUES (2, 'cmp-2')",
    "update": "UPDATE instances SET host = 'moved' WHERE id = 1",
    "delete": "DELETE FROM instances WHERE id = 1",
}
DDL = {
    "create": "CREATE TABLE sneaky (id INTEGER)",
    "alter": "ALTER TABLE instances ADD COLUMN extra INTEGER",
    "drop": "DROP TABLE instances",
}


def driver(url: str) -> str:
    """SQLAlchemy 2.1 picks psycopg 3 for postgresql://; psycopg2 is what is installed."""
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def as_admin(url: str, statements: list[str]) -> None:
    engine = sqlalchemy.create_engine(driver(url))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sqlalchemy.text(statement))
    engine.dispose()


MYSQL_DENIED = {1142, 1044, 1227}  # command denied on table / database; needs privilege
PG_DENIED = "42501"  # insufficient_privilege


def assert_denied(url: str, statement: str) -> None:
    """The statement fails for lack of privilege, not for any other reason."""
    with pytest.raises(DBAPIError) as failure:
        attempt(url, statement)
    orig = failure.value.orig
    if url.startswith("mysql"):
        assert orig.args[0] in MYSQL_DENIED, (statement, orig)  # type: ignore[union-attr]
    else:
        assert getattr(orig, "pgcode", None) == PG_DENIED, (statement, orig)


def attempt(url: str, statement: str) -> Any:
    """Run one statement as the issued user in its own transaction; returns rows for SELECT."""
    engine = sqlalchemy.create_engine(driver(url), poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(sqlalchemy.text(statement))
            return result.fetchall() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


DATABASES = ["mariadb_database", "postgres_database"]


@pytest.fixture(params=DATABASES)
def admin_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on each engine; set up before the Vault mount, so dropped after it."""
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def engine_mount(vault_root: hvac.Client, admin_url: str, layout: VaultLayout) -> str:
    ensure_secrets_engine(vault_root, layout.database, "database", 60, 120)
    return layout.database


def issue_user(client: hvac.Client, mount: str, url: str, mode: Mode
               ) -> tuple[database.DatabaseTarget, Login]:
    target = database.probed_target(url, "")
    connection, role = f"c{uuid.uuid4().hex[:8]}", f"r{uuid.uuid4().hex[:8]}"
    database.configure_connection(client, mount, connection, target, "")
    database.create_role(client, mount, role, connection, target, mode, 60, 120)
    return target, database.issue(client, mount, role)


def seeded_user_url(client: hvac.Client, mount: str, admin_url: str, mode: Mode) -> str:
    """Seed the test table, issue a user of a mode, and return the URL it logs in with."""
    as_admin(admin_url, SETUP)
    target, login = issue_user(client, mount, admin_url, mode)
    return target.with_login(login.username, login.password)


def test_shadow_user_selects_but_cannot_write_or_change_schema(
    vault_root: hvac.Client, engine_mount: str, admin_url: str,
) -> None:
    url = seeded_user_url(vault_root, engine_mount, admin_url, "shadow")
    assert [tuple(row) for row in attempt(url, "SELECT id, host FROM instances")] == [(1, "cmp-1")]
    for statement in [*WRITES.values(), *DDL.values()]:
        assert_denied(url, statement)
    untouched = attempt(admin_url, "SELECT id, host FROM instances")
    assert [tuple(row) for row in untouched] == [(1, "cmp-1")]


def test_production_user_writes_rows_but_not_schema(
    vault_root: hvac.Client, engine_mount: str, admin_url: str,
) -> None:
    url = seeded_user_url(vault_root, engine_mount, admin_url, "production")
    for statement in WRITES.values():
        attempt(url, statement)
    for statement in DDL.values():
        assert_denied(url, statement)


def login_to(admin_url: str, login: Login, name: str | None = None) -> Any:
    """A raw driver connection as an issued user (to tell 'login refused' from other errors)."""
    if admin_url.startswith("mysql"):
        return pymysql.connect(host="127.0.0.1", user=login.username, password=login.password,
                               database=name, connect_timeout=3)
    return psycopg2.connect(host="127.0.0.1", user=login.username, password=login.password,
                            dbname=name or "postgres", connect_timeout=3)


def test_revoking_the_role_prefix_drops_the_user(
    vault_root: hvac.Client, engine_mount: str, admin_url: str,
) -> None:
    _, login = issue_user(vault_root, engine_mount, admin_url, "shadow")
    login_to(admin_url, login).close()
    role_prefix = login.lease.lease_id.rsplit("/", 1)[0]
    revoke_prefix(vault_root, role_prefix)
    with pytest.raises((pymysql.MySQLError, psycopg2.OperationalError)):
        login_to(admin_url, login)


def test_revoking_ends_the_users_open_connections(
    vault_root: hvac.Client, engine_mount: str, admin_url: str,
) -> None:
    """DROP USER alone leaves an open MariaDB connection writing: revocation must end it."""
    as_admin(admin_url, SETUP)
    _, login = issue_user(vault_root, engine_mount, admin_url, "production")
    name = admin_url.rsplit("/", 1)[1].split("?")[0]
    conn = login_to(admin_url, login, name)
    with conn.cursor() as cursor:
        cursor.execute("UPDATE instances SET host = 'before' WHERE id = 1")
    conn.commit()
    revoke_prefix(vault_root, login.lease.lease_id.rsplit("/", 1)[0])
    with pytest.raises((pymysql.MySQLError, psycopg2.Error)), conn.cursor() as cursor:
        cursor.execute("UPDATE instances SET host = 'after' WHERE id = 1")
        conn.commit()
    hosts = attempt(admin_url, "SELECT host FROM instances WHERE id = 1")
    assert [tuple(row) for row in hosts] == [("before",)]
