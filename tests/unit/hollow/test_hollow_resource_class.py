"""A hollow host given a custom resource class offers placement that class alone (creating it),
so that only the flavor asking for it lands there; a name that is no custom class is refused."""

import subprocess
import sys
from collections.abc import Callable
from typing import Any

from harness.hollow.compute import HollowCompute
from harness.hollow.resources import Resources
from harness.hollow.services import ShardServices

CAPACITY = Resources(memory_mb=4096, vcpus=8, disk_gb=100)


def _shard(resource_class: str | None) -> tuple[HollowCompute, list[tuple[str, str]]]:
    """A shard whose external operations are recorded and answered with their stand-ins (no
    placement runs in unit tests; tests/integration/nova/test_hollow_fleet.py uses a real one)."""
    calls: list[tuple[str, str]] = []

    def external(kind: str, target: str, method: str, payload: Any, run: Callable[[], Any],
                 stand_in: Any, version: str | None = None) -> Any:
        calls.append((method, target))
        return stand_in

    services = ShardServices(None, None, {"placement": "http://placement"},  # type: ignore[arg-type]
                             external)
    return HollowCompute("h", services, "6.5", CAPACITY, resource_class), calls


def test_standard_resources_by_default() -> None:
    shard, calls = _shard(None)
    assert shard.provider_inventory({}) == {"VCPU": 8, "MEMORY_MB": 4096, "DISK_GB": 100}
    assert calls == []


def test_a_custom_class_alone_one_unit_a_vcpu_created_first() -> None:
    shard, calls = _shard("CUSTOM_FLEET_A")
    assert shard.provider_inventory({}) == {"CUSTOM_FLEET_A": 8}
    assert calls == [("PUT", "http://placement/resource_classes/CUSTOM_FLEET_A")]


def test_hollow_run_refuses_a_name_that_is_no_custom_class_with_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "hollow", "run", "--cloud", "x",
                           "--host", "h", "--resource-class", "VCPU"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "--resource-class 'VCPU'" in done.stderr and "Traceback" not in done.stderr
