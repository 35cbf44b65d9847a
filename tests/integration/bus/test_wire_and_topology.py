"""Our bytes and our broker objects equal oslo.messaging's, checked on the broker itself."""

import json
import time
from collections.abc import Callable
from typing import Any

import kombu
import oslo_messaging

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.bus.envelope import CONTENT_TYPE, DELIVERY_MODE
from harness.bus.management import ManagementClient

from .endpoints import ComputeEndpoint, Recorder


class OsloEcho(ComputeEndpoint):
    """The test endpoint with oslo's Target type."""

    target = oslo_messaging.Target(version="6.2")  # type: ignore[assignment]


def captured(amqp_url: str, exchange: str, key: str, send: Callable[[], Any]) -> Any:
    """The raw delivery `send()` publishes with `key`, copied by a queue bound to that key."""
    with kombu.Connection(amqp_url) as connection:
        queue = kombu.Queue(f"capture.{key}", kombu.Exchange(exchange, "topic", durable=False),
                            routing_key=key, auto_delete=True)
        queue(connection.default_channel).declare()
        send()
        for _ in range(50):
            message = queue(connection.default_channel).get(no_ack=True)
            if message is not None:
                return message
            time.sleep(0.05)
    raise AssertionError(f"nothing arrived on {key}")


def shape(message: Any) -> tuple[Any, ...]:
    """What must be equal between oslo's and our delivery of the same request."""
    body = json.loads(message.body)
    inner = json.loads(body["oslo.message"])
    return (
        message.properties["content_type"], message.properties["delivery_mode"],
        "expiration" in message.properties, sorted(body), body["oslo.version"],
        sorted(inner), sorted(inner["args"]),
    )


def test_call_and_cast_bytes_match_oslo(
    amqp_url: str, transport: Transport, servers: ServerSet, oslo_transport: Any, exchange: str,
) -> None:
    servers.add("compute", "h1", [ComputeEndpoint("h1", Recorder())])
    ctxt = {"request_id": "req-1", "project_id": "p"}
    ours = RPCClient(transport, Target(topic="compute", server="h1", version="6.0"), timeout=5)
    theirs = oslo_messaging.get_rpc_client(oslo_transport, oslo_messaging.Target(
        topic="compute", server="h1", exchange=exchange, version="6.0"), timeout=5)

    our_call = captured(amqp_url, exchange, "compute.h1",
                        lambda: ours.call(ctxt, "echo", value=1))
    their_call = captured(amqp_url, exchange, "compute.h1",
                          lambda: theirs.call(ctxt, "echo", value=1))
    assert shape(our_call) == shape(their_call)
    assert shape(our_call)[:2] == (CONTENT_TYPE, DELIVERY_MODE)
    assert our_call.properties["expiration"] == their_call.properties["expiration"] == "5000"

    our_cast = captured(amqp_url, exchange, "compute", lambda: ours.prepare(server=None).cast(
        ctxt, "remember", value=2))
    their_cast = captured(amqp_url, exchange, "compute", lambda: theirs.prepare(server=None).cast(
        ctxt, "remember", value=2))
    assert shape(our_cast) == shape(their_cast)
    assert "_msg_id" not in shape(our_cast)[5]


def flags(item: dict[str, Any]) -> tuple[Any, ...]:
    """A queue's or exchange's declaration flags, as the management API reports them."""
    return (item.get("type"), item["durable"], item["auto_delete"], item.get("exclusive"),
            json.dumps(item["arguments"], sort_keys=True))


def test_declarations_match_oslo(
    rabbit_admin: ManagementClient, rabbit_vhost: str, transport: Transport, servers: ServerSet,
    oslo_transport: Any, oslo_server: Callable[..., Any],
) -> None:
    oslo_server(oslo_messaging.Target(topic="theirs", server="h1", exchange="theirs_x"),
                [OsloEcho("h1", Recorder())])
    servers.add("ours", "h1", [ComputeEndpoint("h1", Recorder())], exchange="ours_x")
    theirs = oslo_messaging.get_rpc_client(oslo_transport, oslo_messaging.Target(
        topic="theirs", server="h1", exchange="theirs_x", version="6.0"), timeout=5)
    assert theirs.call({}, "echo", value=1)["host"] == "h1"
    ours = RPCClient(transport, Target(topic="ours", server="h1", exchange="ours_x", version="6.0"),
                     timeout=5)
    assert ours.call({}, "echo", value=1)["host"] == "h1"

    queues = {q["name"]: q for q in rabbit_admin.queues(rabbit_vhost)}
    exchanges = {x["name"]: x for x in rabbit_admin.exchanges(rabbit_vhost)}
    for suffix in ("", ".h1"):
        assert flags(queues[f"ours{suffix}"]) == flags(queues[f"theirs{suffix}"])
    fanout = {side: next(q for n, q in queues.items() if n.startswith(f"{side}_fanout_"))
              for side in ("ours", "theirs")}
    assert flags(fanout["ours"]) == flags(fanout["theirs"])
    assert fanout["ours"]["arguments"] == {"x-expires": 1800000}
    assert queues["ours"]["arguments"] == {}
    assert flags(exchanges["ours_x"]) == flags(exchanges["theirs_x"])
    assert flags(exchanges["ours_fanout"]) == flags(exchanges["theirs_fanout"])
    replies = {flags(q) for n, q in queues.items() if n.startswith("reply_")}
    assert replies == {("classic", False, False, False, '{"x-expires": 1800000}')}
    assert len([n for n in queues if n.startswith("reply_")]) == 2
    keys = {(b["source"], b["destination"], b["routing_key"])
            for b in rabbit_admin.bindings(rabbit_vhost)}
    for side in ("ours", "theirs"):
        assert {(f"{side}_x", side, side), (f"{side}_x", f"{side}.h1", f"{side}.h1"),
                (f"{side}_fanout", fanout[side]["name"], side)} <= keys
