"""Many servers on one connection, removal while running, executor mode, causes, observers."""

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.bus import MessagingTimeout, RPCClient, SentMessage, ServerSet, Target, Transport
from shims.causes import current_cause

from .endpoints import ComputeEndpoint, Recorder

HOSTS = 300


def test_hundreds_of_servers_share_one_connection(
    transport: Transport, servers: ServerSet,
) -> None:
    recorder = Recorder()
    for n in range(HOSTS):
        servers.add("compute", f"h{n}", [ComputeEndpoint(f"h{n}", recorder)], fanout=False)
    connections = {id(listener.consumer.channel.connection)  # type: ignore[union-attr]
                   for listener in servers.listeners}
    assert len(connections) == 1
    channels = {listener.consumer.channel.channel_id  # type: ignore[union-attr]
                for listener in servers.listeners}
    assert len(channels) == HOSTS

    client = RPCClient(transport, Target(topic="compute", version="6.0"), timeout=5)
    for host in random.Random(7).sample(range(HOSTS), 25):
        assert client.prepare(server=f"h{host}").call({}, "echo", value=host)["host"] == f"h{host}"
    assert servers.counters()["handled"] == 25


def test_a_removed_server_stops_answering(transport: Transport, servers: ServerSet) -> None:
    kept = servers.add("compute", "h1", [ComputeEndpoint("h1", Recorder())])
    gone = servers.add("compute", "h2", [ComputeEndpoint("h2", Recorder())])
    client = RPCClient(transport, Target(topic="compute", version="6.0"), timeout=0.5)
    assert client.prepare(server="h2").call({}, "echo", value=1)["host"] == "h2"
    servers.remove(gone)
    with pytest.raises(MessagingTimeout):
        client.prepare(server="h2").call({}, "echo", value=2)
    assert client.prepare(server="h1").call({}, "echo", value=3)["host"] == "h1"
    assert servers.listeners == [kept]


class CauseEndpoint:
    """Answers with the cause the shims see while it runs."""

    target = Target(version="6.0")

    def cause(self, ctxt: dict[str, Any]) -> list[str | None]:
        """The current cause's message id and request id."""
        now = current_cause()
        return [now.caused_by, now.request_id]


def test_executor_mode_ties_effects_to_their_message(transport: Transport) -> None:
    sent: list[SentMessage] = []
    transport.observers.append(sent.append)
    with ThreadPoolExecutor(4) as pool, ServerSet(transport, executor=pool) as servers:
        servers.add("compute", "h1", [CauseEndpoint()])
        servers.start()
        client = RPCClient(transport, Target(topic="compute", server="h1", version="6.0"))
        caused_by, request_id = client.call({"request_id": "req-5"}, "cause")
    call, reply = [m for m in sent if m.kind in ("call", "reply")]
    assert caused_by == call.message["_msg_id"] == reply.message["_msg_id"]
    assert request_id == "req-5"
    assert (call.exchange, call.routing_key) == (transport.control_exchange, "compute.h1")
    assert (reply.exchange, reply.routing_key) == ("", call.message["_reply_q"])
    assert current_cause().caused_by is None
