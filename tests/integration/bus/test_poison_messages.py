"""Every kind of malformed message against a live server: counted, answered or dropped, and
the server keeps serving."""

import json
import time
from collections.abc import Iterator
from typing import Any

import kombu
import pytest

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.bus.envelope import encode
from harness.bus.listeners import RPCListener

from .endpoints import ComputeEndpoint, Recorder


@pytest.fixture
def raw(amqp_url: str) -> Iterator[kombu.Connection]:
    """A plain kombu connection for publishing hand-made bodies and reading replies."""
    with kombu.Connection(amqp_url) as connection:
        yield connection


def publish(raw: kombu.Connection, exchange: str, body: Any, content_type: str) -> None:
    """Publish `body` (bytes or a JSON-able value) to `compute.h1`."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    kombu.Producer(raw.default_channel).publish(
        data, exchange=kombu.Exchange(exchange, "topic", durable=False),
        routing_key="compute.h1", content_type=content_type, content_encoding="binary",
    )


def read_reply(raw: kombu.Connection, queue: kombu.Queue, timeout: float = 5) -> dict[str, Any]:
    """The next reply's inner message on a hand-made reply queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = queue(raw.default_channel).get(no_ack=True)
        if message is not None:
            return dict(json.loads(json.loads(message.body)["oslo.message"]))
        time.sleep(0.02)
    raise AssertionError("no reply arrived")


def call_body(method: str, msg_id: str, **extra: Any) -> dict[str, Any]:
    """An inner call message replying to `reply_poison`."""
    return {"method": method, "args": {}, "version": "6.0", "_msg_id": msg_id,
            "_reply_q": "reply_poison", "_unique_id": f"u-{msg_id}", **extra}


def wait_counted(listener: RPCListener, kind: str, count: int) -> None:
    """Wait until the listener has counted `count` of `kind`."""
    for _ in range(100):
        if listener.counters[kind] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{kind}: {listener.counters.snapshot()}")


def test_poison_is_counted_answered_or_dropped_and_serving_goes_on(
    raw: kombu.Connection, transport: Transport, servers: ServerSet, exchange: str,
) -> None:
    recorder = Recorder()
    listener = servers.add("compute", "h1", [ComputeEndpoint("h1", recorder)])
    replies = kombu.Queue("reply_poison", kombu.Exchange("", "direct"), routing_key="",
                          auto_delete=True)
    replies(raw.default_channel).declare()

    publish(raw, exchange, b"\xff not json {", "text/plain")
    wait_counted(listener, "not_json", 1)
    publish(raw, exchange, [1, 2, 3], "application/json")
    wait_counted(listener, "not_a_message", 1)
    publish(raw, exchange, {"oslo.version": "3.0", "oslo.message": "{}"}, "application/json")
    wait_counted(listener, "bad_envelope_version", 1)
    publish(raw, exchange, {"oslo.version": "2.0", "oslo.message": "{nope"}, "application/json")
    wait_counted(listener, "not_json", 2)

    publish(raw, exchange, encode(call_body("no_such_thing", "m1")), "application/json")
    failure = json.loads(read_reply(raw, replies)["failure"])
    assert (failure["module"], failure["class"]) == ("oslo_messaging.rpc.dispatcher",
                                                     "NoSuchMethod")

    publish(raw, exchange, encode(call_body("echo", "m2", version="9.1")), "application/json")
    failure = json.loads(read_reply(raw, replies)["failure"])
    assert failure["class"] == "UnsupportedVersion"

    publish(raw, exchange, encode(call_body("echo", "m3", args=[1])), "application/json")
    assert json.loads(read_reply(raw, replies)["failure"])["class"] == "MalformedMessage"
    publish(raw, exchange, encode(call_body("", "m4")), "application/json")
    assert json.loads(read_reply(raw, replies)["failure"])["class"] == "MalformedMessage"

    cast = {"method": "remember", "args": {"value": "once"}, "version": "6.1",
            "_unique_id": "dup-1"}
    publish(raw, exchange, encode(cast), "application/json")
    publish(raw, exchange, encode(cast), "application/json")
    wait_counted(listener, "duplicate", 1)
    assert recorder.wait_for(1) == [("h1", "once")]

    bare = call_body("echo", "m5", args={"value": "legacy"})
    publish(raw, exchange, bare, "application/json")
    assert read_reply(raw, replies)["result"]["value"] == "legacy"

    client = RPCClient(transport, Target(topic="compute", server="h1", version="6.0"), timeout=5)
    assert client.call({}, "echo", value="still serving")["value"] == "still serving"
    assert listener.counters.snapshot() == {
        "not_json": 2, "not_a_message": 1, "bad_envelope_version": 1, "no_such_method": 1,
        "unsupported_version": 1, "bad_args": 1, "no_method": 1, "duplicate": 1,
        "no_envelope": 1, "handled": 3,
    }
    assert recorder.seen == [("h1", "once")]
