"""Everything one shard gets from Vault, issued together and torn down together."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import hvac

from credentials import database, pki, rabbitmq
from credentials.bus import BusTarget
from credentials.database import DatabaseTarget
from credentials.database_grants import Mode
from credentials.delivery import Bundle
from credentials.errors import CredentialsError
from credentials.kv import read_kv_key
from credentials.layout import VaultLayout
from credentials.leases import Lease, revoke_prefix
from credentials.rabbitmq_permissions import production_permissions, shadow_permissions
from credentials.redaction import REDACTOR

RoleKind = Literal["rabbitmq", "database", "pki"]
CERT_FILES = {"cert_file": "cert.pem", "key_file": "key.pem", "ca_file": "ca.pem"}


@dataclass(frozen=True)
class RoleRef:
    """An engine role made for one shard, and the lease path everything it issued lives under."""

    kind: RoleKind
    mount: str
    name: str

    @property
    def lease_prefix(self) -> str:
        """<mount>/creds/<role>/ (or issue/ for pki): revoking it catches unrecorded leases too."""
        verb = "issue" if self.kind == "pki" else "creds"
        return f"{self.mount}/{verb}/{self.name}/"


@dataclass(frozen=True)
class ShardRequest:
    """What one shard needs: who it is, its mode, and which of the cloud's services it reaches."""

    session: str
    shard: str
    host: str
    mode: Mode
    ttl: int
    max_ttl: int
    bus: BusTarget | None = None
    vhost: str | None = None
    database: DatabaseTarget | None = None
    db_connection: str = ""
    certificate: bool = True
    kv: dict[str, str] = field(default_factory=dict)
    numbered: bool = False  # the process serves hosts <host>-0, <host>-1, ...

    @property
    def role_name(self) -> str:
        """One engine role per session and shard, so its leases share a revocable prefix."""
        return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{self.session}-{self.shard}")

    @property
    def bus_vhost(self) -> str:
        """The vhost the shard's user may enter: its shadow vhost, or production's."""
        if self.mode == "shadow":
            if not self.vhost:
                raise CredentialsError(f"shadow shard {self.shard}: no shadow vhost given")
            return self.vhost
        assert self.bus is not None
        return self.bus.production_vhost


@dataclass(frozen=True)
class IssuedShard:
    """What was issued for a shard: the roles to tear down, the leases, and the bundle."""

    roles: list[RoleRef]
    leases: list[Lease]
    bundle: Bundle


def planned_roles(layout: VaultLayout, request: ShardRequest) -> list[RoleRef]:
    """The roles issue_shard will create; record them before issuing so a crash can be undone."""
    roles: list[RoleRef] = []
    if request.bus:
        roles.append(RoleRef("rabbitmq", layout.rabbitmq, request.role_name))
    if request.database:
        roles.append(RoleRef("database", layout.database, request.role_name))
    if request.certificate:
        roles.append(RoleRef("pki", layout.pki, request.role_name))
    return roles


def _remember_pem(pem: str) -> None:
    """Register a private key and each of its base64 lines, so no fragment of it is logged."""
    REDACTOR.add(pem, *(line for line in pem.splitlines() if not line.startswith("-----")))


def issue_shard(
    client: hvac.Client, layout: VaultLayout, request: ShardRequest,
    on_lease: Callable[[Lease], None] | None = None,
) -> IssuedShard:
    """Create the shard's roles and issue from each; every secret is registered for redaction."""
    note = on_lease or (lambda lease: None)
    options: dict[str, dict[str, str]] = {}
    file_options: dict[str, dict[str, str]] = {}
    files: dict[str, str] = {}
    leases: list[Lease] = []
    if request.bus:
        bus = request.bus
        grant = (shadow_permissions(request.bus_vhost) if request.mode == "shadow" else
                 production_permissions(request.bus_vhost, request.host, bus.control_exchange,
                                        bus.topic, bus.alt_topics, bus.fanout_casts,
                                        request.numbered))
        rabbitmq.create_role(client, layout.rabbitmq, request.role_name, [grant])
        user = rabbitmq.issue(client, layout.rabbitmq, request.role_name)
        url = bus.transport_url(user.username, user.password, request.bus_vhost)
        REDACTOR.add(user.password, url)
        note(user.lease)
        leases.append(user.lease)
        options.setdefault("DEFAULT", {})["transport_url"] = url
    if request.database:
        target = request.database
        database.create_role(client, layout.database, request.role_name, request.db_connection,
                             target, request.mode, request.ttl, request.max_ttl)
        login = database.issue(client, layout.database, request.role_name)
        url = target.with_login(login.username, login.password)
        REDACTOR.add(login.password, url)
        note(login.lease)
        leases.append(login.lease)
        options.setdefault("database", {})["connection"] = url
    if request.certificate:
        pki.create_role(client, layout.pki, request.role_name, request.host, request.ttl,
                        request.max_ttl)
        cert = pki.issue(client, layout.pki, request.role_name, request.host, request.ttl)
        _remember_pem(cert.private_key)
        note(cert.lease)
        leases.append(cert.lease)
        files.update({"cert.pem": cert.certificate, "key.pem": cert.private_key,
                      "ca.pem": cert.issuing_ca})
        file_options["ssl"] = dict(CERT_FILES)
    for option, reference in request.kv.items():
        section, _, key = option.rpartition(".")
        value = read_kv_key(client, reference)
        REDACTOR.add(value)
        options.setdefault(section or "DEFAULT", {})[key] = value
    return IssuedShard(planned_roles(layout, request), leases, Bundle(options, file_options, files))


def revoke_roles(client: hvac.Client, roles: list[RoleRef]) -> None:
    """Revoke every lease under each role's prefix, then delete the role; try all, then report."""
    failures: list[CredentialsError] = []
    deleters = {"rabbitmq": rabbitmq.delete_role, "database": database.delete_role,
                "pki": pki.delete_role}
    for role in roles:
        try:
            revoke_prefix(client, role.lease_prefix)
            deleters[role.kind](client, role.mount, role.name)
        except CredentialsError as error:
            failures.append(error)
    if failures:
        # The first failure's class keeps its exit code (unreachable is 3, denied is 2).
        raise type(failures[0])("revocation incomplete: " + "; ".join(map(str, failures)))
