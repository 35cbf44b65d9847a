"""Before a session starts: does production have the host it is asked to shadow?

A session of a host production does not have mirrors nothing for its whole duration, so a typo
in a host name would cost the session's hour. Production has the host when something consumes
`compute.<host>` in its vhost (asked of the broker's management API, whose consumer list is as
of its last statistics: a host that came up seconds ago may not be in it yet) or its conductor
knows a nova-compute service on it (`Service.get_by_host_and_binary`, as nova-compute asks).
"""

from dataclasses import dataclass

from harness.bus import MessagingError, RPCClient, Target, Transport
from harness.cloud.access import bus_url
from harness.cloud.clients import CloudClients
from harness.hollow.context import admin_context
from harness.hollow.services import CONDUCTOR_TOPIC, CONDUCTOR_VERSION
from harness.shards.readiness import COMPUTE_BINARY, vhost_of

CONDUCTOR_TIMEOUT = 10.0
SERVICE_VERSION = "1.22"  # the Service object version nova-compute asks with


@dataclass(frozen=True)
class HostCheck:
    """What production says of a host: consumers of its queue, a service the conductor has."""

    host: str
    consumers: int
    service_known: bool | None  # None: the conductor did not answer
    conductor_error: str = ""

    @property
    def exists(self) -> bool:
        """Production has the host by either sign."""
        return self.consumers > 0 or bool(self.service_known)

    def refusal(self, vhost: str) -> str:
        """Why a session of this host is refused, for the error message."""
        conductor = ("the conductor knows no nova-compute service on it"
                     if self.service_known is False
                     else f"the conductor did not answer ({self.conductor_error})")
        return (f"--of {self.host}: production has no such host: nothing consumes "
                f"compute.{self.host} in vhost {vhost!r} and {conductor}; check the host name, "
                "or pass --force to start anyway")


def conductor_knows(clients: CloudClients, host: str,
                    timeout: float = CONDUCTOR_TIMEOUT) -> tuple[bool | None, str]:
    """Whether the conductor has a nova-compute service on `host` (None and why: no answer)."""
    cloud = clients.cloud
    transport = Transport(bus_url(cloud), cloud.bus.control_exchange)
    try:
        client = RPCClient(transport, Target(topic=CONDUCTOR_TOPIC, version=CONDUCTOR_VERSION),
                           timeout=timeout)
        found = client.call(admin_context(), "object_class_action_versions", objname="Service",
                            objmethod="get_by_host_and_binary",
                            object_versions={"Service": SERVICE_VERSION},
                            args=[host, COMPUTE_BINARY], kwargs={})
    except MessagingError as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        transport.close()
    return found is not None, ""


def check_host(clients: CloudClients, host: str) -> HostCheck:
    """Ask the broker for consumers of the host's queue, then (if none) the conductor."""
    queue = f"compute.{host}"
    consumers = sum(1 for c in clients.management.consumers(vhost_of(clients.cloud))
                    if c.get("queue", {}).get("name") == queue)
    if consumers:
        return HostCheck(host, consumers, None)
    known, error = conductor_knows(clients, host)
    return HostCheck(host, 0, known, error)
