"""A user and password some engine created, under a lease (the rabbitmq and database engines)."""

from dataclasses import dataclass
from typing import Any, Protocol

import hvac

from credentials.client import call_vault
from credentials.leases import Lease, lease_from


@dataclass(frozen=True)
class Login:
    """An issued account: what the shard logs in with, and the lease that ends it."""

    username: str
    password: str
    lease: Lease


def login_from(answer: dict[str, Any], kind: str) -> Login:
    """The account in an engine's creds answer."""
    data = answer["data"]
    return Login(str(data["username"]), str(data["password"]), lease_from(answer, kind))


class LoginEngine(Protocol):
    """What hvac's rabbitmq and database engine classes share."""

    def generate_credentials(self, name: str, mount_point: str) -> Any: ...

    def delete_role(self, name: str, mount_point: str) -> Any: ...


def issue_login(client: hvac.Client, engine: LoginEngine, mount: str, role: str, kind: str
                ) -> Login:
    """Have an engine create an account for a role, under a lease."""
    answer = call_vault(client.url, lambda: engine.generate_credentials(role, mount_point=mount))
    return login_from(answer, kind)


def delete_login_role(client: hvac.Client, engine: LoginEngine, mount: str, role: str) -> None:
    """Delete an engine's role (accounts already issued live on until their leases end)."""
    call_vault(client.url, lambda: engine.delete_role(role, mount_point=mount))
