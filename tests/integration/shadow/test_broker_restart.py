"""A broker restart mid-session: the relay resumes by itself, and every copy that entered the
mirror is accounted for (relayed, sampled out, undecodable, or counted as dropped). The mirror
keeps across a restart exactly what production's own queue keeps.

It restarts the shared RabbitMQ application (vhosts, users and durable queues survive); every
other test opens its own connections, so none is disturbed.
"""

import subprocess
import time
from collections.abc import Callable

import kombu

from harness.bus import RPCClient, Target, Transport, envelope, topology
from harness.bus.management import ManagementClient
from harness.bus.transport import Publisher
from harness.shadow.mirror import MirrorSpec
from harness.shadow.relay import Relay
from tests.integration.shadow.conftest import url_for

ACCOUNTED = ("relayed", "sampled_out", "undecodable", "dropped")


def restart_broker(admin: ManagementClient) -> None:
    """Stop and start RabbitMQ's application (vhosts, users and durable queues survive)."""
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
    subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            admin.overview()
            return
        except Exception:
            time.sleep(0.5)
    raise AssertionError("RabbitMQ did not come back")


def cast(url: str, count: int, start: int) -> None:
    transport = Transport(url, control_exchange="nova")
    try:
        client = RPCClient(transport, Target("compute", server="cmp-r", version="6.0"))
        for i in range(start, start + count):
            client.cast({"request_id": f"req-{i}"}, "reboot_instance",
                        instance={"uuid": f"u{i}"})
    finally:
        transport.close()


def wait(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_relay_resumes_after_a_broker_restart_and_accounts_for_every_copy(
    make_vhost: Callable[[str], str], rabbit_admin: ManagementClient
) -> None:
    prod, shadow = make_vhost("prod"), make_vhost("shadow")
    relay = Relay(url_for(prod), MirrorSpec("restart", "cmp-r", "nova"), [url_for(shadow)])
    relay.declare()
    cast(url_for(prod), 40, 0)  # waiting in the mirror before the relay starts
    relay.start()
    try:
        wait(lambda: relay.counters["mirrored"] == 40)
        restart_broker(rabbit_admin)  # the relay loses its connections mid-session
        wait(lambda: relay.counters["reconnects"] >= 1 and relay.ready.is_set())
        cast(url_for(prod), 60, 40)  # the relay redeclared the mirror's bindings: mirrored again
        wait(lambda: relay.counters["mirrored"] >= 100)
    finally:
        relay.stop()
    counters = relay.counters
    assert counters["mirrored"] == 100
    assert counters["mirrored"] == sum(counters[k] for k in ACCOUNTED)
    assert counters["relayed"] == 100


def test_a_durable_production_keeps_its_waiting_copies_in_the_mirror_too(
    make_vhost: Callable[[str], str], rabbit_admin: ManagementClient
) -> None:
    prod, shadow = make_vhost("prod"), make_vhost("shadow")
    with kombu.Connection(url_for(prod)) as conn:  # production's own queue, durable (oslo's
        topology.topic_queue("nova", "compute.cmp-d", durable=True)(  # amqp_durable_queues)
            conn.default_channel).declare()
    relay = Relay(url_for(prod), MirrorSpec("durable", "cmp-d", "nova", durable=True),
                  [url_for(shadow)])
    relay.declare()
    exchange = topology.control_exchange("nova", durable=True)
    publisher = Publisher(url_for(prod))  # the hollow client's exchanges are transient
    for i in range(30):
        publisher.publish(envelope.encode({"method": "reboot_instance", "version": "6.0",
                                           "args": {"instance": {"uuid": f"u{i}"}}}),
                          exchange=exchange, routing_key="compute.cmp-d", declare=[exchange])
    publisher.close()
    restart_broker(rabbit_admin)  # nothing consumed yet: production and mirror both keep 30
    with kombu.Connection(url_for(prod)) as conn:
        _, waiting, _ = conn.default_channel.queue_declare("compute.cmp-d", passive=True)
    assert waiting == 30
    relay.start()
    try:
        wait(lambda: relay.counters["mirrored"] == 30)
    finally:
        relay.stop()
    assert relay.counters["relayed"] == 30
