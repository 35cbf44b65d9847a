"""Exceptions a caller sees, named and shaped like oslo.messaging's so code reads the same."""

from typing import Any

from harness.errors import InfrastructureError


class MessagingError(Exception):
    """Base of every bus error (oslo's MessagingException)."""


class MessageDeliveryFailure(MessagingError, InfrastructureError):
    """The broker is unreachable, or closed the connection, before a message or reply queue was
    in place (oslo's name); exit 3 when it ends a command."""


class MessagingTimeout(MessagingError):
    """No reply arrived before the call's timeout."""


class RPCVersionCapError(MessagingError):
    """The client refused to send: the message's version is above the client's cap."""

    def __init__(self, version: str | None, version_cap: str | None) -> None:
        self.version = version
        self.version_cap = version_cap
        super().__init__(
            f"Requested message version, {version} is incompatible.  It needs to be equal in "
            "major version and less than or equal in minor version as the specified version "
            f"cap {version_cap}."
        )


class RemoteError(MessagingError):
    """The remote endpoint raised an exception this side does not rebuild as its own class."""

    def __init__(
        self, exc_type: str | None = None, value: str | None = None,
        traceback: list[str] | str | None = None,
    ) -> None:
        self.exc_type = exc_type
        self.value = value
        self.traceback = traceback
        tb = "".join(traceback) if isinstance(traceback, list) else traceback
        super().__init__(f"Remote error: {exc_type} {value}\n{tb}.")


class RPCDispatcherError(MessagingError):
    """The server could not dispatch a message to any endpoint."""


class NoSuchMethod(RPCDispatcherError, AttributeError):
    """No endpoint compatible with the message's version exposes the requested method."""

    def __init__(self, method: Any) -> None:
        self.method = method
        super().__init__(f"Endpoint does not support RPC method {method}")


class UnsupportedVersion(RPCDispatcherError):
    """No endpoint serves the message's (major) version."""

    def __init__(self, version: Any, method: Any = None) -> None:
        self.version = version
        self.method = method
        message = f"Endpoint does not support RPC version {version}"
        if method:
            message = f"{message}. Attempted method: {method}"
        super().__init__(message)


class MalformedMessage(MessagingError):
    """A body that is not JSON, not an oslo envelope, or not an RPC message; `kind` says which."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        super().__init__(f"{kind}: {detail}")
