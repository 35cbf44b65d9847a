"""Grouping two real nova-compute hosts' tapped messages: a request id's calls belong to the
lifecycle step whose instance action event they start, the rest to the host's periodic work;
nova-api's casts and other hosts' servers are left out; names and ids are normalised."""

from typing import Any

from harness.shadow.compare.observation import PERIODIC
from harness.shadow.nova_hosts import Lifecycle, host_effects, triggers_of

HOST, OTHER, NODE = "cmp-aaaaaa", "cmp-bbbbbb", "5f0e7a4c-0000-5000-8000-000000000001"
MINE, THEIRS = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def call(request_id: str, objname: str, objmethod: str, *args: Any, **kwargs: Any
         ) -> tuple[str, dict[str, Any]]:
    return "nova", {"method": "object_class_action_versions", "_msg_id": "m",
                    "_context_request_id": request_id,
                    "args": {"objname": objname, "objmethod": objmethod, "args": list(args),
                             "kwargs": kwargs}}


def test_calls_are_grouped_by_step_or_periodic_and_normalised() -> None:
    messages = [
        ("nova", {"method": "schedule_and_build_instances", "namespace": "compute_task",
                  "_context_request_id": "req-1", "args": {"host": HOST}}),
        call("req-1", "InstanceActionEvent", "event_start", MINE, "compute_reboot_instance",
             host=HOST),
        call("req-1", "BlockDeviceMappingList", "get_by_instance_uuid", MINE),
        call("req-2", "ComputeNodeList", "get_all_by_host", HOST, NODE),
        call("req-3", "InstanceActionEvent", "event_start", THEIRS, "compute_reboot_instance",
             host=HOST),
        call("req-4", "Service", "get_by_compute_host", OTHER),
    ]
    found = host_effects(messages, [Lifecycle(HOST, 0, MINE)], {HOST: NODE})
    effects = found[HOST]
    assert [(e["caused_by"], e["payload"]["objmethod"]) for e in effects] == [
        ("0:reboot_instance", "event_start"), ("0:reboot_instance", "get_by_instance_uuid"),
        (PERIODIC, "get_all_by_host")]
    assert effects[1]["payload"]["args"] == ["<instance-0>"]
    assert effects[2]["payload"]["args"] == ["<host>", "<node>"]
    assert effects[0]["shard"] == HOST and effects[0]["target"] == "conductor"


def test_a_build_step_is_named_by_its_rpc_method() -> None:
    messages = [call("req-1", "InstanceActionEvent", "event_start", MINE,
                     "compute__do_build_and_run_instance", host=HOST)]
    found = host_effects(messages, [Lifecycle(HOST, 3, MINE)], {HOST: NODE})
    assert found[HOST][0]["caused_by"] == "3:build_and_run_instance"
    assert set(triggers_of([Lifecycle(HOST, 3)])) == {
        "3:build_and_run_instance", "3:reboot_instance", "3:terminate_instance"}
