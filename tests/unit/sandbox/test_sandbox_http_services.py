"""The image and network services answer real HTTP on loopback."""

from collections.abc import Iterator

import pytest

from harness.hollow.http_client import HttpCallError, request_json
from harness.sandbox.image_service import ImageService, image_id
from harness.sandbox.network_service import NetworkService


@pytest.fixture
def network() -> Iterator[NetworkService]:
    service = NetworkService()
    service.start()
    yield service
    service.stop()


def test_images_are_listed_and_shown() -> None:
    service = ImageService()
    service.start()
    try:
        listed = request_json("GET", f"{service.url}/v2/images")["images"]
        assert {i["name"] for i in listed} == {"cirros-0.6.2", "debian-12"}
        shown = request_json("GET", f"{service.url}/v2/images/{image_id('debian-12')}")
        assert shown["status"] == "active" and shown["name"] == "debian-12"
        with pytest.raises(HttpCallError, match="HTTP 404") as missing:
            request_json("GET", f"{service.url}/v2/images/{image_id('nope')}")
        assert missing.value.status == 404
    finally:
        service.stop()


def test_ports_are_bound_found_by_device_and_deleted(network: NetworkService) -> None:
    body = {"port": {"device_id": "vm-1", "binding:host_id": "h1"}}
    port = request_json("POST", f"{network.url}/v2.0/ports", body, request_id="req-1")["port"]
    request_json("POST", f"{network.url}/v2.0/ports", {"port": {"device_id": "vm-2"}})
    found = request_json("GET", f"{network.url}/v2.0/ports?device_id=vm-1")["ports"]
    assert [p["id"] for p in found] == [port["id"]] and found[0]["binding:host_id"] == "h1"
    assert request_json("DELETE", f"{network.url}/v2.0/ports/{port['id']}") is None
    with pytest.raises(HttpCallError, match="HTTP 404"):
        request_json("DELETE", f"{network.url}/v2.0/ports/{port['id']}")


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/v2.0/ports", {"port": {}}, 400),
    ("PUT", "/v2.0/ports", None, 405),
    ("GET", "/v3/whatever", None, 404),
])
def test_bad_requests_get_clear_statuses(network: NetworkService, method: str, path: str,
                                         body: object, status: int) -> None:
    with pytest.raises(HttpCallError) as error:
        request_json(method, f"{network.url}{path}", body)
    assert error.value.status == status


def test_an_unreachable_service_is_an_error_naming_the_url() -> None:
    with pytest.raises(HttpCallError, match=r"GET http://127.0.0.1:9/x"):
        request_json("GET", "http://127.0.0.1:9/x", timeout=2)
