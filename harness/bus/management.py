"""RabbitMQ's management HTTP API: vhosts, permissions, queues, consumers, the firehose's knobs."""

from typing import Any
from urllib.parse import quote

import requests

from harness.errors import InfrastructureError, UsageError


class ManagementClient:
    """A thin client for the parts of the management API the harness uses."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 10) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; connection errors are infrastructure, 4xx are usage errors."""
        try:
            response = self.session.request(
                method, f"{self.url}/api/{path}", timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:
            raise InfrastructureError(f"RabbitMQ management API at {self.url}: {error}") from None
        if response.status_code == 404 and method in ("GET", "DELETE"):
            return None
        if response.status_code >= 400:
            raise UsageError(
                f"RabbitMQ management API {method} {path}: "
                f"{response.status_code} {response.text[:200]}"
            )
        return response.json() if response.content else None

    def overview(self) -> dict[str, Any]:
        """Broker-wide facts, including its version."""
        return dict(self._call("GET", "overview") or {})

    def vhosts(self) -> list[str]:
        """Names of every vhost."""
        return [v["name"] for v in self._call("GET", "vhosts") or []]

    def create_vhost(self, vhost: str) -> None:
        """Create a vhost (idempotent)."""
        self._call("PUT", f"vhosts/{quote(vhost, safe='')}")

    def delete_vhost(self, vhost: str) -> None:
        """Delete a vhost and everything in it (a missing one is fine)."""
        self._call("DELETE", f"vhosts/{quote(vhost, safe='')}")

    def create_user(self, user: str, password: str) -> None:
        """Create a user without tags, or reset its password (idempotent)."""
        self._call("PUT", f"users/{quote(user, safe='')}", json={"password": password, "tags": ""})

    def set_permissions(
        self, vhost: str, user: str, configure: str = ".*", write: str = ".*", read: str = ".*"
    ) -> None:
        """Grant a user configure/write/read patterns on a vhost."""
        body = {"configure": configure, "write": write, "read": read}
        self._call("PUT", f"permissions/{quote(vhost, safe='')}/{quote(user, safe='')}", json=body)

    def queues(self, vhost: str) -> list[dict[str, Any]]:
        """Every queue in a vhost with its counters."""
        return list(self._call("GET", f"queues/{quote(vhost, safe='')}") or [])

    def queue(self, vhost: str, name: str) -> dict[str, Any] | None:
        """One queue's details, or None when it does not exist."""
        found = self._call("GET", f"queues/{quote(vhost, safe='')}/{quote(name, safe='')}")
        return dict(found) if found else None

    def delete_queue(self, vhost: str, name: str) -> None:
        """Delete a queue (a missing one is fine)."""
        self._call("DELETE", f"queues/{quote(vhost, safe='')}/{quote(name, safe='')}")

    def consumers(self, vhost: str) -> list[dict[str, Any]]:
        """Every consumer in a vhost, with its queue and its channel's user."""
        return list(self._call("GET", f"consumers/{quote(vhost, safe='')}") or [])

    def connections(self, vhost: str) -> list[dict[str, Any]]:
        """Every client connection to a vhost."""
        return list(self._call("GET", f"vhosts/{quote(vhost, safe='')}/connections") or [])

    def delete_exchange(self, vhost: str, name: str) -> None:
        """Delete an exchange (a missing one is fine)."""
        self._call("DELETE", f"exchanges/{quote(vhost, safe='')}/{quote(name, safe='')}")

    def users(self) -> list[str]:
        """Names of every user."""
        return [u["name"] for u in self._call("GET", "users") or []]

    def delete_user(self, user: str) -> None:
        """Delete a user (a missing one is fine)."""
        self._call("DELETE", f"users/{quote(user, safe='')}")

    def tracing(self, vhost: str) -> bool:
        """Whether the firehose (amq.rabbitmq.trace) is on for a vhost."""
        return bool((self._call("GET", f"vhosts/{quote(vhost, safe='')}") or {}).get("tracing"))

    def set_tracing(self, vhost: str, enabled: bool) -> None:
        """Switch the firehose on or off for one vhost, keeping its description and tags."""
        found = self._call("GET", f"vhosts/{quote(vhost, safe='')}")
        if found is None:  # gone, and its firehose with it: a PUT would create it again
            return
        body = {"tracing": enabled, "description": found.get("description", ""),
                "tags": ",".join(found.get("tags") or [])}
        self._call("PUT", f"vhosts/{quote(vhost, safe='')}", json=body)

    def exchanges(self, vhost: str) -> list[dict[str, Any]]:
        """Every exchange in a vhost with its type and flags."""
        return list(self._call("GET", f"exchanges/{quote(vhost, safe='')}") or [])

    def bindings(self, vhost: str) -> list[dict[str, Any]]:
        """Every binding in a vhost (source, destination, routing key)."""
        return list(self._call("GET", f"bindings/{quote(vhost, safe='')}") or [])
