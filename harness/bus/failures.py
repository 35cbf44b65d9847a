"""The `failure` field of a reply: an exception serialised and rebuilt as oslo.messaging does."""

import builtins
import json
import traceback
from collections.abc import Callable
from typing import Any

from harness.bus.envelope import dumps
from harness.bus.exceptions import NoSuchMethod, RemoteError, UnsupportedVersion

# The module oslo's dispatcher errors live in: our twins travel under that name, so an oslo
# caller allowing it rebuilds its own class, and we rebuild ours from its replies.
OSLO_DISPATCHER_MODULE = "oslo_messaging.rpc.dispatcher"
REMOTE_POSTFIX = "_Remote"
_BUILTIN_MODULES = ("builtins", "exceptions")

Rebuilder = Callable[[dict[str, Any]], Exception]


def _rebuild_no_such_method(failure: dict[str, Any]) -> Exception:
    """NoSuchMethod from its message (oslo sends the message, not the method, as args)."""
    prefix = "Endpoint does not support RPC method "
    message = str(failure.get("message", ""))
    return NoSuchMethod(message[len(prefix):] if message.startswith(prefix) else message)


def _rebuild_unsupported_version(failure: dict[str, Any]) -> Exception:
    """UnsupportedVersion with the version and method parsed back out of its message."""
    message = str(failure.get("message", ""))
    head, _, method = message.partition(". Attempted method: ")
    version = head.rpartition(" ")[2]
    return UnsupportedVersion(version, method or None)


KNOWN_CLASSES: dict[tuple[str, str], Rebuilder] = {
    (OSLO_DISPATCHER_MODULE, "NoSuchMethod"): _rebuild_no_such_method,
    (OSLO_DISPATCHER_MODULE, "UnsupportedVersion"): _rebuild_unsupported_version,
}
_WIRE_NAMES: dict[type[BaseException], tuple[str, str]] = {
    NoSuchMethod: (OSLO_DISPATCHER_MODULE, "NoSuchMethod"),
    UnsupportedVersion: (OSLO_DISPATCHER_MODULE, "UnsupportedVersion"),
}


def serialize_failure(error: BaseException) -> str:
    """The JSON string oslo puts in a reply's `failure` (class, module, message, tb, args...)."""
    module, name = _WIRE_NAMES.get(type(error), (type(error).__module__, type(error).__name__))
    if name.endswith(REMOTE_POSTFIX) and module.endswith(REMOTE_POSTFIX):
        module, name = module[: -len(REMOTE_POSTFIX)], name[: -len(REMOTE_POSTFIX)]
    args: tuple[Any, ...] = error.args
    if type(error) in _WIRE_NAMES:
        args = (str(error),)
    kwargs = getattr(error, "kwargs", None)
    data = {
        "class": name,
        "module": module,
        "message": str(error),
        "tb": traceback.format_exception(type(error), error, error.__traceback__),
        "args": list(args),
        "kwargs": kwargs if isinstance(kwargs, dict) else {},
    }
    return dumps(data)


def deserialize_failure(data: str) -> Exception:
    """The exception a caller raises for a reply's `failure`.

    Known classes (NoSuchMethod, UnsupportedVersion, built-in exceptions) come back as
    themselves; anything else is a RemoteError carrying exc_type, value and the traceback.
    """
    try:
        failure = json.loads(data)
    except (TypeError, ValueError):
        return RemoteError("UnknownFailure", str(data), None)
    if not isinstance(failure, dict):
        return RemoteError("UnknownFailure", str(data), None)
    name = str(failure.get("class"))
    module = str(failure.get("module"))
    trace = failure.get("tb") or []
    rebuild = KNOWN_CLASSES.get((module, name))
    if rebuild is not None:
        return rebuild(failure)
    if module in _BUILTIN_MODULES:
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            try:
                return builtin(*failure.get("args", []), **failure.get("kwargs", {}))
            except TypeError:
                pass
    return RemoteError(name, failure.get("message"), trace)


def register_remote_exception(module: str, name: str, rebuild: Rebuilder) -> None:
    """Teach callers to rebuild one more remote class (`module`.`name`) as a local exception."""
    KNOWN_CLASSES[(module, name)] = rebuild
