"""Static secrets kept in a KV version 2 engine."""

from typing import Any

import hvac

from credentials.client import call_vault
from credentials.errors import VaultDenied


def read_kv(client: hvac.Client, mount: str, path: str) -> dict[str, Any]:
    """Read the latest version of a KV v2 secret's data."""
    answer = call_vault(
        client.url,
        lambda: client.secrets.kv.v2.read_secret_version(
            mount_point=mount, path=path, raise_on_deleted_version=True
        ),
    )
    return dict(answer["data"]["data"])


def read_kv_key(client: hvac.Client, reference: str) -> str:
    """Read one key of a KV v2 secret named 'MOUNT/PATH#KEY'."""
    location, _, key = reference.partition("#")
    mount, _, path = location.partition("/")
    data = read_kv(client, mount, path)
    if key not in data:
        raise VaultDenied(f"Vault secret {location} has no key {key!r}")
    return str(data[key])


def write_kv(client: hvac.Client, mount: str, path: str, data: dict[str, Any]) -> None:
    """Write a new version of a KV v2 secret."""
    call_vault(
        client.url,
        lambda: client.secrets.kv.v2.create_or_update_secret(
            mount_point=mount, path=path, secret=data
        ),
    )
