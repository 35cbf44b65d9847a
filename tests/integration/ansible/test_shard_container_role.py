"""The shard role on localhost with the docker launcher: the hollow image runs as a labelled
container in shadow mode (a vhost of its own, no network but its gate's); a second run changes
nothing; `shard_state: absent` removes the container and the vhost."""

import json
import sys
from pathlib import Path
from typing import Any

from harness.bus.management import ManagementClient
from harness.launchers.docker import SESSION_LABEL
from tests.integration.ansible.playbooks import Controller
from tests.integration.shards.conftest import shard_cloud  # noqa: F401
from tests.integration.shards.harness_cli import cloud_of, harness

HOST = "cmp-ansible-c"


def _localhost(controller: Controller, config: Path, image: str) -> Path:
    """localhost as a shard host, with this environment's harness."""
    return controller.inventory("container-shard", {"all": {"children": {"shard_hosts": {
        "hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "shard_harness": str(Path(sys.executable).parent / "harness"),
            "shard_cloud_config": str(config), "shard_cloud": cloud_of(config).name,
            "shard_host": HOST, "shard_mode": "shadow", "shard_launcher": "docker",
            "shard_image": image, "shard_memory": "256m", "shard_ready_timeout": 180,
        }}}}}})


def _containers(docker: Any, session: str) -> list[Any]:
    """The session's containers, running or not."""
    return list(docker.containers.list(all=True, filters={"label": f"{SESSION_LABEL}={session}"}))


def test_a_container_shard_comes_and_goes(
    controller: Controller, shard_cloud: Path,  # noqa: F811
    hollow_image: str, docker: Any, rabbit_admin: ManagementClient,
) -> None:
    inventory = _localhost(controller, shard_cloud, hollow_image)
    up = controller.play("shard", inventory)
    assert up.returncode == 0 and up.changed() == {"localhost": 1}, up.failures()
    [row] = json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout)
    assert (row["shard"], row["launcher"], row["state"]) == (HOST, "docker", "running")
    session = row["session"]
    [container] = _containers(docker, session)
    assert container.status == "running" and container.attrs["HostConfig"]["NetworkMode"] == "none"
    assert [v for v in rabbit_admin.vhosts() if session in v]

    again = controller.play("shard", inventory)
    assert again.changed() == {"localhost": 0}, again.failures()

    gone = controller.play("shard", inventory, extra_vars={"shard_state": "absent"})
    assert gone.returncode == 0 and gone.changed() == {"localhost": 1}, gone.failures()
    assert _containers(docker, session) == []
    assert not [v for v in rabbit_admin.vhosts() if session in v]
    assert json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout) == []
