"""nova object primitives: the changes a save carries are exactly the updated fields."""

import pytest

from harness.hollow import objects
from harness.hollow.resources import Resources


def test_with_updates_marks_only_the_updated_fields() -> None:
    instance = objects.primitive("Instance", {"uuid": "u", "vm_state": "building", "host": None})
    changed = objects.with_updates(instance, vm_state="active", task_state=None)
    assert changed["nova_object.changes"] == ["task_state", "vm_state"]
    assert objects.changed(changed) == {"vm_state": "active", "task_state": None}
    assert objects.fields(changed)["uuid"] == "u"
    assert "nova_object.changes" not in instance


@pytest.mark.parametrize("bad", [None, {"uuid": "u"}, {"nova_object.name": "X"}])
def test_fields_refuses_what_is_not_a_primitive(bad: object) -> None:
    with pytest.raises(ValueError, match="nova"):
        objects.fields(bad)


def test_flavor_resources_count_root_and_ephemeral_disk() -> None:
    flavor = {"memory_mb": 2048, "vcpus": 2, "root_gb": 20, "ephemeral_gb": 5}
    assert Resources.of_flavor(flavor) == Resources(2048, 2, 25)
