"""Where the local nova cloud lives: ports, database names, its files, its secrets."""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from harness.atomic import write_json
from harness.paths import dev_dir

CLOUD_NAME = "nova-local"
VHOST = "nova-local"
CONTROL_HOST = "nova-local-control"
BROKER_USER = "nova-local-control"
DB_USER = "nova_local"
# nova-manage names cell0's database after the cell's: "<cell1's>_cell0".
DATABASES = {"api": "nova_local_api", "cell1": "nova_local", "cell0": "nova_local_cell0",
             "placement": "nova_local_placement"}
# The flavor traffic boots with (`dev up --nova` creates it).
FLAVOR = {"id": "harness-tiny", "name": "harness.tiny", "ram": 64, "vcpus": 1, "disk": 0}
PORTS = {"compute": 18774, "placement": 18778, "image": 19293, "network": 19697}
# nova-api without keystone: the paste pipeline trusts these headers (loopback only).
PLACEMENT_ACCESS_LOG = "placement-access.log"  # a placement's, in its directory
API_HEADERS = {"X-Auth-Token": "harness", "X-User-Id": "harness", "X-Project-Id": "harness",
               "X-Roles": "admin,member,reader"}


def endpoint(name: str) -> str:
    """A service's loopback URL (compute's with its API version)."""
    base = f"http://127.0.0.1:{PORTS[name]}"
    return f"{base}/v2.1" if name == "compute" else base


def nova_dir() -> Path:
    """The control plane's config files, pid files and logs (private: they hold passwords)."""
    path = dev_dir() / "nova"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def placement_access_log() -> Path:
    """Where the local placement logs each request (harness.nova.wsgi's format)."""
    return nova_dir() / PLACEMENT_ACCESS_LOG


@dataclass(frozen=True)
class ControlSecrets:
    """The control plane's own database and broker passwords, never given to a shard."""

    database: str
    broker: str

    @staticmethod
    def path() -> Path:
        """Where they are kept, 0600."""
        return nova_dir() / "control-secrets.json"

    @classmethod
    def load_or_create(cls) -> "ControlSecrets":
        """The existing passwords, or new ones written before anything uses them."""
        try:
            data = json.loads(cls.path().read_text())
            return cls(data["database"], data["broker"])
        except FileNotFoundError:
            made = cls(secrets.token_hex(16), secrets.token_hex(16))
            write_json(cls.path(), {"database": made.database, "broker": made.broker})
            return made


def database_url(secrets_: ControlSecrets, which: str) -> str:
    """The control plane's SQLAlchemy URL of one of its databases."""
    return (f"mysql+pymysql://{DB_USER}:{secrets_.database}@127.0.0.1:3306/"
            f"{DATABASES[which]}?charset=utf8")


def transport_url(secrets_: ControlSecrets) -> str:
    """The control plane's oslo.messaging URL."""
    return f"rabbit://{BROKER_USER}:{secrets_.broker}@127.0.0.1:5672/{VHOST}"
