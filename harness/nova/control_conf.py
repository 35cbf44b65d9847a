"""The control plane's config files: nova.conf for conductor, scheduler, API and nova-manage,
placement.conf, and an api-paste.ini whose pipelines run without keystone."""

import os
import re
from pathlib import Path

from credentials.delivery import Bundle, render_ini
from harness.atomic import write_text
from harness.nova.layout import (
    CONTROL_HOST,
    PORTS,
    ControlSecrets,
    database_url,
    endpoint,
    nova_dir,
    transport_url,
)

NOVA_CONF = "nova.conf"
# Each service's connections per database: oslo.db's default overflow of 50 lets four
# services of one cloud exhaust a server under a few hundred hosts' reports.
POOL = {"max_pool_size": "5", "max_overflow": "10"}
PLACEMENT_CONF = "placement.conf"
PASTE_INI = "api-paste.ini"


def service_sections(endpoints: dict[str, str]) -> dict[str, dict[str, str]]:
    """Placement, glance and neutron as every nova service (compute too) reaches them, from a
    cloud's `endpoints` (placement, image, network)."""
    token = {"auth_type": "admin_token", "token": "admin"}
    return {
        "placement": {**token, "endpoint": endpoints["placement"],
                      "endpoint_override": endpoints["placement"]},
        "glance": {"endpoint_override": endpoints["image"]},
        "neutron": {**token, "endpoint": endpoints["network"],
                    "endpoint_override": endpoints["network"]},
        "oslo_messaging_notifications": {"driver": "noop"},
    }


def control_sections(transport: str | None, databases: dict[str, str],
                     endpoints: dict[str, str], directory: Path, host: str,
                     conductor_workers: int = 1) -> dict[str, dict[str, str]]:
    """nova.conf of control services at `host`: their broker (None: another config file names
    it), their databases (`api` and `cell1` URLs, either may be absent), the placement, image
    and network they reach, and how many conductor worker processes serve."""
    databases_ = {section: {"connection": databases[which], **POOL}
                  for section, which in (("api_database", "api"), ("database", "cell1"))
                  if which in databases}
    return {
        "DEFAULT": {"host": host, **({"transport_url": transport} if transport else {}),
                    "state_path": str(directory / "state"), "use_stderr": "true",
                    "osapi_compute_workers": "1"},
        **databases_,
        "conductor": {"workers": str(conductor_workers)},
        "quota": {"driver": "nova.quota.NoopQuotaDriver"},  # load tests boot hundreds
        "scheduler": {"workers": "1", "discover_hosts_in_cells_interval": "2"},
        "wsgi": {"api_paste_config": str(directory / PASTE_INI)},
        "oslo_concurrency": {"lock_path": str(directory / "lock")},
        **service_sections(endpoints),
    }


def nova_conf(secrets: ControlSecrets, directory: Path) -> dict[str, dict[str, str]]:
    """nova.conf of the control services, with the databases a compute never gets, and a
    conductor worker per CPU as nova's default has it: every host's heartbeat is a conductor
    call, and one worker lets hundreds of hosts' heartbeats fall behind nova's service-down
    time while it serves builds."""
    return control_sections(
        transport_url(secrets),
        {which: database_url(secrets, which) for which in ("api", "cell1")},
        {name: endpoint(name) for name in ("placement", "image", "network")},
        directory, CONTROL_HOST, os.cpu_count() or 1)


def placement_sections(connection: str) -> dict[str, dict[str, str]]:
    """placement.conf: noauth2 (token `admin` is the admin), the database at `connection`."""
    return {"DEFAULT": {"use_stderr": "true"}, "api": {"auth_strategy": "noauth2"},
            "placement_database": {"connection": connection, **POOL}}


def placement_conf(secrets: ControlSecrets) -> dict[str, dict[str, str]]:
    """The local cloud's placement.conf, on its own database."""
    return placement_sections(database_url(secrets, "placement"))


def keystoneless_paste(stock: str) -> str:
    """The stock api-paste.ini with keystone's authtoken taken out of every pipeline."""
    return re.sub(r"(?m)^(keystone\s*=.*?)\bauthtoken\s+", r"\1", stock)


def write_if_changed(path: Path, text: str) -> bool:
    """Write only when the content differs, so a second dev up changes nothing."""
    if path.is_file() and path.read_text() == text:
        return False
    write_text(path, text, mode=0o600)
    return True


def write_control_conf(secrets: ControlSecrets, stock_paste: Path) -> list[str]:
    """Write the control plane's files; the names of those that changed."""
    directory = nova_dir()
    for sub in ("state", "lock"):
        (directory / sub).mkdir(mode=0o700, exist_ok=True)
    files = {
        NOVA_CONF: render_ini(Bundle(nova_conf(secrets, directory)), directory),
        PLACEMENT_CONF: render_ini(Bundle(placement_conf(secrets)), directory),
        PASTE_INI: keystoneless_paste(stock_paste.read_text()),
    }
    return [name for name, text in files.items() if write_if_changed(directory / name, text)]


def listen_address(name: str) -> str:
    """host:port a WSGI service binds."""
    return f"127.0.0.1:{PORTS[name]}"
