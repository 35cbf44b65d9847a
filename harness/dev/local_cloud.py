"""The `local` cloud dev up writes into the user's clouds.yaml, and the secrets it points at."""

from pathlib import Path
from typing import Any

import yaml

from harness.atomic import write_text
from harness.config.loader import user_config_path
from harness.dev.services.openbao import ADDRESS as VAULT_ADDRESS
from harness.dev.services.openbao import root_token_file
from harness.dev.services.rabbitmq import ADMIN_SECRET, AMQP_URL, LOCAL_USER, MANAGEMENT_URL

LOCAL_CLOUD_NAME = "local"
LOCAL_DATABASE = "harness_local"


def local_cloud() -> dict[str, Any]:
    """The local cloud's entry: loopback addresses and references to secrets, never values."""
    return {
        "bus": {
            "url": AMQP_URL.replace("amqp://", f"amqp://{LOCAL_USER}@"),
            "password": {"vault": ADMIN_SECRET},
            "control_exchange": "nova",
            "management_url": MANAGEMENT_URL,
        },
        "vault": {
            "address": VAULT_ADDRESS,
            "auth": {"method": "token", "token_file": str(root_token_file())},
        },
        "database": {"url": f"mysql+pymysql://root@127.0.0.1:3306/{LOCAL_DATABASE}"},
        # Fixed loopback ports, so shards and `harness sandbox` agree across restarts.
        "endpoints": {"image": "http://127.0.0.1:19292/", "network": "http://127.0.0.1:19696/"},
        "rpc_version_caps": {"compute": "6.4", "conductor": "3.0"},
    }


def prepare_local_cloud() -> list[str]:
    """Create the local cloud's database and configure the dev OpenBao to issue for it."""
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{LOCAL_DATABASE}`")
    return bootstrap_vault(LOCAL_CLOUD_NAME)


def bootstrap_vault(cloud_name: str) -> list[str]:
    """Configure the dev OpenBao to issue for a cloud of the user's clouds.yaml."""
    from credentials.bootstrap import bootstrap
    from harness.config import load_cloud
    from harness.config.secrets import vault_client
    from harness.creds.targets import bootstrap_plan, layout_for

    cloud = load_cloud(cloud_name, user_config_path())
    return bootstrap(vault_client(cloud), bootstrap_plan(cloud, layout_for(cloud))).created


def write_local_cloud(path: Path | None = None, name: str = LOCAL_CLOUD_NAME,
                      entry: dict[str, Any] | None = None) -> Path:
    """Add or replace a dev cloud (`local` by default) in the user's clouds.yaml, keeping every
    other cloud; unchanged content is not rewritten."""
    target = path or user_config_path()
    existing: dict[str, Any] = {}
    if target.is_file():
        existing = yaml.safe_load(target.read_text()) or {}
    clouds = dict(existing.get("clouds") or {})
    clouds[name] = entry if entry is not None else local_cloud()
    existing["clouds"] = clouds
    text = yaml.safe_dump(existing, sort_keys=False)
    if not target.is_file() or target.read_text() != text:
        write_text(target, text, mode=0o644)
    return target
