"""The bus sink publishes effect records to a topic exchange on a real broker."""

import kombu

from shims.effects import Effect
from shims.recorder import Recorder
from shims.sinks import BusSink


def test_effects_arrive_on_the_effects_exchange(amqp_url: str) -> None:
    with kombu.Connection(amqp_url) as connection:
        exchange = kombu.Exchange("harness.effects", type="topic", durable=True)
        queue = kombu.Queue("effects.capture", exchange, routing_key="effects.s1.#")
        queue(connection.default_channel).declare()
        sink = BusSink(amqp_url)
        recorder = Recorder("s1", "cmp-17", side="production", sinks=[sink])
        sent = [recorder.record("rpc_call", "conductor", "object_action", {"n": n}, real=True,
                                version="3.0") for n in range(3)]
        sink.close()
        got = []
        while (message := queue(connection.default_channel).get(no_ack=True)) is not None:
            got.append((message.delivery_info["routing_key"], Effect.from_json(message.body)))
    assert got == [("effects.s1.cmp-17", effect) for effect in sent]
