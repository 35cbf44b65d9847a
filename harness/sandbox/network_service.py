"""The sandbox's network service: neutron-like ports bound to hosts, over HTTP."""

import threading
import uuid
from typing import Any

from harness.sandbox.http_service import HttpError, JsonService, Reply, Request


class NetworkService(JsonService):
    """POST/GET/DELETE /v2.0/ports, keeping ports in memory with their host binding."""

    name = "network"

    def __init__(self) -> None:
        super().__init__()
        self.ports: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._allocated = 10
        self.route("POST", r"/v2.0/ports", self._create)
        self.route("GET", r"/v2.0/ports", self._list)
        self.route("DELETE", r"/v2.0/ports/(?P<id>[0-9a-f-]+)", self._delete)
        self.route("GET", r"/v2.0/networks", self._networks)

    def _create(self, request: Request) -> Reply:
        wanted = request.body.get("port") if isinstance(request.body, dict) else None
        if not isinstance(wanted, dict) or not wanted.get("device_id"):
            raise HttpError(400, "body must be {'port': {'device_id': ..., ...}}")
        with self._lock:
            self._allocated += 1
            octets = [self._allocated >> shift & 255 for shift in (16, 8, 0)]
            port = {
                "id": str(uuid.uuid4()),
                "device_id": wanted["device_id"],
                "binding:host_id": wanted.get("binding:host_id", ""),
                "status": "ACTIVE",
                "mac_address": "fa:16:3e:" + ":".join(f"{o:02x}" for o in octets),
                "fixed_ips": [{"ip_address": "10." + ".".join(str(o) for o in octets)}],
            }
            self.ports[port["id"]] = port
        return 201, {"port": port}

    def _list(self, request: Request) -> Reply:
        device = request.query.get("device_id")
        found = [p for p in list(self.ports.values()) if device is None or p["device_id"] == device]
        return 200, {"ports": found}

    def _networks(self, _request: Request) -> Reply:
        """No networks: ports are bound by device alone (real nova-compute asks on reboot)."""
        return 200, {"networks": []}

    def _delete(self, request: Request) -> Reply:
        with self._lock:
            if self.ports.pop(request.match["id"], None) is None:
                raise HttpError(404, f"port {request.match['id']} not found")
        return 204, None
