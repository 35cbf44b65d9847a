"""Vault policies: what the harness may do, and what a shard may do (almost nothing)."""

import functools

import hvac

from credentials.client import call_vault
from credentials.layout import VaultLayout


def harness_policy(layout: VaultLayout) -> str:
    """Manage per-shard roles, issue from them, renew and revoke their leases; nothing else."""
    rules = []
    for mount, roles, issue in (
        (layout.rabbitmq, "roles", "creds"),
        (layout.database, "roles", "creds"),
        (layout.pki, "roles", "issue"),
    ):
        rules += [
            f'path "{mount}/{roles}/*" {{ capabilities = ["create", "update", "read", "delete"] }}',
            f'path "{mount}/{issue}/*" {{ capabilities = ["read", "update"] }}',
            f'path "sys/leases/revoke-prefix/{mount}/{issue}/*" '
            '{ capabilities = ["update", "sudo"] }',
        ]
    rules += [
        f'path "{layout.pki}/cert/*" {{ capabilities = ["read"] }}',
        f'path "{layout.kv}/data/*" {{ capabilities = ["read"] }}',
        'path "sys/leases/renew" { capabilities = ["update"] }',
        'path "sys/leases/lookup" { capabilities = ["update"] }',
        'path "sys/wrapping/wrap" { capabilities = ["update"] }',
    ]
    return "\n".join(rules) + "\n"


# A shard holds no Vault token of its own beyond unwrapping the bundle meant for it.
SHARD_POLICY = 'path "sys/wrapping/unwrap" { capabilities = ["update"] }\n'


def write_policies(client: hvac.Client, layout: VaultLayout) -> None:
    """Create or update both policies (idempotent)."""
    for name, text in (
        (layout.harness_policy, harness_policy(layout)),
        (layout.shard_policy, SHARD_POLICY),
    ):
        call_vault(client.url, functools.partial(client.sys.create_or_update_policy, name, text))


def delete_policies(client: hvac.Client, layout: VaultLayout) -> None:
    """Delete both policies."""
    for name in (layout.harness_policy, layout.shard_policy):
        call_vault(client.url, functools.partial(client.sys.delete_policy, name))
