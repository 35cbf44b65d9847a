"""A shard's configuration as oslo.config-style INI files: the secret bundle plus shard.conf.

The harness writes `shard.conf` (nothing secret: control exchange, service endpoints, the
cloud's RPC version caps); Vault's bundle adds `transport_url` and `[database] connection`.
A shard reads both, later files overriding earlier ones, as oslo.config does.
"""

import configparser
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.atomic import write_text
from harness.config.schema import Cloud
from harness.errors import ConfigError

SHARD_CONF = "shard.conf"


@dataclass(frozen=True)
class ShardConfig:
    """What a shard needs to join its cloud, read from its config files."""

    bus_url: str
    control_exchange: str
    endpoints: dict[str, str] = field(default_factory=dict)
    version_caps: dict[str, str] = field(default_factory=dict)


def amqp_url(transport_url: str) -> str:
    """oslo's `rabbit://user:pass@host:port/vhost` as kombu's `amqp://...`."""
    parts = urlsplit(transport_url)
    if parts.scheme not in ("rabbit", "amqp"):
        raise ConfigError(f"transport_url: scheme must be rabbit or amqp, got {parts.scheme!r}")
    return urlunsplit(("amqp", *parts[1:]))


def write_shard_conf(directory: Path, cloud: Cloud, endpoints: dict[str, str]) -> Path:
    """Write the non-secret half of a shard's configuration next to its bundle."""
    path = directory / SHARD_CONF
    write_text(path, shard_conf_text(cloud, endpoints), mode=0o600)
    return path


def shard_conf_text(cloud: Cloud, endpoints: dict[str, str]) -> str:
    """The non-secret half of a shard's configuration: exchange, endpoints, version caps."""
    parser = configparser.ConfigParser(interpolation=None)
    parser["DEFAULT"] = {"control_exchange": cloud.bus.control_exchange}
    parser["harness_endpoints"] = dict(endpoints)
    parser["upgrade_levels"] = dict(cloud.rpc_version_caps)
    lines = []
    for section in ["DEFAULT", *parser.sections()]:
        lines.append(f"[{section}]")
        items = parser.defaults() if section == "DEFAULT" else {
            k: v for k, v in parser[section].items() if k not in parser.defaults()}
        lines += [f"{key} = {value}" for key, value in items.items()]
        lines.append("")
    return "\n".join(lines)


def read_shard_config(paths: Sequence[Path]) -> ShardConfig:
    """Merge the config files in order; a missing file or option names the file and option."""
    parser = configparser.ConfigParser(interpolation=None)
    for path in paths:
        try:
            with path.open() as handle:
                parser.read_file(handle, source=str(path))
        except OSError as error:
            raise ConfigError(f"{path}: {error.strerror}") from None
        except configparser.Error as error:
            raise ConfigError(f"{path}: {error.message.splitlines()[0]}") from None
    defaults = parser.defaults()
    if "transport_url" not in defaults:
        raise ConfigError(f"{', '.join(map(str, paths))}: [DEFAULT] transport_url is missing")

    def section(name: str) -> dict[str, str]:
        if not parser.has_section(name):
            return {}
        return {k: v.replace("$$", "$") for k, v in parser[name].items() if k not in defaults}

    return ShardConfig(
        bus_url=amqp_url(defaults["transport_url"].replace("$$", "$")),
        control_exchange=defaults.get("control_exchange", "nova"),
        endpoints=section("harness_endpoints"),
        version_caps=section("upgrade_levels"),
    )


def shard_user(bundle: Path) -> str:
    """The broker user name in a shard's bundle (the name only; the password stays there)."""
    return urlsplit(read_shard_config([bundle]).bus_url).username or ""
