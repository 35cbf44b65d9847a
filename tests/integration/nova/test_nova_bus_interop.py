"""The harness's bus and a real oslo.messaging client talk to real nova services, and real
nova's own RPC client talks to a harness server: both directions, on the local nova cloud."""

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.bus import RPCClient, ServerSet, Target, Transport
from harness.dev.services.rabbitmq import local_amqp_url
from harness.nova.layout import VHOST
from harness.nova.venv import require_venv


def url() -> str:
    """The broker administrator's URL for the nova cloud's vhost."""
    return local_amqp_url(VHOST)
NOVA_PING = """
import json, os
import nova.conf
from nova import baserpc, context, objects, rpc
CONF = nova.conf.CONF
rpc.set_defaults(control_exchange="nova")
CONF([], project="nova", default_config_files=[os.environ["PING_CONF"]])
rpc.init(CONF)
reply = baserpc.BaseAPI(os.environ["PING_TOPIC"]).ping(
    context.get_admin_context(), {"from": "nova"}, timeout=30)
print(json.dumps(reply))
"""


@pytest.fixture
def transport(nova_cloud: None) -> Iterator[Transport]:
    """The harness's bus on the nova cloud's vhost, as the broker administrator."""
    bus = Transport(url(), control_exchange="nova")
    yield bus
    bus.close()


@pytest.mark.parametrize("topic", ["conductor", "scheduler"])
def test_harness_bus_calls_real_nova_services(transport: Transport, topic: str) -> None:
    client = RPCClient(transport, Target(topic=topic, namespace="baseapi", version="1.0"),
                       timeout=30)
    assert client.call({}, "ping", arg={"n": 1}) == {"service": topic, "arg": {"n": 1}}


def test_real_oslo_messaging_calls_real_conductor(nova_cloud: None) -> None:
    oslo_messaging = pytest.importorskip("oslo_messaging")
    from oslo_config import cfg

    transport = oslo_messaging.get_rpc_transport(cfg.CONF,
                                                 url=url().replace("amqp://", "rabbit://"))
    try:
        target = oslo_messaging.Target(topic="conductor", exchange="nova", namespace="baseapi",
                                       version="1.0")
        client = oslo_messaging.get_rpc_client(transport, target, timeout=30)
        assert client.call({}, "ping", arg="x") == {"service": "conductor", "arg": "x"}
    finally:
        transport.cleanup()


class Pong:
    """The base API's ping, as every nova service serves it."""

    target = Target(namespace="baseapi", version="1.1")

    def ping(self, ctxt: dict[str, Any], arg: Any) -> dict[str, Any]:
        return {"service": "harness", "arg": arg, "user": ctxt.get("is_admin")}


def test_real_novas_rpc_client_calls_a_harness_server(transport: Transport,
                                                      tmp_path: Path) -> None:
    topic = f"interop-{uuid.uuid4().hex[:8]}"
    conf = tmp_path / "nova.conf"
    conf.write_text(f"[DEFAULT]\ntransport_url = {url().replace('amqp://', 'rabbit://')}\n")
    conf.chmod(0o600)
    servers = ServerSet(transport)
    servers.add(topic, "h1", [Pong()], fanout=False)
    servers.start()
    try:
        done = subprocess.run([str(require_venv() / "bin" / "python"), "-c", NOVA_PING],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "PING_CONF": str(conf), "PING_TOPIC": topic})
    finally:
        servers.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    assert reply == {"service": "harness", "arg": {"from": "nova"}, "user": True}
