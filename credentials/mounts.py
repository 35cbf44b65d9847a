"""Secrets engines and auth methods, enabled idempotently at configurable paths."""

from typing import Any

import hvac

from credentials.client import call_vault
from credentials.errors import CredentialsError


def _listing(answer: dict[str, Any]) -> dict[str, Any]:
    """Mount listings come with the entries at top level and again under data."""
    return dict(answer.get("data") or answer)


def ensure_secrets_engine(
    client: hvac.Client, path: str, engine: str, default_lease_ttl: int, max_lease_ttl: int,
    options: dict[str, str] | None = None,
) -> bool:
    """Enable an engine at path unless it is there (then retune it); True when created."""
    key = path.strip("/") + "/"
    mounted = _listing(call_vault(client.url, client.sys.list_mounted_secrets_engines)).get(key)
    if mounted and mounted.get("type") != engine:
        raise CredentialsError(f"Vault mount {key} is a {mounted.get('type')} engine, not {engine}")
    if mounted:
        call_vault(client.url, lambda: client.sys.tune_mount_configuration(
            key, default_lease_ttl=f"{default_lease_ttl}s", max_lease_ttl=f"{max_lease_ttl}s"
        ))
        return False
    config = {"default_lease_ttl": f"{default_lease_ttl}s", "max_lease_ttl": f"{max_lease_ttl}s"}
    call_vault(client.url, lambda: client.sys.enable_secrets_engine(
        engine, path=key, config=config, options=options
    ))
    return True


def ensure_auth_method(client: hvac.Client, path: str, method: str) -> bool:
    """Enable an auth method at path unless it is there; True when created."""
    key = path.strip("/") + "/"
    enabled = _listing(call_vault(client.url, client.sys.list_auth_methods)).get(key)
    if enabled and enabled.get("type") != method:
        raise CredentialsError(f"Vault auth mount {key} is {enabled.get('type')}, not {method}")
    if enabled:
        return False
    call_vault(client.url, lambda: client.sys.enable_auth_method(method, path=key))
    return True


def disable_secrets_engine(client: hvac.Client, path: str) -> None:
    """Disable an engine, revoking every lease it issued."""
    call_vault(client.url, lambda: client.sys.disable_secrets_engine(path))


def disable_auth_method(client: hvac.Client, path: str) -> None:
    """Disable an auth method, revoking every token it issued."""
    call_vault(client.url, lambda: client.sys.disable_auth_method(path))
