"""RabbitMQ on 127.0.0.1:5672 with its management API bound to 127.0.0.1:15672, administered
by the harness's own account, whose random password `harness dev up` keeps in the dev OpenBao."""

import contextlib
import functools
from typing import Any
from urllib.parse import quote

import amqp
import requests

from credentials.client import token_client
from credentials.errors import CredentialsError
from credentials.kv import read_kv
from harness.bus.management import ManagementClient
from harness.dev.services.base import LocalService, Probe
from harness.dev.services.openbao import ADDRESS as VAULT_ADDRESS
from harness.dev.services.openbao import root_token_file
from harness.errors import ConfigError
from harness.system.process import ensure_binary, run, wait_until

LOCAL_USER = "shadow-harness-admin"  # the harness's administrator; never RabbitMQ's guest
ADMIN_SECRET_PATH = "shadow-harness/local/bus-admin"  # in the dev OpenBao's `secret` KV
ADMIN_SECRET = f"secret/{ADMIN_SECRET_PATH}#password"  # as a cloud's bus.password names it
WELL_KNOWN_USER = "guest"  # RabbitMQ's default account, which dev up takes out of use
AMQP_URL = "amqp://127.0.0.1:5672/"
MANAGEMENT_URL = "http://127.0.0.1:15672/"
MANAGEMENT_ON_LOOPBACK = (
    'application:set_env(rabbitmq_management, tcp_config, [{ip, "127.0.0.1"}, {port, 15672}]).'
)


def stored_password(secret_path: str = ADMIN_SECRET_PATH) -> str | None:
    """The administrator's password as the dev OpenBao keeps it; None before dev up made it."""
    try:
        client = token_client(VAULT_ADDRESS, root_token_file().read_text().strip())
        password = read_kv(client, "secret", secret_path).get("password")
    except (OSError, CredentialsError):
        return None
    return str(password) if password else None


@functools.lru_cache(maxsize=1)
def _local_admin() -> tuple[str, str, dict[str, str]]:
    """User, password and password reference of the broker administrator the `local` cloud
    names (what the last `harness dev up` set up), read once per process."""
    from harness.cloud.clients import bus_password, bus_user
    from harness.config import load_cloud
    from harness.dev.local_cloud import LOCAL_CLOUD_NAME

    cloud = load_cloud(LOCAL_CLOUD_NAME)
    if cloud.bus.password is None:
        raise ConfigError(f"cloud {LOCAL_CLOUD_NAME!r}: field bus.password: missing; run "
                          "`harness dev up`")
    reference = cloud.bus.password.model_dump(exclude_none=True)
    return bus_user(cloud), bus_password(cloud), reference


def local_user() -> str:
    """The local broker's administrator."""
    return _local_admin()[0]


def local_password() -> str:
    """The local broker's administrator's password."""
    return _local_admin()[1]


def local_bus(vhost: str) -> dict[str, Any]:
    """A cloud's `bus` section for a vhost of the local broker, as its administrator, the
    password by reference."""
    return {"url": f"amqp://{local_user()}@127.0.0.1:5672/{vhost}",
            "password": dict(_local_admin()[2]), "control_exchange": "nova",
            "management_url": MANAGEMENT_URL}


def local_amqp_url(vhost: str = "") -> str:
    """The administrator's AMQP URL for a vhost of the local broker."""
    return f"amqp://{local_user()}:{quote(local_password(), safe='')}@127.0.0.1:5672/{vhost}"


def local_management() -> ManagementClient:
    """A management client for the local broker, as its administrator."""
    return ManagementClient(MANAGEMENT_URL, local_user(), local_password())


class RabbitMQ(LocalService):
    """The local broker, with the management plugin the rabbitmq secrets engine needs."""

    name = "rabbitmq"
    address = "127.0.0.1:5672"

    def _amqp_version(self) -> str | None:
        """The broker's version from the AMQP handshake (sent before any login, so a refused
        one still tells it), or None when it does not answer."""
        password = stored_password()
        user = LOCAL_USER if password else WELL_KNOWN_USER
        conn = amqp.Connection("127.0.0.1:5672", userid=user, password=password or user,
                               connect_timeout=3)
        try:
            conn.connect()
        except amqp.exceptions.AccessRefused:
            pass
        except (OSError, amqp.exceptions.AMQPError) as error:
            self._last_error = str(error)
            return None
        finally:
            with contextlib.suppress(Exception):
                conn.close()
        return str((conn.server_properties or {}).get("version", ""))

    def _management_answers(self) -> bool:
        """Any HTTP answer of the API (a refused login too) means it runs."""
        try:
            requests.get(f"{MANAGEMENT_URL}api/overview", timeout=5)
        except requests.RequestException:
            return False
        return True

    def probe(self) -> Probe:
        """Answering means AMQP handshakes and the management API responds."""
        version = self._amqp_version()
        if version is None:
            return Probe(False, detail=getattr(self, "_last_error", "no answer"))
        if not self._management_answers():
            return Probe(False, version, "management API on 127.0.0.1:15672 not answering")
        return Probe(True, version, "management 127.0.0.1:15672")

    def start(self) -> dict[str, Any]:
        """Start the broker if needed, then enable the management plugin on loopback."""
        record: dict[str, Any] = {}
        if self._amqp_version() is None:
            ensure_binary("rabbitmq-server", "rabbitmq-server")
            run(["rabbitmq-server", "-detached"])
            wait_until(lambda: self._amqp_version() is not None, "rabbitmq", 90)
            record["server"] = True
        if not self._management_answers():
            run(["rabbitmqctl", "eval", MANAGEMENT_ON_LOOPBACK])
            run(["rabbitmq-plugins", "enable", "rabbitmq_management"])
            record["management_plugin"] = True
        return record

    def stop(self, record: dict[str, Any]) -> None:
        """Disable the plugin and stop the broker, each only if dev up did it."""
        if record.get("management_plugin") and not record.get("server"):
            run(["rabbitmq-plugins", "disable", "rabbitmq_management"])
        if record.get("server"):
            run(["rabbitmqctl", "stop"])
