"""`harness dev up --nova`: the real control plane answers, a second run changes nothing, and a
service that cannot start is one clear error with its log, leaving nothing behind."""

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.dev.services.nova import Conductor, Placement, nova_services
from harness.dev.state import DevState
from harness.errors import InfrastructureError
from harness.exitcodes import ExitCode
from harness.nova.control_plane import nova_up
from harness.nova.layout import PLACEMENT_ACCESS_LOG, endpoint
from harness.nova.rest import compute_client, compute_services
from harness.nova.wsgi import gunicorn_settings
from harness.procinfo import start_time
from harness.shadow.access_log import as_http_effect
from tests.integration.nova.conftest import NOVA_DIR


def test_second_dev_up_changes_nothing(nova_cloud: None) -> None:
    before = {s.name: s.pid() for s in nova_services()}
    lines: list[str] = []
    done = nova_up(DevState.load(), lines.append)
    assert done["started"] == "nothing (all running)"
    assert done["schemas"] == "already synced" and done["flavor"] == "present"
    assert "(cached)" in done["venv"]
    assert {s.name: s.pid() for s in nova_services()} == before
    assert not [s.name for s in nova_services() if s.stale()]
    assert done["cloud"]["rpc_version_caps"]["compute"] == "6.5"
    assert "database" not in done["cloud"]


def test_placement_logs_each_request_with_its_request_id_and_calling_program(
        nova_cloud: None) -> None:
    placement, request_id = Placement(), f"req-{uuid.uuid4()}"
    assert placement.access_log == NOVA_DIR / PLACEMENT_ACCESS_LOG
    provider = str(uuid.uuid4())
    response = requests.get(f"{endpoint('placement')}/resource_providers/{provider}",
                            headers={"X-Auth-Token": "admin", "X-Openstack-Request-Id": request_id,
                                     "User-Agent": "nova-compute keystoneauth1/5"}, timeout=10)
    assert response.status_code == 404
    deadline = time.monotonic() + 10  # gunicorn writes the line once the response is out
    while request_id not in (text := placement.access_log.read_text()[-20_000:]):
        assert time.monotonic() < deadline, "no access line for the request"
        time.sleep(0.1)
    line = next(row for row in text.splitlines() if request_id in row)
    effect = as_http_effect(line, "s1", "production")
    assert effect is not None
    assert (effect["method"], effect["agent"]) == ("GET /resource_providers/{uuid}", "nova-compute")
    assert effect["payload"] == {"query": "", "status": 404}
    assert effect["url"] == f"/resource_providers/{provider}"


def test_a_wsgi_service_started_with_other_settings_is_stale(nova_cloud: None) -> None:
    assert not Placement().stale()
    elsewhere = OtherSettings()
    try:
        assert elsewhere.stale()  # never started: no settings file
        elsewhere.settings.write_text(gunicorn_settings(Placement.application,
                                                        Placement.address))
        assert elsewhere.stale()  # started without the access log it would have now
        elsewhere.env()
        assert not elsewhere.stale()
    finally:
        elsewhere.settings.unlink(missing_ok=True)


class OtherSettings(Placement):
    """Placement's settings under another name, never run."""

    name = "placement-settings-test"


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
