"""Hollow shards report into the real nova-conductor and placement (kubemark's model): a hollow
at the cloud's RPC version shows in nova's service and hypervisor lists with a resource
provider; one at an older version is refused, says why, and keeps running."""

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from harness.config import load_cloud
from harness.dev.services.rabbitmq import local_management
from harness.nova.control_plane import nova_local_cloud
from harness.nova.layout import VHOST, endpoint
from harness.nova.rest import (
    compute_client,
    compute_services,
    placement_client,
    resource_providers,
)
from harness.nova.shard import host_mapped, remove_compute_records
from harness.nova.traffic import compute_hosts_up, nova_traffic
from tests.conftest import ROOT_TOKEN_FILE
from tests.integration.nova.servers import boot_server


@pytest.fixture
def hollow_config(tmp_path: Path, nova_cloud: None) -> Path:
    """The local nova cloud under a test name (the hollow reads its broker password from Vault)."""
    entry = nova_local_cloud("6.5")
    entry["vault"] = {**entry["vault"], "auth": {"method": "token",
                                                 "token_file": str(ROOT_TOKEN_FILE)}}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"nova-test": entry}}))
    return path


@pytest.fixture
def run_hollow(hollow_config: Path, tmp_path: Path
               ) -> Iterator[Callable[[str, str], tuple[subprocess.Popen[bytes], Path]]]:
    """Start `harness hollow run` for a host at an RPC version; stopped and removed after."""
    started: list[tuple[subprocess.Popen[bytes], str]] = []

    def run(host: str, rpc_version: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{host}.log"
        child = subprocess.Popen(
            [sys.executable, "-m", "harness", "--cloud-config", str(hollow_config), "hollow",
             "run", "--cloud", "nova-test", "--host", host, "--rpc-version", rpc_version,
             "--report-interval", "2"], stdout=log.open("wb"), stderr=subprocess.STDOUT)
        started.append((child, host))
        return child, log

    yield run
    for child, host in started:
        child.terminate()
        child.wait(30)
        remove_compute_records(load_cloud("nova-test", hollow_config), host)
        local_management().delete_queue(VHOST, f"compute.{host}")


def _eventually(check: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_hollow_at_the_clouds_version_reports_into_real_nova(
        run_hollow: Callable[[str, str], tuple[subprocess.Popen[bytes], Path]],
        hollow_config: Path) -> None:
    host = f"hol-{uuid.uuid4().hex[:6]}"
    run_hollow(host, "6.5")
    api, placement = compute_client(endpoint("compute")), placement_client(endpoint("placement"))
    assert _eventually(lambda: any(s["state"] == "up" for s in compute_services(api, host)))
    listing = f"/os-hypervisors?hypervisor_hostname_pattern={host}"
    assert _eventually(lambda: [h["state"] for h in api.get(listing)["hypervisors"]] == ["up"])
    assert _eventually(lambda: bool(resource_providers(placement, host)))
    provider = resource_providers(placement, host)[0]
    inventory = placement.get(f"/resource_providers/{provider['uuid']}/inventories")
    assert {"VCPU", "MEMORY_MB", "DISK_GB"} <= set(inventory["inventories"])
    # The real scheduler places builds on it; nova-api shows them; reboot and delete work.
    # The hypervisor detail at 2.88 asks each host for its uptime; the hollow answers.
    assert _eventually(lambda: host_mapped(load_cloud("nova-test", hollow_config), host))
    detail = api.get(f"/os-hypervisors/detail?hypervisor_hostname_pattern={host}")
    assert detail["hypervisors"][0]["uptime"].startswith("up ")
    assert host in compute_hosts_up(api)
    assert boot_server() == host
    _, traffic = nova_traffic(endpoint("compute"), ("build", "reboot", "delete"), 60)
    traffic.run(2, rate=2)
    assert traffic.book.failures == {}


def test_hollow_older_than_the_deployment_is_refused_and_keeps_running(
        run_hollow: Callable[[str, str], tuple[subprocess.Popen[bytes], Path]]) -> None:
    host = f"hol-{uuid.uuid4().hex[:6]}"
    child, log = run_hollow(host, "6.4")
    assert _eventually(lambda: "report-in failed" in log.read_text())
    refused = next(line for line in log.read_text().splitlines() if "report-in failed" in line)
    assert "ServiceTooOld" in refused and "v66" in refused and "v74" in refused
    time.sleep(3)  # heartbeats fail (no record) without ending the shard
    assert child.poll() is None and "Traceback" not in log.read_text()
