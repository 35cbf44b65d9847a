"""A cloud's settings mapped onto credentials' inputs: broker, database, bootstrap plan, TTLs."""

import functools
import os
from urllib.parse import urlsplit

from credentials.bootstrap import BootstrapPlan, DatabaseAdmin, RabbitAdmin
from credentials.bus import BusTarget
from credentials.database import DatabaseTarget, probed_target
from credentials.layout import VaultLayout
from harness.bus.management import ManagementClient
from harness.config.schema import Cloud, Vault
from harness.config.secrets import resolve_secret
from harness.errors import ConfigError, UsageError

SUFFIX_VARIABLE = "HARNESS_CREDS_MOUNT_SUFFIX"


def vault_settings(cloud: Cloud) -> Vault:
    """The cloud's vault section, which every creds command needs."""
    if cloud.vault is None:
        raise ConfigError(f"cloud {cloud.name!r}: field vault: required for credentials")
    return cloud.vault


def layout_for(cloud: Cloud, suffix: str | None = None) -> VaultLayout:
    """Default mount and role names (KV mount from the cloud), suffixed by the argument or by
    $HARNESS_CREDS_MOUNT_SUFFIX, so every command of one installation uses the same layout."""
    chosen = os.environ.get(SUFFIX_VARIABLE, "") if suffix is None else suffix
    return VaultLayout(kv=vault_settings(cloud).kv_mount).suffixed(chosen)


def lease_ttls(cloud: Cloud, ttl: int | None = None) -> tuple[int, int]:
    """(ttl, max_ttl) for issued credentials: the cloud's, or a shorter one asked for."""
    vault = vault_settings(cloud)
    chosen = ttl or vault.lease_ttl
    if chosen > vault.max_lease_ttl:
        raise UsageError(
            f"TTL {chosen}s exceeds cloud {cloud.name!r}'s vault.max_lease_ttl "
            f"({vault.max_lease_ttl}s)"
        )
    return chosen, vault.max_lease_ttl


def bus_target(cloud: Cloud) -> BusTarget:
    """The cloud's broker as credentials sees it."""
    return BusTarget(cloud.bus.url, cloud.bus.control_exchange)


def database_target(cloud: Cloud) -> DatabaseTarget | None:
    """The cloud's database server, if it has one Vault can issue users for (not SQLite)."""
    if cloud.database is None or cloud.database.url.startswith("sqlite"):
        return None
    return _probed(cloud.database.url, _database_password(cloud))


def _database_password(cloud: Cloud) -> str:
    """The database administrator's password, resolved ("" when the URL's user has none)."""
    password = cloud.database.password if cloud.database else None
    return resolve_secret(password, cloud) if password else ""


@functools.lru_cache(maxsize=8)
def _probed(url: str, password: str) -> DatabaseTarget:
    """One probe per server for the whole process (every shard's issue asks)."""
    return probed_target(url, password)


def _bus_admin(cloud: Cloud) -> tuple[str, str, str]:
    """(management URL, user, password) of the broker's administrator."""
    bus = cloud.bus
    if not bus.management_url:
        raise ConfigError(f"cloud {cloud.name!r}: field bus.management_url: required here")
    user = urlsplit(bus.url).username
    if not user or bus.password is None:
        raise ConfigError(
            f"cloud {cloud.name!r}: field bus: the URL's user and bus.password are needed "
            "to administer the broker"
        )
    return bus.management_url, user, resolve_secret(bus.password, cloud)


def management(cloud: Cloud) -> ManagementClient:
    """The broker's management API as its administrator (to create shadow vhosts)."""
    return ManagementClient(*_bus_admin(cloud))


def bootstrap_plan(cloud: Cloud, layout: VaultLayout) -> BootstrapPlan:
    """Everything bootstrap configures for a cloud, its admin secrets resolved at run time."""
    vault = vault_settings(cloud)
    databases = []
    target = database_target(cloud)
    if target:
        databases.append(DatabaseAdmin(cloud.name, target, _database_password(cloud)))
    return BootstrapPlan(
        layout=layout, lease_ttl=vault.lease_ttl, max_lease_ttl=vault.max_lease_ttl,
        rabbit=RabbitAdmin(*_bus_admin(cloud)), databases=databases,
    )
