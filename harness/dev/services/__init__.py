"""The five local services, in the order dev up brings them up."""

from harness.dev.services.base import LocalService, Probe
from harness.dev.services.docker_engine import DockerEngine
from harness.dev.services.mariadb import MariaDB
from harness.dev.services.openbao import OpenBao
from harness.dev.services.postgresql import PostgreSQL
from harness.dev.services.rabbitmq import RabbitMQ


def all_services() -> list[LocalService]:
    """Every service of the local dev cloud."""
    return [RabbitMQ(), MariaDB(), PostgreSQL(), OpenBao(), DockerEngine()]


__all__ = ["LocalService", "Probe", "all_services"]
