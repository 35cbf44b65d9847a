"""The rabbitmq secrets engine: its connection to the management API, roles, and credentials."""

import json

import hvac

from credentials.client import call_vault
from credentials.logins import Login, delete_login_role, issue_login
from credentials.rabbitmq_permissions import VhostPermissions


def configure_connection(
    client: hvac.Client, mount: str, management_url: str, username: str, password: str
) -> None:
    """Point the engine at the broker's management API with an administrator account."""
    call_vault(client.url, lambda: client.secrets.rabbitmq.configure(
        connection_uri=management_url.rstrip("/"), username=username, password=password,
        verify_connection=True, mount_point=mount,
    ))


def configure_lease(client: hvac.Client, mount: str, ttl: int, max_ttl: int) -> None:
    """Set how long the engine's users live unless renewed, and at most."""
    call_vault(
        client.url, lambda: client.secrets.rabbitmq.configure_lease(ttl, max_ttl, mount_point=mount)
    )


def create_role(
    client: hvac.Client, mount: str, name: str, permissions: list[VhostPermissions]
) -> None:
    """A role whose users get exactly these vhost permissions and no management tags."""
    vhosts: dict[str, dict[str, str]] = {}
    for entry in permissions:
        vhosts.update(entry.as_role_entry())
    call_vault(client.url, lambda: client.secrets.rabbitmq.create_role(
        name, tags="", vhosts=json.dumps(vhosts), mount_point=mount
    ))


def delete_role(client: hvac.Client, mount: str, name: str) -> None:
    """Delete a role (users already issued live on until their leases end)."""
    delete_login_role(client, client.secrets.rabbitmq, mount, name)


def issue(client: hvac.Client, mount: str, role: str) -> Login:
    """Have Vault create a broker user for a role, under a lease."""
    return issue_login(client, client.secrets.rabbitmq, mount, role, "rabbitmq")
