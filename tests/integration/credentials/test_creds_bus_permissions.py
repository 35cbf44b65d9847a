"""RabbitMQ credentials from the rabbitmq engine confine a shard to what its mode allows."""

import uuid
from collections.abc import Iterator

import amqp
import amqp.exceptions
import hvac
import pytest

from credentials import rabbitmq
from credentials.bootstrap import BootstrapPlan
from credentials.logins import Login
from credentials.rabbitmq_permissions import production_permissions, shadow_permissions
from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import local_password, local_user

REFUSED = (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed)


def connect(user: str, password: str, vhost: str) -> amqp.Connection:
    conn = amqp.Connection("127.0.0.1:5672", userid=user, password=password,
                           virtual_host=vhost, connect_timeout=5)
    conn.connect()
    return conn


def issue_for(client: hvac.Client, plan: BootstrapPlan, grant: object) -> Login:
    role = f"r-{uuid.uuid4().hex[:8]}"
    rabbitmq.create_role(client, plan.layout.rabbitmq, role, [grant])  # type: ignore[list-item]
    return rabbitmq.issue(client, plan.layout.rabbitmq, role)


@pytest.fixture
def production(rabbit_vhost: str) -> Iterator[amqp.Channel]:
    """An admin channel on the stand-in production vhost, with host B's server queue in it."""
    conn = connect(local_user(), local_password(), rabbit_vhost)
    channel = conn.channel()
    channel.exchange_declare("nova", "topic", durable=False, auto_delete=False)
    channel.queue_declare("compute.B", auto_delete=False)
    channel.queue_bind("compute.B", "nova", "compute.B")
    yield channel
    conn.close()


def test_shadow_user_cannot_enter_production_vhost_but_owns_its_own(
    vault_root: hvac.Client, bootstrapped: BootstrapPlan, rabbit_admin: ManagementClient,
    production: amqp.Channel, rabbit_vhost: str,
) -> None:
    shadow_vhost = f"shadow.t{uuid.uuid4().hex[:8]}.cmp-1"
    rabbit_admin.create_vhost(shadow_vhost)
    try:
        user = issue_for(vault_root, bootstrapped, shadow_permissions(shadow_vhost))
        with pytest.raises(REFUSED):
            connect(user.username, user.password, rabbit_vhost)
        conn = connect(user.username, user.password, shadow_vhost)
        channel = conn.channel()
        channel.exchange_declare("nova", "topic", auto_delete=False)
        channel.queue_declare("compute.cmp-1", auto_delete=False)
        channel.queue_bind("compute.cmp-1", "nova", "compute.cmp-1")
        channel.basic_publish(amqp.Message("hello"), "nova", "compute.cmp-1")
        message = None
        for _ in range(50):
            message = channel.basic_get("compute.cmp-1", no_ack=True)
            if message:
                break
        assert message is not None and message.body in (b"hello", "hello")
        conn.close()
    finally:
        rabbit_admin.delete_vhost(shadow_vhost)


def test_production_user_of_host_a_cannot_touch_host_b_queue(
    vault_root: hvac.Client, bootstrapped: BootstrapPlan, production: amqp.Channel,
    rabbit_vhost: str,
) -> None:
    user = issue_for(vault_root, bootstrapped,
                     production_permissions(rabbit_vhost, "A", "nova"))
    conn = connect(user.username, user.password, rabbit_vhost)
    own = conn.channel()
    own.exchange_declare("nova", "topic", auto_delete=False)
    own.queue_declare("compute.A", auto_delete=False)
    own.queue_bind("compute.A", "nova", "compute.A")
    own.basic_consume("compute.A", callback=lambda message: None)
    reply_q = f"reply_{uuid.uuid4().hex}"
    own.queue_declare(reply_q, auto_delete=True)
    own.basic_publish(amqp.Message("{}"), "", reply_q)  # replies use the default exchange
    own.basic_publish(amqp.Message("{}"), "nova", "conductor")  # calls to other services
    for attempt in (
        lambda ch: ch.basic_consume("compute.B", callback=lambda message: None),
        lambda ch: ch.basic_get("compute.B"),
        lambda ch: ch.queue_declare("compute.B", auto_delete=False),
        lambda ch: ch.queue_bind("compute.B", "nova", "compute.A"),
        lambda ch: ch.queue_purge("compute.B"),
        lambda ch: ch.basic_publish(amqp.Message("x"), "amq.topic", "compute.B"),
        lambda ch: ch.exchange_declare("other", "topic"),
    ):
        channel = conn.channel()
        with pytest.raises(REFUSED):
            attempt(channel)
            conn.drain_events(timeout=0.5)  # a refused publish arrives as a channel close
    conn.close()
    assert production.queue_declare("compute.B", passive=True).message_count == 0


class Echo:
    """An RPC endpoint answering like a compute service would."""

    def ping(self, ctxt: dict[str, object], value: int) -> int:
        return value + 1


def test_production_user_serves_and_calls_over_real_oslo_messaging(
    vault_root: hvac.Client, bootstrapped: BootstrapPlan, rabbit_vhost: str,
) -> None:
    """oslo.messaging's own queue and exchange names fit the production patterns."""
    oslo_messaging = pytest.importorskip("oslo_messaging")
    from oslo_config import cfg

    from credentials.bus import BusTarget

    user = issue_for(vault_root, bootstrapped, production_permissions(rabbit_vhost, "A", "nova"))
    url = BusTarget("amqp://127.0.0.1:5672/", "nova").transport_url(
        user.username, user.password, rabbit_vhost)
    transport = oslo_messaging.get_rpc_transport(cfg.CONF, url=url)
    server = oslo_messaging.get_rpc_server(
        transport, oslo_messaging.Target(topic="compute", server="A", exchange="nova"), [Echo()])
    server.start()
    try:
        target = oslo_messaging.Target(topic="compute", server="A", exchange="nova")
        client = oslo_messaging.get_rpc_client(transport, target, timeout=10)
        assert client.call({}, "ping", value=41) == 42
        client.prepare(fanout=True).cast({}, "ping", value=1)
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
