"""The database secrets engine: admin connections, per-shard roles, and short-lived users."""

from contextlib import closing
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import hvac
import pymysql

from credentials.client import call_vault
from credentials.database_grants import Engine, Mode, engine_of, statements_for
from credentials.errors import CredentialsError
from credentials.logins import Login, delete_login_role, issue_login

PLUGINS: dict[Engine, str] = {
    "mysql": "mysql-database-plugin",
    "postgresql": "postgresql-database-plugin",
}


@dataclass(frozen=True)
class DatabaseTarget:
    """One database as the cloud names it: a SQLAlchemy-style URL without a password."""

    url: str
    kill_by_user: bool = False  # the server ends a revoked user's connections by name (MariaDB)

    @property
    def engine(self) -> Engine:
        """mysql or postgresql."""
        return engine_of(self.url)

    @property
    def name(self) -> str:
        """The database (schema, in MySQL's words) the URL selects."""
        name = urlsplit(self.url).path.lstrip("/")
        if not name:
            raise CredentialsError(f"database URL {self.url!r} names no database")
        return name

    @property
    def admin_user(self) -> str:
        """The account the URL logs in as, which Vault uses to create users."""
        default = "postgres" if self.engine == "postgresql" else "root"
        return urlsplit(self.url).username or default

    def plugin_url(self) -> str:
        """The engine plugin's connection_url, Vault filling in the admin's name and password."""
        parts = urlsplit(self.url)
        where = f"{parts.hostname}:{parts.port or (5432 if self.engine == 'postgresql' else 3306)}"
        if self.engine == "mysql":
            return f"{{{{username}}}}:{{{{password}}}}@tcp({where})/"
        sslmode = parse_qs(parts.query).get("sslmode", ["prefer"])[0]
        return f"postgresql://{{{{username}}}}:{{{{password}}}}@{where}/{self.name}?sslmode={sslmode}"

    def with_login(self, username: str, password: str) -> str:
        """The URL a shard connects with: this one, logged in as an issued user."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        login = f"{quote(username, safe='')}:{quote(password, safe='')}@{parts.hostname}{port}"
        return urlunsplit((parts.scheme, login, parts.path, parts.query, ""))


def probed_target(url: str, password: str) -> DatabaseTarget:
    """The target as its server really is: MySQL-family URLs name MariaDB just as often, and
    only MariaDB can end a revoked user's open connections (KILL USER), so ask the server."""
    target = DatabaseTarget(url)
    if target.engine != "mysql":
        return target
    parts = urlsplit(url)
    try:
        with closing(pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                                     user=target.admin_user, password=password,
                                     connect_timeout=5)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            row = cursor.fetchone()
    except pymysql.MySQLError as error:
        raise CredentialsError(f"database {parts.hostname}:{parts.port or 3306} did not answer "
                               f"as {target.admin_user}: {error.args[-1]}") from None
    return replace(target, kill_by_user=bool(row) and "mariadb" in str(row[0]).lower())


def configure_connection(
    client: hvac.Client, mount: str, connection: str, target: DatabaseTarget, password: str
) -> None:
    """Give the engine an admin connection to a database server, usable by every role."""
    call_vault(client.url, lambda: client.secrets.database.configure(
        connection, PLUGINS[target.engine], verify_connection=True, allowed_roles=["*"],
        mount_point=mount, connection_url=target.plugin_url(),
        username=target.admin_user, password=password,
    ))


def create_role(
    client: hvac.Client, mount: str, name: str, connection: str, target: DatabaseTarget,
    mode: Mode, ttl: int, max_ttl: int,
) -> None:
    """A role issuing users with the privileges of a mode on the target database."""
    statements = statements_for(target.engine, target.name, mode, target.kill_by_user)
    call_vault(client.url, lambda: client.secrets.database.create_role(
        name, connection, statements.creation, default_ttl=ttl, max_ttl=max_ttl,
        revocation_statements=statements.revocation, mount_point=mount,
    ))


def delete_role(client: hvac.Client, mount: str, name: str) -> None:
    """Delete a role (users already issued live on until their leases end)."""
    delete_login_role(client, client.secrets.database, mount, name)


def issue(client: hvac.Client, mount: str, role: str) -> Login:
    """Have Vault create a database user for a role, under a lease."""
    return issue_login(client, client.secrets.database, mount, role, "database")
