"""Our RPCClient against oslo.messaging's RPC server: calls, casts, fanouts, failures, caps."""

from collections.abc import Callable
from typing import Any

import oslo_messaging
import pytest

from harness.bus import (
    NoSuchMethod,
    RemoteError,
    RPCClient,
    RPCVersionCapError,
    Target,
    Transport,
    UnsupportedVersion,
)

from .endpoints import ComputeEndpoint, Recorder


class OsloComputeEndpoint(ComputeEndpoint):
    """The same endpoint, with the Target type oslo's dispatcher insists on."""

    target = oslo_messaging.Target(version="6.2")  # type: ignore[assignment]


@pytest.fixture
def recorder(oslo_server: Callable[..., Any], exchange: str) -> Recorder:
    """Two oslo servers, hosts h1 and h2, sharing one recorder."""
    shared = Recorder()
    for host in ("h1", "h2"):
        target = oslo_messaging.Target(topic="compute", server=host, exchange=exchange)
        oslo_server(target, [OsloComputeEndpoint(host, shared)])
    return shared


def test_our_call_cast_and_fanout_reach_oslo_servers(
    transport: Transport, recorder: Recorder,
) -> None:
    client = RPCClient(transport, Target(topic="compute", version="6.1"), timeout=5)

    answer = client.prepare(server="h1").call({"request_id": "req-1"}, "echo", value=[1, "a"])
    assert (answer["value"], answer["host"]) == ([1, "a"], "h1")
    assert answer["ctxt"]["request_id"] == "req-1"  # oslo adds its own client_timeout key

    client.prepare(server="h2").cast({}, "remember", value="direct")
    assert recorder.wait_for(1) == [("h2", "direct")]
    client.prepare(fanout=True).cast({}, "remember", value="everyone")
    assert sorted(recorder.wait_for(3)[1:]) == [("h1", "everyone"), ("h2", "everyone")]


def test_oslo_failures_arrive_as_our_exceptions(transport: Transport, recorder: Recorder) -> None:
    client = RPCClient(transport, Target(topic="compute", server="h1", version="6.0"), timeout=5)

    with pytest.raises(ValueError) as builtin:
        client.call({}, "fail_value")
    assert builtin.value.args == ("no such flavor", 42)

    with pytest.raises(RemoteError) as remote:
        client.call({}, "fail_custom")
    assert (remote.value.exc_type, remote.value.value) == ("OutOfDisk", "disk full on host")
    assert any("OutOfDisk" in line for line in remote.value.traceback or [])

    with pytest.raises(NoSuchMethod) as missing:
        client.call({}, "no_such_thing")
    assert missing.value.method == "no_such_thing"

    with pytest.raises(UnsupportedVersion) as refused:
        client.call({}, "echo", version="7.0", value=1)
    assert (refused.value.version, refused.value.method) == ("7.0", "echo")


def test_version_cap_refuses_before_sending(transport: Transport, recorder: Recorder) -> None:
    client = RPCClient(
        transport, Target(topic="compute", server="h1", version="6.0"), timeout=5,
        version_cap="6.1",
    )
    assert client.call({}, "echo", version="6.1", value=1)["value"] == 1
    assert not client.can_send_version("6.2")
    with pytest.raises(RPCVersionCapError):
        client.call({}, "echo", version="6.2", value=1)
    with pytest.raises(RPCVersionCapError):
        client.prepare(version="7.0").cast({}, "remember", value="never")
    client.prepare(version="6.1").cast({}, "remember", value="sent")
    assert recorder.wait_for(1) == [("h1", "sent")]
