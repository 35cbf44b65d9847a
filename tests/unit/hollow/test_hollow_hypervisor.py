"""The fake hypervisor's accounting: what fits is built, what does not is refused."""

import pytest

from harness.hollow.hypervisor import (
    FakeHypervisor,
    GuestNotFound,
    HypervisorError,
    InsufficientResources,
    PowerState,
)
from harness.hollow.resources import Resources

SMALL = Resources(memory_mb=512, vcpus=1, disk_gb=1)


def test_builds_until_full_then_refuses() -> None:
    hypervisor = FakeHypervisor("h", Resources(memory_mb=1024, vcpus=4, disk_gb=10))
    hypervisor.spawn("a", SMALL, "img")
    hypervisor.spawn("b", SMALL, "img")
    assert hypervisor.used() == Resources(1024, 2, 2)
    assert hypervisor.free() == Resources(0, 2, 8)
    with pytest.raises(InsufficientResources, match=r"needs .*memory_mb.*512"):
        hypervisor.spawn("c", SMALL, "img")
    assert hypervisor.guest_count() == 2


@pytest.mark.parametrize("wants", [Resources(1, 5, 0), Resources(1, 1, 11)])
def test_each_resource_is_accounted(wants: Resources) -> None:
    hypervisor = FakeHypervisor("h", Resources(memory_mb=1024, vcpus=4, disk_gb=10))
    with pytest.raises(InsufficientResources):
        hypervisor.spawn("a", wants, "img")


def test_destroy_frees_room_and_is_idempotent() -> None:
    hypervisor = FakeHypervisor("h", SMALL)
    hypervisor.spawn("a", SMALL, "img")
    hypervisor.destroy("a")
    hypervisor.destroy("a")
    hypervisor.spawn("b", SMALL, "img")
    assert not hypervisor.has_guest("a") and hypervisor.has_guest("b")


def test_duplicate_guest_is_refused() -> None:
    hypervisor = FakeHypervisor("h", Resources(4096, 8, 100))
    hypervisor.spawn("a", SMALL, "img")
    with pytest.raises(HypervisorError, match="already exists"):
        hypervisor.spawn("a", SMALL, "img")


def test_power_cycle_and_console() -> None:
    hypervisor = FakeHypervisor("h", Resources(4096, 8, 100))
    hypervisor.spawn("a", SMALL, "img-1")
    assert hypervisor.power_off("a") == PowerState.SHUTDOWN
    assert hypervisor.power_on("a") == PowerState.RUNNING
    assert hypervisor.reboot("a", "HARD") == PowerState.RUNNING
    console = hypervisor.console_output("a", None)
    assert "booted from image img-1" in console and "hard reboot, boot #3" in console
    assert hypervisor.console_output("a", 1) == "hard reboot, boot #3\n"


def test_operations_on_a_missing_guest_fail() -> None:
    hypervisor = FakeHypervisor("h", SMALL)
    for operation in (lambda: hypervisor.reboot("x", "SOFT"), lambda: hypervisor.power_off("x"),
                      lambda: hypervisor.console_output("x", None)):
        with pytest.raises(GuestNotFound, match="x not found on h"):
            operation()


def test_uptime_says_how_long_and_how_many_guests() -> None:
    hypervisor = FakeHypervisor("h", Resources(memory_mb=1024, vcpus=4, disk_gb=10))
    hypervisor.spawn("a", SMALL, "img")
    assert hypervisor.uptime().startswith("up 0:00:") and hypervisor.uptime().endswith(", 1 guests")
