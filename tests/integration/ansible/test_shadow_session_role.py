"""The shadow_session role on localhost: started once (a second run changes nothing), stopped
with its JUnit and HTML reports fetched to the controller, stopped again changing nothing."""

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.bus.management import ManagementClient
from harness.hollow.shard_set import ShardSet
from harness.sandbox.cloud import SandboxCloud
from tests.integration.ansible.playbooks import Controller
from tests.integration.shadow.conftest import HOST, drive, production  # noqa: F401
from tests.integration.shards.conftest import shard_cloud  # noqa: F401
from tests.integration.shards.harness_cli import cloud_of, harness


def _localhost(controller: Controller, config: Path, reports: Path) -> Path:
    """localhost as the host driving sessions, with this environment's harness."""
    return controller.inventory("sessions", {"all": {"children": {"session_hosts": {
        "hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "shadow_session_harness": str(Path(sys.executable).parent / "harness"),
            "shadow_session_cloud_config": str(config),
            "shadow_session_cloud": cloud_of(config).name, "shadow_session_of": HOST,
            "shadow_session_candidate": "hollow:missing-notification",
            "shadow_session_control": "hollow",
            "shadow_session_workdir": str(reports.parent / "host-reports"),
            "shadow_session_fetch_to": str(reports),
        }}}}}})


def test_start_stop_and_fetch_reports(
    controller: Controller, tmp_path: Path,
    shard_cloud: Path,  # noqa: F811
    production: tuple[SandboxCloud, ShardSet],  # noqa: F811
    rabbit_admin: ManagementClient,
) -> None:
    sandbox, _ = production
    inventory = _localhost(controller, shard_cloud, tmp_path / "reports")
    started = controller.play("shadow_session", inventory)
    assert started.returncode == 0 and started.changed() == {"localhost": 1}, started.failures()
    again = controller.play("shadow_session", inventory)
    assert again.changed() == {"localhost": 0}, again.failures()
    sessions = [row for row in _status(shard_cloud) if row["state"] == "running"]
    assert len(sessions) == 1
    session = sessions[0]["session"]
    assert drive(shard_cloud, session, sandbox, 3)["relayed"] == 9

    stopped = controller.play("shadow_session", inventory,
                              extra_vars={"shadow_session_state": "stopped"})
    assert stopped.returncode == 0, stopped.failures()
    assert not [v for v in rabbit_admin.vhosts() if v.startswith(f"shadow.{session}.")]
    junit = ET.parse(tmp_path / "reports" / f"localhost-{session}.xml")
    assert any(case.find("failure") is not None for case in junit.iter("testcase"))
    assert "<html" in (tmp_path / "reports" / f"localhost-{session}.html").read_text()
    idle = controller.play("shadow_session", inventory,
                           extra_vars={"shadow_session_state": "stopped"})
    assert idle.changed() == {"localhost": 0}, idle.failures()


def _status(config: Path) -> list[dict[str, str]]:
    """Every shadow session's row."""
    rows: list[dict[str, str]] = json.loads(
        harness(config, "shadow", "status", "--json").stdout)
    return rows
