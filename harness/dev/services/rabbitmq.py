"""RabbitMQ on 127.0.0.1:5672 with its management API bound to 127.0.0.1:15672."""

from typing import Any

import kombu

from harness.bus.management import ManagementClient
from harness.dev.services.base import LocalService, Probe
from harness.errors import HarnessError
from harness.system.process import ensure_binary, run, wait_until

# RabbitMQ's own default account, which only accepts loopback connections.
LOCAL_USER = "guest"
LOCAL_PASSWORD = "guest"
AMQP_URL = "amqp://127.0.0.1:5672/"
MANAGEMENT_URL = "http://127.0.0.1:15672/"
MANAGEMENT_ON_LOOPBACK = (
    'application:set_env(rabbitmq_management, tcp_config, [{ip, "127.0.0.1"}, {port, 15672}]).'
)


def local_management() -> ManagementClient:
    """A management client for the local broker's default account."""
    return ManagementClient(MANAGEMENT_URL, LOCAL_USER, LOCAL_PASSWORD)


class RabbitMQ(LocalService):
    """The local broker, with the management plugin the rabbitmq secrets engine needs."""

    name = "rabbitmq"
    address = "127.0.0.1:5672"

    def _amqp_version(self) -> str | None:
        """The broker's version from the AMQP handshake, or None when it does not answer."""
        try:
            with kombu.Connection(AMQP_URL, userid=LOCAL_USER, password=LOCAL_PASSWORD,
                                  connect_timeout=3) as conn:
                conn.connect()
                return str(conn.connection.server_properties.get("version", ""))
        except (OSError, kombu.exceptions.KombuError) as error:
            self._last_error = str(error)
            return None

    def _management_answers(self) -> bool:
        try:
            local_management().overview()
        except HarnessError:
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
