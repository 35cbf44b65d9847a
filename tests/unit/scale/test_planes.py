"""Which control plane a scale job drives, where it reads a nova cloud's heartbeats, and how it
finds the conductor's processes from the broker's view of their connections."""

import os
import socket

import pytest

from harness.config.schema import Cloud
from harness.errors import ConfigError
from harness.nova.layout import endpoint
from harness.scale.cpu import socket_owners
from harness.scale.planes import plane_for
from harness.scale.planes.nova import LOCAL_CELL_DATABASE, NovaPlane, cell_database_url
from harness.scale.planes.sandbox import SandboxPlane

BUS = {"url": "amqp://u@127.0.0.1:5672/v"}


def _cloud(**fields: object) -> Cloud:
    return Cloud.model_validate({"name": "c", "bus": BUS, **fields})


def test_a_cloud_with_a_compute_api_is_driven_as_real_nova() -> None:
    assert plane_for(_cloud()) is SandboxPlane
    assert plane_for(_cloud(endpoints={"compute": "http://127.0.0.1:1/v2.1"})) is NovaPlane


def test_the_cell_database_is_the_clouds_else_the_local_nova_clouds() -> None:
    given = _cloud(endpoints={"compute": endpoint("compute")},
                   database={"url": "mysql+pymysql://nova@127.0.0.1:3306/cell"})
    assert cell_database_url(given).database == "cell"
    local = _cloud(endpoints={"compute": endpoint("compute") + "/"})
    assert cell_database_url(local).render_as_string() == LOCAL_CELL_DATABASE
    elsewhere = _cloud(endpoints={"compute": "http://127.0.0.1:1/v2.1"})
    with pytest.raises(ConfigError, match=r"cloud 'c': field database: .* cell database"):
        cell_database_url(elsewhere)


def test_socket_owners_finds_the_process_holding_a_client_port() -> None:
    with (socket.create_server(("127.0.0.1", 0)) as server,
          socket.create_connection(server.getsockname()) as client):
        port = client.getsockname()[1]
        assert os.getpid() in socket_owners({port})
    assert socket_owners({port}) == []  # closed: nobody holds it
