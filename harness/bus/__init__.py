"""The bus: oslo.messaging's wire format over kombu, topology, and the broker's management API.

Public API (import from `harness.bus`; nothing here imports oslo_messaging):

Transport
    `Transport(url, control_exchange="openstack", transient_queues_ttl=1800)`: one vhost.
    `.publisher` (thread-safe, own connection), `.reply_waiter` (lazy `reply_<uuid>` queue and
    thread), `.observers` (list of callables receiving a `SentMessage(kind, exchange,
    routing_key, message)` after each publish: kind is call/cast/fanout/reply/notification;
    use it to record effects), `.connect()` (a new kombu connection), `.close()`.

Clients
    `RPCClient(transport, Target(topic, server=None, exchange=None, version=None,
    namespace=None), timeout=60, version_cap=None)`; `.prepare(server=, fanout=, version=,
    timeout=, topic=, exchange=, namespace=, version_cap=)` returns a copy;
    `.call(ctxt, method, timeout=None, version=None, **kwargs)` returns the result or raises the
    remote failure; `.cast(ctxt, method, **kwargs)` (fanout when prepared with fanout=True);
    `.can_send_version(v)`. Thread-safe. `ctxt` is a plain dict sent as `_context_<key>`.
    `Notifier(transport, publisher_id, topics=("notifications",), exchange=None)` with
    `.info/.warn/.error/.critical/.debug/.audit/.sample(ctxt, event_type, payload)` and
    `.prepare(publisher_id)`.

Servers
    `ServerSet(transport, executor=None)`: many servers on ONE connection, a channel each.
    `.add(topic, host, endpoints, exchange=None, fanout=True) -> RPCListener` consumes
    `<topic>`, `<topic>.<host>` and `<topic>_fanout_<uuid>`; endpoints are objects whose public
    methods take `(ctxt: dict, **kwargs)`, with an optional `target = Target(version="6.2",
    namespace=None)` attribute (default version 1.0), dispatched as oslo does.
    `.add_notification_listener(topics, callback, priorities=..., pool=None)`; callback gets a
    `Notification`. `.remove(listener)`, `.drain(timeout)`, `.start()` (one daemon thread),
    `.stop()`, `.counters()` (summed per-kind counts; each listener has `.counters` too:
    handled, duplicate, no_such_method, unsupported_version, endpoint_error, not_json,
    not_a_message, no_envelope, bad_envelope_version, no_method, bad_args, reply_failed, ...).
    While an endpoint runs, `shims.causes.current_cause()` holds the message's `_msg_id` (or
    `_unique_id`) and the context's request_id, so shims effects are tied to it.

Exceptions (as oslo names them)
    `MessagingError`, `MessagingTimeout`, `RemoteError(exc_type, value, traceback)`,
    `MessageDeliveryFailure` (the broker unreachable or the connection closed: kombu's and the
    socket's errors from cast and call, wrapped), `RPCVersionCapError`, `NoSuchMethod`,
    `UnsupportedVersion`, `MalformedMessage(kind, ...)`.
    `register_remote_exception(module, name, rebuild)` teaches callers another remote class.

Wire-format helpers
    `envelope` (encode/decode/pack_context/unpack_context), `messages` (request, reply,
    parse_request, Incoming), `failures` (serialize_failure/deserialize_failure),
    `topology` (exactly oslo's exchanges and queues per target), `versions.version_is_compatible`.
"""

from harness.bus.client import RPCClient
from harness.bus.exceptions import (
    MalformedMessage,
    MessageDeliveryFailure,
    MessagingError,
    MessagingTimeout,
    NoSuchMethod,
    RemoteError,
    RPCVersionCapError,
    UnsupportedVersion,
)
from harness.bus.failures import register_remote_exception
from harness.bus.listeners import NotificationListener, RPCListener
from harness.bus.messages import Incoming
from harness.bus.notifications import Notification, Notifier
from harness.bus.server import ServerSet
from harness.bus.topology import Target
from harness.bus.transport import SentMessage, Transport
from harness.bus.versions import version_is_compatible

__all__ = [
    "Incoming",
    "MalformedMessage",
    "MessageDeliveryFailure",
    "MessagingError",
    "MessagingTimeout",
    "NoSuchMethod",
    "Notification",
    "NotificationListener",
    "Notifier",
    "RPCClient",
    "RPCListener",
    "RPCVersionCapError",
    "RemoteError",
    "SentMessage",
    "ServerSet",
    "Target",
    "Transport",
    "UnsupportedVersion",
    "register_remote_exception",
    "version_is_compatible",
]
