"""The conductor's database writes: saves guarded by task_state, soft deletes, upserts."""

import pytest

from harness.sandbox.store import InstanceNotFound, Store, UnexpectedTaskState


def _instance(store: Store, uuid: str = "u-1") -> None:
    store.create_instance({"uuid": uuid, "vm_state": "building", "task_state": "scheduling",
                           "power_state": 0, "memory_mb": 512, "vcpus": 1, "root_gb": 1})


def test_save_applies_changes_and_parses_wire_times(store: Store) -> None:
    _instance(store)
    row = store.save_instance("u-1", {"vm_state": "active", "task_state": None,
                                      "launched_at": "2024-05-01T10:00:00.123456",
                                      "flavor": {"ignored": True}}, ["scheduling"])
    assert row["vm_state"] == "active" and row["task_state"] is None
    assert row["launched_at"].isoformat() == "2024-05-01T10:00:00.123456"


def test_save_refuses_an_unexpected_task_state(store: Store) -> None:
    _instance(store)
    with pytest.raises(UnexpectedTaskState, match="task_state is 'scheduling'"):
        store.save_instance("u-1", {"task_state": "rebooting"}, [None])
    assert store.save_instance("u-1", {"task_state": None}, [None, "scheduling"])["task_state"] \
        is None


def test_destroyed_instances_are_kept_but_not_saved_again(store: Store) -> None:
    _instance(store)
    row = store.destroy_instance("u-1")
    assert row["deleted"] and row["vm_state"] == "deleted" and row["terminated_at"]
    with pytest.raises(InstanceNotFound):
        store.save_instance("u-1", {"task_state": "deleting"})
    with pytest.raises(InstanceNotFound):
        store.get_instance("nope")
    assert store.instance_states() == {"deleted": 1}


def test_service_and_node_upserts_join_into_hosts(store: Store) -> None:
    node = {"hypervisor_type": "hollow", "memory_mb": 1024, "memory_mb_used": 0, "vcpus": 4,
            "vcpus_used": 0, "local_gb": 10, "local_gb_used": 0, "running_vms": 0}
    store.upsert_compute_node("h1", node)
    store.upsert_compute_node("h1", {**node, "memory_mb_used": 512})
    store.upsert_service("h1", "nova-compute", {"report_count": 1})
    store.upsert_service("h1", "nova-compute", {"report_count": 2})
    store.upsert_compute_node("h2", node)
    hosts = {row["host"]: row for row in store.compute_hosts()}
    assert hosts["h1"]["memory_mb_used"] == 512 and hosts["h1"]["heartbeat_at"] is not None
    assert hosts["h2"]["heartbeat_at"] is None
