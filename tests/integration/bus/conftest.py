"""Fixtures for bus tests: a transport and a running server set on the test's own vhost."""

from collections.abc import Callable, Iterator
from typing import Any

import oslo_messaging
import pytest
from oslo_config import cfg

from harness.bus import ServerSet, Transport
from harness.bus.failures import OSLO_DISPATCHER_MODULE
from tests.conftest import unique


@pytest.fixture
def exchange() -> str:
    """A control exchange name no other test uses."""
    return unique("ctl")


@pytest.fixture
def transport(amqp_url: str, exchange: str) -> Iterator[Transport]:
    """Our transport on the test's vhost, closed after."""
    with Transport(amqp_url, control_exchange=exchange) as transport:
        yield transport


@pytest.fixture
def servers(transport: Transport) -> Iterator[ServerSet]:
    """A started server set on the test's vhost, stopped after."""
    server_set = ServerSet(transport)
    server_set.start()
    yield server_set
    server_set.stop()


@pytest.fixture
def oslo_transport(amqp_url: str) -> Iterator[Any]:
    """oslo.messaging's RPC transport on the same vhost (the reference implementation)."""
    transport = oslo_messaging.get_rpc_transport(
        cfg.CONF, url=amqp_url.replace("amqp://", "rabbit://", 1),
        allowed_remote_exmods=[OSLO_DISPATCHER_MODULE],
    )
    yield transport
    transport.cleanup()


@pytest.fixture
def oslo_server(oslo_transport: Any) -> Iterator[Callable[..., Any]]:
    """Start oslo RPC servers (threading executor); each is stopped and waited for after."""
    started: list[Any] = []

    def start(target: Any, endpoints: list[object]) -> Any:
        server = oslo_messaging.get_rpc_server(
            oslo_transport, target, endpoints, executor="threading",
        )
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        server.wait()
