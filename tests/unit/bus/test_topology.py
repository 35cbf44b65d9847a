"""What we declare for a target is what oslo.messaging's rabbit driver declares."""

from harness.bus import topology


def test_server_queues_are_bound_by_their_own_name() -> None:
    queues = topology.server_queues("nova", "compute", "cmp-17")
    assert [(q.name, q.routing_key, q.exchange.name) for q in queues] == [
        ("compute", "compute", "nova"), ("compute.cmp-17", "compute.cmp-17", "nova")]
    for queue in queues:
        assert (queue.durable, queue.auto_delete, queue.queue_arguments) == (False, False, None)
        assert (queue.exchange.type, queue.exchange.durable, queue.exchange.auto_delete) == (
            "topic", False, False)


def test_fanout_and_reply_queues_expire() -> None:
    fanout = topology.fanout_queue("compute")
    assert fanout.name.startswith("compute_fanout_") and len(fanout.name) == 15 + 32
    assert (fanout.exchange.name, fanout.exchange.type, fanout.exchange.auto_delete) == (
        "compute_fanout", "fanout", True)
    assert fanout.queue_arguments == {"x-expires": 1_800_000}
    reply = topology.reply_queue(ttl=60)
    assert reply.name.startswith("reply_") and reply.exchange.name == ""
    assert reply.queue_arguments == {"x-expires": 60_000}
    assert not topology.reply_queue(ttl=0).queue_arguments  # ttl 0: no x-expires at all


def test_notification_queues_follow_topic_and_priority() -> None:
    queue = topology.notification_queue("nova", "notifications", "INFO")
    assert (queue.name, queue.routing_key) == ("notifications.info", "notifications.info")
    pooled = topology.notification_queue("nova", "notifications", "error", pool="ceilometer")
    assert (pooled.name, pooled.routing_key) == ("ceilometer", "notifications.error")
