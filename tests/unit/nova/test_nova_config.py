"""The configs rendered for real nova: keystone-less paste pipelines, a compute without a
database, a nova-local cloud without one either."""

import configparser
import os
from pathlib import Path

import pytest

from harness.config.schema import Cloud
from harness.errors import ConfigError
from harness.nova.compute_conf import COMPUTE_DRIVER, node_uuid, write_compute_conf
from harness.nova.control_conf import keystoneless_paste, nova_conf
from harness.nova.layout import ControlSecrets

STOCK = """[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors faultwrap osprofiler authtoken keystonecontext osapi_compute_app_v21

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
"""


def test_paste_pipelines_lose_authtoken_only() -> None:
    changed = keystoneless_paste(STOCK)
    assert "keystone = cors faultwrap osprofiler keystonecontext osapi_compute_app_v21" in changed
    assert "[filter:authtoken]" in changed


def _cloud(endpoints: dict[str, str]) -> Cloud:
    return Cloud(name="n", bus={"url": "amqp://u@127.0.0.1:5672/v"}, endpoints=endpoints,
                 rpc_version_caps={"compute": "6.5"})


def test_compute_conf_has_no_database_and_a_stable_node(tmp_path: Path) -> None:
    cloud = _cloud({name: f"http://127.0.0.1:{port}" for name, port in
                    (("compute", 1), ("placement", 2), ("image", 3), ("network", 4))})
    path = write_compute_conf(tmp_path, cloud, "cmp-a", tmp_path / "state", Path("/seen/state"))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    assert not {"database", "api_database"} & set(parser.sections())
    assert parser["DEFAULT"]["compute_driver"] == COMPUTE_DRIVER
    assert parser["DEFAULT"]["host"] == "cmp-a"
    assert parser["placement"]["endpoint_override"] == "http://127.0.0.1:2"
    assert parser["upgrade_levels"]["compute"] == "6.5"
    assert parser["DEFAULT"]["state_path"] == "/seen/state"
    assert (tmp_path / "state" / "compute_id").read_text() == node_uuid("cmp-a")
    assert node_uuid("cmp-a") == node_uuid("cmp-a") != node_uuid("cmp-b")


def test_a_cloud_without_nova_endpoints_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="field endpoints: no compute, placement"):
        write_compute_conf(tmp_path, _cloud({"image": "http://127.0.0.1:3",
                                             "network": "http://127.0.0.1:4"}), "cmp-a",
                           tmp_path / "state", tmp_path / "state")


def test_the_clouds_conductor_has_a_worker_per_cpu_as_novas_default(tmp_path: Path) -> None:
    sections = nova_conf(ControlSecrets("db-secret", "bus-secret"), tmp_path)
    assert sections["conductor"]["workers"] == str(os.cpu_count())
    assert sections["scheduler"]["workers"] == "1"
