"""A tiny JSON-over-HTTP client on the standard library: per-shard state stays a few bytes."""

import json
import urllib.error
import urllib.request
from typing import Any

TIMEOUT = 30.0
# Loopback services only: never route through a proxy the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class HttpCallError(Exception):
    """A request failed or was answered with an error status; the message names method and URL."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def request_json(method: str, url: str, body: Any = None, request_id: str | None = None,
                 timeout: float = TIMEOUT, extra_headers: dict[str, str] | None = None) -> Any:
    """Send one request with a JSON body; return the decoded JSON answer (None when empty)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json", **(extra_headers or {})}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if request_id:
        headers["X-OpenStack-Request-ID"] = request_id
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise HttpCallError(f"{method} {url}: HTTP {error.code}", error.code) from None
    except (urllib.error.URLError, OSError) as error:
        raise HttpCallError(f"{method} {url}: {error}") from None
    return json.loads(raw) if raw else None
