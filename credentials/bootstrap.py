"""Configure a Vault for the harness, idempotently: engines, policies, AppRole, connections."""

from dataclasses import dataclass, field

import hvac

from credentials import approle, database, pki, rabbitmq
from credentials.database import DatabaseTarget
from credentials.layout import VaultLayout
from credentials.mounts import ensure_auth_method, ensure_secrets_engine
from credentials.policies import write_policies
from credentials.redaction import REDACTOR


@dataclass(frozen=True)
class RabbitAdmin:
    """The broker's management API and the administrator the engine creates users with."""

    management_url: str
    username: str
    password: str


@dataclass(frozen=True)
class DatabaseAdmin:
    """One database server connection of the engine, named for the roles that use it."""

    connection: str
    target: DatabaseTarget
    password: str


@dataclass(frozen=True)
class BootstrapPlan:
    """What to configure, and the lease lifetimes the cloud wants."""

    layout: VaultLayout
    lease_ttl: int
    max_lease_ttl: int
    rabbit: RabbitAdmin | None = None
    databases: list[DatabaseAdmin] = field(default_factory=list)


@dataclass(frozen=True)
class BootstrapResult:
    """What was created (as opposed to found and updated), and the harness's AppRole role_id."""

    created: list[str]
    role_id: str


def bootstrap(client: hvac.Client, plan: BootstrapPlan) -> BootstrapResult:
    """Bring Vault to the plan's state; running it twice changes nothing the second time."""
    layout, ttl, max_ttl = plan.layout, plan.lease_ttl, plan.max_lease_ttl
    created: list[str] = []
    engines = [(layout.pki, "pki")]
    if plan.rabbit:
        engines.append((layout.rabbitmq, "rabbitmq"))
    if plan.databases:
        engines.append((layout.database, "database"))
    for path, engine in engines:
        # The pki mount's ceiling caps the CA itself; each shard's role keeps leaves short.
        ceiling = max(max_ttl, pki.CA_TTL_SECONDS) if engine == "pki" else max_ttl
        if ensure_secrets_engine(client, path, engine, ttl, ceiling):
            created.append(f"secrets engine {path}")
    if pki.ensure_root_ca(client, layout.pki, max_ttl):
        created.append(f"root CA in {layout.pki}")
    if plan.rabbit:
        admin = plan.rabbit
        REDACTOR.add(admin.password)
        rabbitmq.configure_connection(client, layout.rabbitmq, admin.management_url,
                                      admin.username, admin.password)
        rabbitmq.configure_lease(client, layout.rabbitmq, ttl, max_ttl)
    for db in plan.databases:
        REDACTOR.add(db.password)
        database.configure_connection(client, layout.database, db.connection, db.target,
                                      db.password)
    write_policies(client, layout)
    if ensure_auth_method(client, layout.approle, "approle"):
        created.append(f"auth method {layout.approle}")
    role_id = approle.ensure_role(client, layout.approle, layout.harness_role,
                                  [layout.harness_policy], max_ttl, max_ttl)
    return BootstrapResult(created, role_id)
