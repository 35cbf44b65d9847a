"""The firehose's reply tap, on the in-process broker whose firehose copies publishes as
RabbitMQ's does (headers and routing key as captured from RabbitMQ 3.10)."""

import json
from collections.abc import Iterator

import kombu
import pytest

from harness.bus import memory
from harness.bus.messages import reply
from harness.shadow.compare.observation import observe
from harness.shadow.firehose import TRACE_EXCHANGE, reply_effect, reply_tap_queue


@pytest.fixture
def vhost() -> Iterator[str]:
    name = "t.firehose"
    yield name
    memory.delete_vhost(name)


def _publish_reply(conn: kombu.Connection, msg_id: str, result: object) -> None:
    body = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(reply(msg_id, result))})
    conn.default_channel.basic_publish(
        conn.default_channel.prepare_message(body, content_type="application/json"),
        exchange="", routing_key="reply_abc")


def test_the_in_process_firehose_copies_default_exchange_publishes_only_when_on(
    vhost: str,
) -> None:
    with kombu.Connection(memory.url_for(vhost)) as conn:
        queue = reply_tap_queue("s1", "production")(conn.default_channel)
        queue.declare()
        _publish_reply(conn, "m-off", "x")
        assert queue.get() is None
        memory.set_tracing(vhost, True)
        _publish_reply(conn, "m-on", "console text\n")
        copy = queue.get()
        assert copy is not None
        assert copy.delivery_info["exchange"] == TRACE_EXCHANGE
        assert copy.delivery_info["routing_key"] == "publish."
        assert copy.headers["exchange_name"] == "" and copy.headers["routing_keys"] == [
            "reply_abc"]
        inner = json.loads(json.loads(copy.body)["oslo.message"])
        assert inner["_msg_id"] == "m-on" and inner["result"] == "console text\n"


def test_a_reply_becomes_an_effect_and_a_failure_loses_its_traceback() -> None:
    failure = json.dumps({"class": "InstanceNotFound", "module": "nova.exception",
                          "message": "gone", "tb": ["line 12"], "args": [], "kwargs": {}})
    effect = reply_effect({"_msg_id": "m1", "result": None, "failure": failure}, "s1",
                          "candidate")
    assert effect is not None and effect["kind"] == "rpc_reply" and not effect["real"]
    assert effect["payload"]["failure"] == {"class": "InstanceNotFound",
                                            "module": "nova.exception", "message": "gone"}
    assert reply_effect({"method": "build", "args": {}}, "s1", "production") is None


def test_a_reply_ends_its_observation_whatever_its_seq() -> None:
    effects = [{"caused_by": "t", "kind": "rpc_reply", "seq": 1},
               {"caused_by": "t", "kind": "hypervisor", "seq": 7}]
    assert [e["kind"] for e in observe(effects)["t"]] == ["hypervisor", "rpc_reply"]
