"""What a copied instance is set back to: the message's own objects' plain fields."""

import pytest

from harness.nova.side_rewind import block_device_mappings, column_values, db_value

pytestmark = pytest.mark.unit


def _object(name: str, **data: object) -> dict[str, object]:
    return {"nova_object.name": name, "nova_object.data": data}


def test_times_become_datetime_text_and_other_strings_stay() -> None:
    assert db_value("2026-12-06T12:16:30Z") == "2026-12-06 12:16:30"
    assert db_value("2026-12-06T12:16:30.123456+00:00") == "2026-12-06 12:16:30.123456"
    assert db_value("t-4a7a46") == "t-4a7a46" and db_value(None) is None


def test_only_plain_fields_that_are_columns_and_not_the_rows_identity() -> None:
    data = {"uuid": "u", "id": 7, "created_at": "2026-12-06T12:16:30Z", "vm_state": "building",
            "task_state": None, "host": None, "cleaned": False, "launched_at": None,
            "flavor": _object("Flavor", id=1), "system_metadata": {"a": "b"}, "nope": 1}
    columns = ["uuid", "id", "created_at", "vm_state", "task_state", "host", "cleaned",
               "launched_at", "flavor"]
    assert column_values(data, columns) == {"vm_state": "building", "task_state": None,
                                            "host": None, "cleaned": False,
                                            "launched_at": None}


def test_mappings_come_as_a_list_object_or_a_list() -> None:
    mapping = _object("BlockDeviceMapping", uuid="m1", device_name=None)
    assert block_device_mappings({"block_device_mapping": _object(
        "BlockDeviceMappingList", objects=[mapping])}) == [{"uuid": "m1", "device_name": None}]
    assert block_device_mappings({"block_device_mapping": [mapping]}) == [
        {"uuid": "m1", "device_name": None}]
    assert block_device_mappings({}) == []
