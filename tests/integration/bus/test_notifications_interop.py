"""Notifications both ways: oslo's messagingv2 Notifier to our listener, ours to oslo's."""

from collections.abc import Iterator
from typing import Any

import oslo_messaging
import pytest
from oslo_config import cfg

from harness.bus import Notification, Notifier, ServerSet, Transport

from .endpoints import Recorder

OSLO_EXCHANGE = "openstack"  # oslo's default control_exchange, in the test's own vhost


@pytest.fixture
def oslo_notification_transport(amqp_url: str) -> Iterator[Any]:
    """oslo's notification transport on the test's vhost."""
    transport = oslo_messaging.get_notification_transport(
        cfg.CONF, url=amqp_url.replace("amqp://", "rabbit://", 1),
    )
    yield transport
    transport.cleanup()


def test_oslo_notifications_decode_with_ours(
    servers: ServerSet, oslo_notification_transport: Any,
) -> None:
    received = Recorder()
    servers.add_notification_listener(
        ["notifications"], lambda n: received.add(n.priority, n), priorities=("info", "error"),
        exchange=OSLO_EXCHANGE,
    )
    notifier = oslo_messaging.Notifier(
        oslo_notification_transport, publisher_id="compute.h1", driver="messagingv2",
        topics=["notifications"],
    )
    notifier.info({}, "compute.instance.create.end", {"uuid": "u-1", "vcpus": 2})
    notifier.error({}, "compute.instance.create.error", {"uuid": "u-2"})

    seen = dict(received.wait_for(2))
    info: Notification = seen["INFO"]
    assert (info.publisher_id, info.event_type) == ("compute.h1", "compute.instance.create.end")
    assert info.payload == {"uuid": "u-1", "vcpus": 2}
    assert info.message_id and info.timestamp
    assert seen["ERROR"].payload == {"uuid": "u-2"}


def test_our_notifications_reach_oslo_listener(
    transport: Transport, oslo_notification_transport: Any,
) -> None:
    received = Recorder()

    class Endpoint:
        """oslo's notification endpoint signature."""

        def info(self, ctxt: dict[str, Any], publisher_id: str, event_type: str,
                 payload: Any, metadata: dict[str, Any]) -> None:
            received.add(event_type, (publisher_id, payload, ctxt, metadata))

    target = oslo_messaging.Target(topic="notifications")
    listener = oslo_messaging.get_notification_listener(
        oslo_notification_transport, [target], [Endpoint()], executor="threading",
    )
    listener.start()
    try:
        ours = Notifier(transport, "compute.h2", exchange=OSLO_EXCHANGE)
        ours.info({"request_id": "req-9", "auth_token": "secret"}, "compute.instance.delete.end",
                  {"uuid": "u-3"})
        [(event_type, (publisher, payload, ctxt, metadata))] = received.wait_for(1)
    finally:
        listener.stop()
        listener.wait()
    assert (event_type, publisher, payload) == ("compute.instance.delete.end", "compute.h2",
                                                {"uuid": "u-3"})
    assert ctxt["request_id"] == "req-9"
    assert "auth_token" not in ctxt
    assert metadata["message_id"] and metadata["timestamp"]
