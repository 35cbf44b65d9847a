"""Placement: live hosts with room, most free memory first, claims held until released."""

import datetime

import pytest

from harness.hollow.resources import Resources
from harness.sandbox.scheduler import NoValidHost, Scheduler
from harness.sandbox.store import Store, utcnow

SMALL = Resources(512, 1, 1)


def _host(store: Store, host: str, memory_mb: int, used_mb: int = 0) -> None:
    store.upsert_compute_node(host, {"hypervisor_type": "hollow", "memory_mb": memory_mb,
                                     "memory_mb_used": used_mb, "vcpus": 8, "vcpus_used": 0,
                                     "local_gb": 100, "local_gb_used": 0, "running_vms": 0})
    store.upsert_service(host, "nova-compute", {"report_count": 1})


def test_prefers_free_memory_and_counts_claims(store: Store) -> None:
    _host(store, "big", 2048)
    _host(store, "small", 1024)
    scheduler = Scheduler(store)
    placed = [scheduler.select_destination(f"i{n}", SMALL) for n in range(6)]
    assert placed[:2] == ["big", "big"] and sorted(placed) == ["big"] * 4 + ["small"] * 2
    with pytest.raises(NoValidHost, match="no host has room"):
        scheduler.select_destination("i6", SMALL)
    scheduler.release("i0")
    assert scheduler.select_destination("i7", SMALL) == "big"


def test_reported_usage_counts_when_larger_than_claims(store: Store) -> None:
    _host(store, "busy", 1024, used_mb=1024)
    with pytest.raises(NoValidHost):
        Scheduler(store).select_destination("i", SMALL)


def test_a_host_without_a_recent_heartbeat_is_skipped(store: Store) -> None:
    _host(store, "stale", 4096)
    later = utcnow() + datetime.timedelta(seconds=120)
    scheduler = Scheduler(store, service_down_time=60, clock=lambda: later)
    with pytest.raises(NoValidHost):
        scheduler.select_destination("i", SMALL)
    assert scheduler.live_hosts() == []
    assert Scheduler(store).select_destination("i", SMALL, exclude=frozenset()) == "stale"
    with pytest.raises(NoValidHost):
        Scheduler(store).select_destination("j", SMALL, exclude=frozenset({"stale"}))
