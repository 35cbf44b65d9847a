"""nova-api and placement over REST, as a keystone-less admin of the local nova cloud."""

import random
import time
from typing import Any

import requests

from harness.errors import InfrastructureError
from harness.nova.layout import API_HEADERS

COMPUTE_MICROVERSION = "compute 2.88"
DETAIL_WITHOUT_UPTIME = "compute 2.87"
PLACEMENT_MICROVERSION = "placement 1.14"
UNREAD_CELL_TRIES = 8
UNREAD_CELL_PAUSE = 2.0
PLACEMENT_HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": PLACEMENT_MICROVERSION}


class RestClient:
    """JSON over HTTP with fixed headers; a refused connection is an infrastructure error."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None,
                ok: tuple[int, ...] = (200, 201, 202, 204),
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, JSON body or None); a status outside `ok` is an error naming the call.
        `headers` override the client's for this request."""
        url = f"{self.base_url}{path}"
        # A server may close a kept-alive connection just as a request goes out on it: a GET
        # is tried once more on a fresh connection.
        tries = 2 if method == "GET" else 1
        for attempt in range(tries):
            try:
                response = self.session.request(method, url, json=body, timeout=self.timeout,
                                                headers=headers)
                break
            except requests.ConnectionError:
                if attempt + 1 < tries:
                    continue
                raise InfrastructureError(f"{method} {url}: connection failed") from None
            except requests.RequestException as error:
                raise InfrastructureError(f"{method} {url}: {type(error).__name__}") from None
        if response.status_code not in ok:
            raise InfrastructureError(f"{method} {url}: {response.status_code} "
                                      f"{response.text[:300]}")
        return response.status_code, response.json() if response.content else None

    def get(self, path: str, ok: tuple[int, ...] = (200,)) -> Any:
        """GET a JSON document."""
        return self.request("GET", path, ok=ok)[1]


def compute_client(base_url: str, timeout: float = 30) -> RestClient:
    """nova-api, as an admin through the keystone-less pipeline."""
    return RestClient(base_url, {**API_HEADERS, "OpenStack-API-Version": COMPUTE_MICROVERSION},
                      timeout)


def placement_client(base_url: str, timeout: float = 30) -> RestClient:
    """placement, as its noauth2 admin."""
    return RestClient(base_url, PLACEMENT_HEADERS, timeout)


def compute_services(api: RestClient, host: str | None = None,
                     tries: int = UNREAD_CELL_TRIES) -> list[dict[str, Any]]:
    """nova's own service list (of one host when given).

    When reading a cell fails, nova-api lists that cell's hosts as entries with no id and no
    state (status UNKNOWN). nova 34's API fails so when two of its threads expire its
    availability zone cache at once (oslo.cache's dictionary backend is not thread-safe): the
    list is asked again after a pause, and an error names the hosts when that goes on."""
    query = f"?host={host}" if host else ""
    for attempt in range(tries):
        services = list(api.get(f"/os-services{query}")["services"])
        unread = sorted(s["host"] for s in services if "id" not in s)
        if not unread:
            return services
        if attempt + 1 < tries:  # callers in parallel race again unless they drift apart
            time.sleep(UNREAD_CELL_PAUSE * random.uniform(0.5, 1.5))
    raise InfrastructureError(f"nova-api could not read the cell of host(s) {', '.join(unread)}"
                              f" (listed without id, status UNKNOWN) in {tries} tries")


def resource_providers(placement: RestClient, name: str) -> list[dict[str, Any]]:
    """Placement's resource providers of that name."""
    return list(placement.get(f"/resource_providers?name={name}")["resource_providers"])


def hypervisors(api: RestClient, pattern: str | None = None,
                detail: bool = False) -> list[dict[str, Any]]:
    """nova's hypervisor list (of hypervisor host names containing `pattern` when given). It
    leaves out a node whose host is not mapped to a cell yet: nova-api cannot find its service.
    The detail (with each node's service) is asked at the microversion before 2.88, from which
    nova-api asks every listed host for its uptime over RPC."""
    path = "/os-hypervisors/detail" if detail else "/os-hypervisors"
    query = f"?hypervisor_hostname_pattern={pattern}" if pattern else ""
    headers = {"OpenStack-API-Version": DETAIL_WITHOUT_UPTIME} if detail else None
    status, body = api.request("GET", f"{path}{query}", ok=(200, 404), headers=headers)
    return [] if status == 404 else list(body["hypervisors"])  # 404: no node matches
