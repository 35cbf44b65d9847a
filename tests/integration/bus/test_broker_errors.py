"""A cast or call the broker cannot take raises the bus's own MessageDeliveryFailure (exit 3),
never a kombu, py-amqp or socket error, and never shows the password."""

import socket
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from harness.bus import MessageDeliveryFailure, RPCClient, Target, Transport
from harness.exitcodes import ExitCode


def _with_netloc(url: str, *, port: int | None = None, password: str | None = None) -> str:
    """The URL with its port or password replaced."""
    parts = urlsplit(url)
    netloc = (f"{parts.username}:{password or parts.password}@{parts.hostname}:"
              f"{port or parts.port}")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@pytest.fixture
def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def closing_port() -> Iterator[int]:
    """A loopback port whose listener accepts each connection and closes it at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                peer, _ = listener.accept()
            except TimeoutError:
                continue
            peer.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(5)
    listener.close()


def _assert_wrapped(url: str, secret: str, methods: tuple[str, ...] = ("cast", "call")) -> None:
    """A cast and a call to `url` fail with MessageDeliveryFailure naming no secret (each tries
    to connect for about 7 s, as the product does, so slow cases try one of them)."""
    with Transport(url) as transport:
        client = RPCClient(transport, Target(topic="nobody", version="1.0"), timeout=5)
        for method in methods:
            with pytest.raises(MessageDeliveryFailure) as raised:
                getattr(client, method)({}, "ping")
            assert raised.value.exit_code == ExitCode.INFRASTRUCTURE
            assert secret not in str(raised.value)


def test_refused_port(amqp_url: str, refused_port: int) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    _assert_wrapped(_with_netloc(amqp_url, port=refused_port, password=secret), secret, ("cast",))


def test_connection_closed_by_the_peer(amqp_url: str, closing_port: int) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    _assert_wrapped(_with_netloc(amqp_url, port=closing_port, password=secret), secret, ("call",))


def test_broker_closes_the_connection_on_a_wrong_password(amqp_url: str) -> None:
    secret = f"wrong-{uuid.uuid4().hex}"
    _assert_wrapped(_with_netloc(amqp_url, password=secret), secret)
