"""The harness's own clients for a cloud: its broker's management API and its Vault."""

from functools import cached_property
from urllib.parse import urlsplit

import hvac

from harness.bus.management import ManagementClient
from harness.config import Cloud
from harness.config.secrets import resolve_secret, vault_client
from harness.errors import ConfigError


def bus_user(cloud: Cloud) -> str:
    """The user name in the cloud's AMQP URL (never a guessed well-known one)."""
    user = urlsplit(cloud.bus.url).username
    if not user:
        raise ConfigError(f"cloud {cloud.name!r}: field bus.url: name the harness's broker user "
                          "(amqp://USER@HOST:PORT/VHOST)")
    return user


def bus_password(cloud: Cloud) -> str:
    """The harness's broker password, from wherever the cloud's config points."""
    if cloud.bus.password is None:
        raise ConfigError(f"cloud {cloud.name!r}: field bus.password: required for this command")
    return resolve_secret(cloud.bus.password, cloud)


class CloudClients:
    """Clients made on first use, so a command pays only for the services it touches."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    @cached_property
    def management(self) -> ManagementClient:
        """The broker's management API, as the harness."""
        if not self.cloud.bus.management_url:
            raise ConfigError(f"cloud {self.cloud.name!r}: field bus.management_url: required")
        return ManagementClient(self.cloud.bus.management_url, bus_user(self.cloud),
                                bus_password(self.cloud))

    @cached_property
    def vault(self) -> hvac.Client:
        """The harness's Vault client."""
        return vault_client(self.cloud)
