"""The network gate's relay reading AMQP handshakes, against the real broker: a login or a vhost
the broker refuses is recorded with the user and vhost asked for (never the password), a login
it accepts is not, and the bytes of every connection go through unchanged."""

import io
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator

import amqp
import pytest
import requests

from harness.dev.services.rabbitmq import local_password, local_user
from harness.launchers.netgate import BROKER_REFUSAL, Gate, _accept

BROKER = ("127.0.0.1", 5672)


class Relay:
    """The gate's forwarder for one endpoint (the broker), listening on a port of this test."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.record = io.BytesIO()
        self.gate = Gate({"session": "s", "shard": "candidate", "side": "candidate"},
                         self.record, set())
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=_accept, args=(self.gate, self.listener, *target),
                         daemon=True).start()

    def refusals(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.record.getvalue().splitlines()]


@pytest.fixture
def relay() -> Iterator[Relay]:
    made = Relay(BROKER)
    yield made
    made.listener.close()


def _login(port: int, user: str, password: str, vhost: str,
           method: str = "AMQPLAIN") -> type[Exception] | None:
    conn = amqp.Connection(f"127.0.0.1:{port}", userid=user, password=password,
                           virtual_host=vhost, login_method=method, connect_timeout=5)
    try:
        conn.connect()
        conn.channel().basic_publish(amqp.Message(b"x"), exchange="amq.topic", routing_key="x")
    except (amqp.exceptions.AMQPError, OSError) as error:
        return type(error)
    finally:
        conn.collect()
    conn.close()
    return None


def test_broker_refusals_are_recorded_with_user_and_vhost(relay: Relay) -> None:
    secret = "not-the-password-" + "x" * 8
    assert _login(relay.port, local_user(), local_password(), "/") is None
    assert _login(relay.port, "guest", secret, "/") is not None
    assert _login(relay.port, local_user(), secret, "/", method="PLAIN") is not None
    assert _login(relay.port, local_user(), local_password(), "no-such-vhost") is not None
    found = relay.refusals()
    assert [(r["target"], r["method"], r["kind"]) for r in found] == [
        ("amqp://guest@127.0.0.1:5672/", BROKER_REFUSAL, "violation"),
        (f"amqp://{local_user()}@127.0.0.1:5672/", BROKER_REFUSAL, "violation"),
        (f"amqp://{local_user()}@127.0.0.1:5672/no-such-vhost", BROKER_REFUSAL, "violation"),
    ], found
    assert [r["payload"]["code"] for r in found] == [403, 403, 530]  # type: ignore[index]
    assert secret not in relay.record.getvalue().decode()
    assert local_password() not in relay.record.getvalue().decode()


def test_other_protocols_pass_through_untouched() -> None:
    management = Relay(("127.0.0.1", 15672))
    try:
        answer = requests.get(f"http://127.0.0.1:{management.port}/api/overview", timeout=5,
                              auth=(local_user(), local_password()))
        assert answer.status_code == 200 and "rabbitmq_version" in answer.json()
        assert management.refusals() == []
    finally:
        management.listener.close()


def _frame(payload: bytes) -> bytes:
    return struct.pack("!BHI", 1, 0, len(payload)) + payload + b"\xce"


def test_a_handshake_sent_a_byte_at_a_time_is_watched_too(relay: Relay) -> None:
    """A client that splits the header and advertises no capability: the broker drops it after
    the refused login (no Connection.Close), and the gate records that."""
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as sock:
        for byte in b"AMQP\x00\x00\x09\x01":
            sock.sendall(bytes([byte]))
            time.sleep(0.01)
        assert sock.recv(65536)[:1] == b"\x01"  # Connection.Start
        login = b"\0guest\0not-the-password"
        sock.sendall(_frame(struct.pack("!HHI", 10, 11, 0) + b"\x05PLAIN"
                            + struct.pack("!I", len(login)) + login + b"\x05en_US"))
        while sock.recv(65536):
            continue
    deadline = time.monotonic() + 5
    while not relay.refusals() and time.monotonic() < deadline:
        time.sleep(0.05)
    found = relay.refusals()
    assert [(r["target"], r["payload"]["reason"]) for r in found] == [  # type: ignore[index]
        ("amqp://guest@127.0.0.1:5672/", "connection closed")], found
    assert b"not-the-password" not in relay.record.getvalue()
