"""What a hollow shard reaches outside itself: conductor, notifications, image and network APIs.

One ShardServices serves every shard of a process; each of its operations is an external
operation recorded (and, in shadow mode, replaced by a stand-in) by shims.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from harness.bus import Notifier, RPCClient
from harness.hollow.http_client import request_json

T = TypeVar("T")
CONDUCTOR_TOPIC = "conductor"
CONDUCTOR_VERSION = "3.0"
# Placement as a keystone-less cloud serves it (noauth2: the token `admin` is its admin).
SERVICE_HEADERS = {"placement": {"X-Auth-Token": "admin",
                                 "OpenStack-API-Version": "placement 1.14"}}


class External(Protocol):
    """Run (or, in shadow mode, stand in for) one external operation and record it."""

    def __call__(self, kind: str, target: str, method: str, payload: Any,
                 run: Callable[[], T], stand_in: T, version: str | None = None) -> T: ...


@dataclass(frozen=True)
class ShardServices:
    """The clients every shard of a process shares; thread-safe, so shards add no weight."""

    conductor: RPCClient
    notifier: Notifier
    endpoints: dict[str, str]
    external: External

    def object_action(self, ctxt: dict[str, Any], objinst: dict[str, Any], objmethod: str,
                      kwargs: dict[str, Any], version: str = CONDUCTOR_VERSION) -> Any:
        """nova's conductor object_action call: run a method of an object on the conductor."""
        payload: dict[str, Any] = {"objinst": objinst, "objmethod": objmethod, "args": [],
                                   "kwargs": kwargs}
        return self.external(
            "rpc_call", CONDUCTOR_TOPIC, "object_action", payload,
            lambda: self.conductor.call(ctxt, "object_action", version=version, **payload),
            [{}, None], version=version,
        )

    def notify(self, ctxt: dict[str, Any], publisher_id: str, event_type: str, payload: Any,
               priority: str) -> None:
        """Send a versioned notification under this publisher id."""
        notifier = self.notifier.prepare(publisher_id)
        self.external(
            "notification", publisher_id, event_type, {"priority": priority, "payload": payload},
            lambda: notifier.notify(ctxt, event_type, payload, priority), None,
        )

    def http(self, ctxt: dict[str, Any], service: str, method: str, path: str, body: Any,
             stand_in: Any) -> Any:
        """One JSON request to the image, network or placement service, with the request id."""
        url = self.endpoints[service].rstrip("/") + path
        headers = SERVICE_HEADERS.get(service)
        return self.external(
            "http", url, method, body,
            lambda: request_json(method, url, body, ctxt.get("request_id"),
                                 extra_headers=headers), stand_in,
        )
