"""The broker a shard connects to, and the transport_url it gets."""

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit


@dataclass(frozen=True)
class BusTarget:
    """The cloud's broker: where it listens, its production vhost, the names oslo uses."""

    url: str
    control_exchange: str = "nova"
    topic: str = "compute"
    alt_topics: tuple[str, ...] = ()  # further topics the server listens on (per host too)
    fanout_casts: tuple[str, ...] = ()  # topics the shard casts to all servers of

    @property
    def production_vhost(self) -> str:
        """The vhost the cloud's URL selects ("/" when it names none)."""
        path = urlsplit(self.url).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    @property
    def endpoint(self) -> tuple[str, int]:
        """The address and port the broker listens on."""
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or (5671 if parts.scheme == "amqps" else 5672)

    def transport_url(self, username: str, password: str, vhost: str) -> str:
        """An oslo.messaging transport_url logging in as an issued user to a vhost."""
        host, port = self.endpoint
        login = f"{quote(username, safe='')}:{quote(password, safe='')}"
        return f"rabbit://{login}@{host}:{port}/{quote(vhost, safe='')}"
