"""`harness dev up --nova`: the real control plane answers, a second run changes nothing, and a
service that cannot start is one clear error with its log, leaving nothing behind."""

from pathlib import Path
from typing import Any

import pytest

from harness.dev.services.nova import Conductor, nova_services
from harness.dev.state import DevState
from harness.errors import InfrastructureError
from harness.exitcodes import ExitCode
from harness.nova.control_plane import nova_up
from harness.nova.layout import endpoint
from harness.nova.rest import compute_client, compute_services
from harness.procinfo import start_time


def test_second_dev_up_changes_nothing(nova_cloud: None) -> None:
    before = {s.name: s.pid() for s in nova_services()}
    lines: list[str] = []
    done = nova_up(DevState.load(), lines.append)
    assert done["started"] == "nothing (all running)"
    assert done["schemas"] == "already synced" and done["flavor"] == "present"
    assert "(cached)" in done["venv"]
    assert {s.name: s.pid() for s in nova_services()} == before
    assert done["cloud"]["rpc_version_caps"]["compute"] == "6.5"
    assert "database" not in done["cloud"]


def test_control_services_are_up_in_novas_own_service_list(nova_cloud: None) -> None:
    listed = {(s["binary"], s["state"]) for s in compute_services(compute_client(
        endpoint("compute")))}
    assert {("nova-conductor", "up"), ("nova-scheduler", "up")} <= listed


class BrokenConductor(Conductor):
    """nova-conductor given a config file that does not exist."""

    name = binary = "nova-conductor-broken-test"

    def argv(self, venv: Path) -> list[str]:
        return [str(venv / "bin" / "nova-conductor"), "--config-file", "/nonexistent/nova.conf"]


def test_a_service_that_cannot_start_shows_its_log_and_leaves_nothing(nova_cloud: None) -> None:
    broken = BrokenConductor()
    with pytest.raises(InfrastructureError) as raised:
        broken.ensure()
    assert raised.value.exit_code == ExitCode.INFRASTRUCTURE
    assert "nova-conductor-broken-test" in str(raised.value)
    assert "/nonexistent/nova.conf" in str(raised.value)  # the log's own last lines
    assert not broken.pidfile.exists()
    broken.log.unlink()


def test_a_service_that_never_answers_is_stopped(nova_cloud: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    broken = BrokenConductor()
    monkeypatch.setattr(broken, "argv", lambda venv: ["sleep", "60"])
    monkeypatch.setattr(broken, "start_timeout", 1)
    started: list[dict[str, Any]] = []
    real_start = broken.start
    monkeypatch.setattr(broken, "start", lambda: started.append(real_start()) or started[-1])
    with pytest.raises(InfrastructureError, match="did not come up"):
        broken.ensure()
    assert start_time(started[0]["pid"]) is None and not broken.pidfile.exists()
    broken.log.unlink()
