"""The inner RPC messages: what a call or cast carries, and what a server receives."""

from dataclasses import dataclass, field
from typing import Any

from harness.bus.envelope import new_id, pack_context, unpack_context
from harness.bus.exceptions import MalformedMessage


@dataclass
class Incoming:
    """One decoded RPC request, with its context split off and its oslo bookkeeping kept."""

    method: str
    args: dict[str, Any]
    ctxt: dict[str, Any]
    version: str
    namespace: str | None = None
    msg_id: str | None = None
    reply_q: str | None = None
    unique_id: str | None = None
    timeout: Any = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def cause(self) -> str | None:
        """The id effects triggered by this message are tied to: `_msg_id`, else `_unique_id`."""
        return self.msg_id or self.unique_id


def request(
    ctxt: dict[str, Any], method: str, args: dict[str, Any], *,
    version: str | None = None, namespace: str | None = None,
    reply_q: str | None = None, call_monitor_timeout: float | None = None,
) -> dict[str, Any]:
    """An inner call (when `reply_q` is given) or cast message, keys in oslo's order."""
    message: dict[str, Any] = {"method": method, "args": dict(args)}
    if namespace is not None:
        message["namespace"] = namespace
    if version is not None:
        message["version"] = version
    if reply_q is not None:
        message["_msg_id"] = new_id()
        message["_reply_q"] = reply_q
        message["_timeout"] = call_monitor_timeout
    message["_unique_id"] = new_id()
    return pack_context(message, ctxt)


def parse_request(inner: dict[str, Any]) -> Incoming:
    """Split a decoded inner message into an Incoming; MalformedMessage when it has no method."""
    raw = dict(inner)
    body = dict(inner)
    ctxt = unpack_context(body)
    method = body.get("method")
    args = body.get("args", {})
    if not isinstance(method, str) or not method:
        raise MalformedMessage("no_method", f"method is {method!r}")
    if not isinstance(args, dict):
        raise MalformedMessage("bad_args", f"args is a {type(args).__name__}, not an object")
    return Incoming(
        method=method, args=args, ctxt=ctxt, version=str(body.get("version") or "1.0"),
        namespace=body.get("namespace"), msg_id=body.get("_msg_id"),
        reply_q=body.get("_reply_q"), unique_id=body.get("_unique_id"),
        timeout=body.get("_timeout"), raw=raw,
    )


def reply(msg_id: str, result: Any = None, failure: str | None = None) -> dict[str, Any]:
    """The one reply oslo 18 sends: result or failure, `ending` true, its own `_unique_id`."""
    return {
        "result": result, "failure": failure, "ending": True,
        "_msg_id": msg_id, "_unique_id": new_id(),
    }
