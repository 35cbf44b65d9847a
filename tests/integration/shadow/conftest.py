"""Fixtures for shadow tests: a production vhost plus shadow vhosts, all removed afterwards."""

from collections.abc import Callable, Iterator

import pytest

from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import LOCAL_PASSWORD, LOCAL_USER
from tests.conftest import unique


def url_for(vhost: str) -> str:
    """The administrator's AMQP URL for a vhost."""
    return f"amqp://{LOCAL_USER}:{LOCAL_PASSWORD}@127.0.0.1:5672/{vhost}"


@pytest.fixture
def make_vhost(rabbit_admin: ManagementClient) -> Iterator[Callable[[str], str]]:
    """Create named vhosts for one test; every one is deleted afterwards."""
    made: list[str] = []

    def make(prefix: str) -> str:
        vhost = unique(prefix).replace("_", ".")
        rabbit_admin.create_vhost(vhost)
        rabbit_admin.set_permissions(vhost, LOCAL_USER)
        made.append(vhost)
        return vhost

    yield make
    for vhost in made:
        rabbit_admin.delete_vhost(vhost)
