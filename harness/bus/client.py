"""A synchronous RPC client speaking oslo.messaging's wire format (call, cast, fanout cast)."""

from dataclasses import dataclass, replace
from typing import Any

from harness.bus import topology
from harness.bus.exceptions import MessagingError, RPCVersionCapError
from harness.bus.failures import deserialize_failure
from harness.bus.messages import request
from harness.bus.topology import Target
from harness.bus.transport import Transport
from harness.bus.versions import check_version, version_is_compatible

DEFAULT_TIMEOUT = 60.0
_UNSET: Any = object()


@dataclass(frozen=True)
class RPCClient:
    """Calls and casts to a target, like oslo's RPCClient; `prepare` returns a changed copy.

    Thread-safe: any number of threads may call at once through one client.
    """

    transport: Transport
    target: Target
    timeout: float = DEFAULT_TIMEOUT
    version_cap: str | None = None
    call_monitor_timeout: float | None = None

    def prepare(
        self, *, server: str | None = _UNSET, fanout: bool = _UNSET,
        version: str | None = _UNSET,
        timeout: float = _UNSET, topic: str = _UNSET, exchange: str | None = _UNSET,
        namespace: str | None = _UNSET, version_cap: str | None = _UNSET,
    ) -> "RPCClient":
        """A client with some target fields or options overridden (oslo's prepare())."""
        changes = {
            name: value for name, value in (
                ("server", server), ("fanout", fanout), ("version", version), ("topic", topic),
                ("exchange", exchange), ("namespace", namespace),
            ) if value is not _UNSET
        }
        if isinstance(version, str):
            check_version(version)
        client = replace(self, target=self.target.but(**changes))
        if timeout is not _UNSET:
            client = replace(client, timeout=timeout)
        if version_cap is not _UNSET:
            client = replace(client, version_cap=version_cap)
        return client

    def can_send_version(self, version: str | None = None) -> bool:
        """Whether the cap allows `version` (default: the target's version)."""
        return version_is_compatible(self.version_cap, version or self.target.version)

    def _check_cap(self) -> None:
        """Refuse, before sending, a message above the version cap."""
        if not version_is_compatible(self.version_cap, self.target.version):
            raise RPCVersionCapError(self.target.version, self.version_cap)

    def cast(self, ctxt: dict[str, Any], method: str, **kwargs: Any) -> None:
        """Send without waiting: to `<topic>`, `<topic>.<server>`, or the fanout exchange."""
        self._check_cap()
        message = request(
            ctxt, method, kwargs, version=self.target.version, namespace=self.target.namespace,
        )
        if self.target.fanout:
            exchange = topology.fanout_exchange(self.target.topic)
            self.transport.send(
                "fanout", message, exchange=exchange, routing_key="", declare=[exchange],
            )
            return
        self._send_topic("cast", message, expiration=None)

    def call(
        self, ctxt: dict[str, Any], method: str, *, timeout: float | None = None,
        version: str | None = None, **kwargs: Any,
    ) -> Any:
        """Send and wait for the reply: its result, or the remote failure raised here.

        `timeout` and `version` override the prepared ones for this call only.
        """
        client = self
        if version is not None or timeout is not None:
            client = self.prepare(
                version=version if version is not None else self.target.version,
                timeout=timeout if timeout is not None else self.timeout,
            )
        return client._call(ctxt, method, kwargs)

    def _call(self, ctxt: dict[str, Any], method: str, kwargs: dict[str, Any]) -> Any:
        """One call with this client's target and options."""
        if self.target.fanout:
            raise MessagingError("A call cannot be used with fanout")
        self._check_cap()
        waiter = self.transport.reply_waiter
        message = request(
            ctxt, method, kwargs, version=self.target.version, namespace=self.target.namespace,
            reply_q=waiter.name, call_monitor_timeout=self.call_monitor_timeout,
        )
        waiter.listen(message["_msg_id"])
        try:
            self._send_topic("call", message, expiration=self.timeout)
        except BaseException:
            waiter.forget(message["_msg_id"])
            raise
        reply = waiter.wait(message["_msg_id"], self.timeout)
        if reply.get("failure"):
            raise deserialize_failure(reply["failure"])
        return reply.get("result")

    def _send_topic(self, kind: str, message: dict[str, Any], expiration: float | None) -> None:
        """Publish to the control exchange with key `<topic>` or `<topic>.<server>`."""
        exchange = topology.control_exchange(self.transport.exchange_for(self.target))
        key = self.target.topic
        if self.target.server:
            key = f"{key}.{self.target.server}"
        self.transport.send(
            kind, message, exchange=exchange, routing_key=key, declare=[exchange],
            expiration=expiration,
        )
