"""Servers booted through the local nova cloud's API, as a user would."""

import time
import uuid

from harness.nova.layout import FLAVOR, endpoint
from harness.nova.rest import compute_client
from harness.sandbox.image_service import image_id


def boot_server(timeout: float = 120, flavor: str = str(FLAVOR["id"])) -> str:
    """Boot one server through nova-api and wait until it is ACTIVE; return its host."""
    api = compute_client(endpoint("compute"))
    body = {"server": {"name": f"t-{uuid.uuid4().hex[:6]}", "flavorRef": flavor,
                       "imageRef": image_id("cirros-0.6.2"), "networks": "none"}}
    server_id = api.request("POST", "/servers", body)[1]["server"]["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = api.get(f"/servers/{server_id}")["server"]
        if server["status"] in ("ACTIVE", "ERROR"):
            assert server["status"] == "ACTIVE", server.get("fault")
            return str(server["OS-EXT-SRV-ATTR:host"])
        time.sleep(0.3)
    raise AssertionError(f"server {server_id} not ACTIVE after {timeout:.0f}s")
