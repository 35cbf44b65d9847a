"""oslo.messaging's RPC client against our ServerSet: calls, casts, fanouts, failures."""

from typing import Any

import oslo_messaging
import pytest

from harness.bus import ServerSet

from .endpoints import ComputeEndpoint, Recorder


def oslo_client(oslo_transport: Any, exchange: str, version: str = "6.0") -> Any:
    """An oslo client for topic `compute` on the test's exchange."""
    target = oslo_messaging.Target(topic="compute", exchange=exchange, version=version)
    return oslo_messaging.get_rpc_client(oslo_transport, target, timeout=5)


def test_oslo_call_cast_and_fanout_reach_our_servers(
    servers: ServerSet, oslo_transport: Any, exchange: str,
) -> None:
    recorder = Recorder()
    servers.add("compute", "h1", [ComputeEndpoint("h1", recorder)])
    servers.add("compute", "h2", [ComputeEndpoint("h2", recorder)])
    client = oslo_client(oslo_transport, exchange)

    answer = client.prepare(server="h2").call({"request_id": "req-7", "user": "u"}, "echo",
                                              value={"n": [1, 2]})
    assert answer == {"value": {"n": [1, 2]}, "host": "h2",
                      "ctxt": {"request_id": "req-7", "user": "u"}}

    client.prepare(server="h1").cast({}, "remember", value="direct")
    assert recorder.wait_for(1) == [("h1", "direct")]

    client.prepare(fanout=True).cast({}, "remember", value="everyone")
    seen = recorder.wait_for(3)
    assert sorted(seen[1:]) == [("h1", "everyone"), ("h2", "everyone")]
    assert servers.counters()["handled"] == 4


def test_our_failures_arrive_as_oslo_exceptions(
    servers: ServerSet, oslo_transport: Any, exchange: str,
) -> None:
    servers.add("compute", "h1", [ComputeEndpoint("h1", Recorder())])
    client = oslo_client(oslo_transport, exchange).prepare(server="h1")

    with pytest.raises(ValueError) as builtin:
        client.call({}, "fail_value")
    assert builtin.value.args[1:] == (42,)

    with pytest.raises(oslo_messaging.RemoteError) as remote:
        client.call({}, "fail_custom")
    assert remote.value.exc_type == "OutOfDisk"
    assert remote.value.value == "disk full on host"

    with pytest.raises(oslo_messaging.rpc.dispatcher.NoSuchMethod):
        client.call({}, "no_such_thing")

    with pytest.raises(oslo_messaging.rpc.dispatcher.UnsupportedVersion) as refused:
        client.prepare(version="7.0").call({}, "echo", value=1)
    assert "7.0" in str(refused.value)

    with pytest.raises(oslo_messaging.rpc.dispatcher.UnsupportedVersion):
        client.prepare(version="6.3").call({}, "echo", value=1)
    assert client.prepare(version="6.2").call({}, "echo", value=1)["value"] == 1
    counts = servers.counters()
    assert counts["endpoint_error"] == 2
    assert counts["no_such_method"] == 1
    assert counts["unsupported_version"] == 2
