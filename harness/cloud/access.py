"""How hollow shards and the sandbox reach a cloud: bus URL with its secret, HTTP endpoints."""

import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from credentials.bus import BusTarget
from harness.atomic import write_json
from harness.config.schema import Cloud
from harness.config.secrets import resolve_secret
from harness.errors import ConfigError
from harness.paths import private_dir

REQUIRED_ENDPOINTS = ("image", "network")


def with_password(url: str, password: str | None) -> str:
    """The URL with the password put into its netloc (kept in memory, never logged)."""
    if password is None:
        return url
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def bus_url(cloud: Cloud) -> str:
    """The cloud's AMQP URL with its password resolved (from Vault, a file or a variable)."""
    ref = cloud.bus.password
    return with_password(cloud.bus.url, resolve_secret(ref, cloud) if ref else None)


def endpoints_file(cloud_name: str) -> Path:
    """Where a running sandbox cloud publishes its HTTP endpoints for shards in other processes."""
    return private_dir("sandbox") / f"{cloud_name}.endpoints.json"


def pid_file(cloud_name: str) -> Path:
    """Where a running `sandbox up` names its process, so a scale job can measure its CPU."""
    return private_dir("sandbox") / f"{cloud_name}.pid.json"


def publish_endpoints(cloud_name: str, endpoints: dict[str, str]) -> None:
    """Record a sandbox's endpoints so `harness hollow run` in another process finds them."""
    write_json(endpoints_file(cloud_name), endpoints)


def service_endpoints(cloud: Cloud) -> dict[str, str]:
    """The image and network endpoints: clouds.yaml's, else those a running sandbox published."""
    found = dict(cloud.endpoints)
    path = endpoints_file(cloud.name)
    if any(name not in found for name in REQUIRED_ENDPOINTS) and path.is_file():
        try:
            published = json.loads(path.read_text())
        except ValueError as error:
            raise ConfigError(f"{path}: not JSON: {error}") from None
        found = {**published, **found}
    missing = [name for name in REQUIRED_ENDPOINTS if name not in found]
    if missing:
        raise ConfigError(
            f"cloud {cloud.name!r}: field endpoints: no {', '.join(missing)} endpoint; set "
            f"endpoints.{missing[0]} in clouds.yaml or start `harness sandbox up --cloud "
            f"{cloud.name}`"
        )
    return found


def reachable_endpoints(cloud: Cloud, urls: Iterable[str] = ()) -> tuple[tuple[str, int], ...]:
    """What a shard kept off production's network may reach: the cloud's broker, and the
    address and port of each of these service URLs."""
    found = [BusTarget(cloud.bus.url).endpoint]
    for url in urls:
        parts = urlsplit(url)
        found.append((parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)))
    return tuple(dict.fromkeys(found))
