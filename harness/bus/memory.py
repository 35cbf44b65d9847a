"""An in-process broker for the embedded demo: kombu's memory transport, one state per vhost.

kombu's own memory transport shares one global state, so every "vhost" would see every queue;
here each virtual host gets its own exchanges, bindings and queues, so shadow isolation holds
in-process exactly as it does on RabbitMQ. URL: `hmemory://localhost/<vhost>`. A vhost's
firehose copies every publish to `amq.rabbitmq.trace` as RabbitMQ's does.
"""

from collections import defaultdict
from queue import Queue
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, memory, virtual

SCHEME = "hmemory"
TRACE_EXCHANGE = "amq.rabbitmq.trace"
_TRACING: set[str] = set()
_STATES: dict[str, virtual.BrokerState] = defaultdict(virtual.BrokerState)
_QUEUES: dict[str, dict[str, "Queue[Any]"]] = defaultdict(dict)


def url_for(vhost: str) -> str:
    """The in-process broker's URL for a vhost."""
    return f"{SCHEME}://localhost/{vhost}"


def vhosts() -> list[str]:
    """Every vhost that has been used in this process."""
    return sorted(set(_STATES) | set(_QUEUES))


def delete_vhost(vhost: str) -> None:
    """Forget a vhost's exchanges, bindings and queues."""
    _STATES.pop(vhost, None)
    _QUEUES.pop(vhost, None)
    _TRACING.discard(vhost)


def set_tracing(vhost: str, enabled: bool) -> None:
    """Switch a vhost's firehose on or off (`rabbitmqctl trace_on` for the in-process broker)."""
    if enabled:
        _TRACING.add(vhost)
    else:
        _TRACING.discard(vhost)


class Channel(memory.Channel):
    """A memory channel whose queues belong to its connection's vhost only."""

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        self.vhost = connection.client.virtual_host
        self.queues = _QUEUES[self.vhost]
        super().__init__(connection, **kwargs)
        if TRACE_EXCHANGE not in self.state.exchanges:  # every RabbitMQ vhost has one
            self.exchange_declare(TRACE_EXCHANGE, type="topic", durable=True)

    def basic_publish(self, message: dict[str, Any], exchange: str, routing_key: str,
                      **kwargs: Any) -> Any:
        """Publish; with the vhost's firehose on, first copy the message to the trace exchange."""
        if self.vhost in _TRACING and exchange != TRACE_EXCHANGE:
            self._trace(message, exchange, routing_key)
        return super().basic_publish(message, exchange, routing_key, **kwargs)

    def _trace(self, message: dict[str, Any], exchange: str, routing_key: str) -> None:
        """The firehose's `publish.<exchange>` copy, with the headers RabbitMQ gives it."""
        headers = {"exchange_name": exchange, "routing_keys": [routing_key],
                   "vhost": self.vhost, "properties": {
                       "content_type": message.get("content-type"),
                       "content_encoding": message.get("content-encoding")}}
        copy = self.prepare_message(message["body"], content_type=message.get("content-type"),
                                    content_encoding=message.get("content-encoding"),
                                    headers=headers)
        super().basic_publish(copy, TRACE_EXCHANGE, f"publish.{exchange}")

    def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        """Acknowledge one delivery, or with `multiple` every one up to it, as RabbitMQ does."""
        if not multiple:
            self.qos.ack(delivery_tag)
            return
        for tag in [t for t in list(self.qos._delivered) if t <= delivery_tag]:
            self.qos.ack(tag)

    def close(self) -> None:
        """Close without emptying the vhost's queues (other channels still use them)."""
        queues = self.queues
        super().close()
        self.queues = queues


class Transport(memory.Transport):
    """The memory transport with per-vhost broker state and a short polling interval."""

    Channel = Channel
    polling_interval = 0.002
    driver_name = SCHEME

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.state = _STATES[client.virtual_host]


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
