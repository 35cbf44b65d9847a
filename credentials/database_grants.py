"""SQL the database engine runs to create and drop a shard's user, per engine and mode.

Shadow gets SELECT only; production gets the row-level writes a service needs (no DDL: schema
changes belong to migrations, run by their own tooling). Vault fills in {{name}}, {{password}}
and {{expiration}}.
"""

import re
from dataclasses import dataclass
from typing import Literal

from credentials.errors import CredentialsError

Mode = Literal["shadow", "production"]
Engine = Literal["mysql", "postgresql"]
PRODUCTION_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
SAFE_IDENTIFIER = re.compile(r"^[A-Za-z0-9_$-]{1,64}$")


@dataclass(frozen=True)
class RoleStatements:
    """What Vault runs when it issues a user, and when it revokes one."""

    creation: list[str]
    revocation: list[str]


def engine_of(url: str) -> Engine:
    """The engine family a SQLAlchemy-style URL names."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in ("mysql", "mariadb"):
        return "mysql"
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    raise CredentialsError(f"no Vault database plugin for URL scheme {scheme!r}")


def _identifier(name: str, what: str) -> str:
    """Refuse a database or schema name that would need quoting inside the statements."""
    if not SAFE_IDENTIFIER.match(name):
        raise CredentialsError(f"{what} name {name!r} must match {SAFE_IDENTIFIER.pattern}")
    return name


def privileges(mode: Mode) -> tuple[str, ...]:
    """The table privileges a shard of this mode gets."""
    return PRODUCTION_PRIVILEGES if mode == "production" else ("SELECT",)


def mysql_statements(database: str, mode: Mode, kill_by_user: bool = False) -> RoleStatements:
    """A MariaDB/MySQL user with table privileges on one database only.

    DROP USER leaves the user's open connections working, privileges and all; MariaDB can end
    them by name (`kill_by_user`), MySQL cannot (its shards must be stopped first)."""
    db = _identifier(database, "database")
    user = "'{{name}}'@'%'"
    revocation = [f"DROP USER IF EXISTS {user}"]
    if kill_by_user:
        revocation.append("KILL USER '{{name}}'")
    return RoleStatements(
        creation=[
            f"CREATE USER {user} IDENTIFIED BY '{{{{password}}}}'",
            f"GRANT {', '.join(privileges(mode))} ON `{db}`.* TO {user}",
        ],
        revocation=revocation,
    )


def postgresql_statements(database: str, mode: Mode, schemas: tuple[str, ...] = ("public",)
                          ) -> RoleStatements:
    """A PostgreSQL login role with table privileges in some schemas of one database."""
    db = _identifier(database, "database")
    role = '"{{name}}"'
    grant = ", ".join(privileges(mode))
    creation = [
        f"CREATE ROLE {role} WITH LOGIN PASSWORD '{{{{password}}}}' "
        "VALID UNTIL '{{expiration}}'",
        f'GRANT CONNECT ON DATABASE "{db}" TO {role}',
    ]
    revocation = [
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}'"
    ]
    for schema in (_identifier(s, "schema") for s in schemas):
        creation += [
            f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
            f'GRANT {grant} ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
        ]
        if mode == "production":
            creation.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')
        revocation += [
            f'REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA "{schema}" FROM {role}',
            f'REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA "{schema}" FROM {role}',
            f'REVOKE USAGE ON SCHEMA "{schema}" FROM {role}',
        ]
    revocation += [f'REVOKE CONNECT ON DATABASE "{db}" FROM {role}', f"DROP ROLE IF EXISTS {role}"]
    return RoleStatements(creation, revocation)


def statements_for(engine: Engine, database: str, mode: Mode,
                   kill_by_user: bool = False) -> RoleStatements:
    """The statements for an engine family (PostgreSQL's revocation always ends connections)."""
    if engine == "mysql":
        return mysql_statements(database, mode, kill_by_user)
    return postgresql_statements(database, mode)
