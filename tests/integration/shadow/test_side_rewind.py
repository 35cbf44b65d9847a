"""A copied instance that production's compute had already saved is set back to the message's
view of it in a side's clone: its row, its metadata, its block device mappings."""

import pytest

from harness.nova.side_rewind import rewind
from tests.integration.shadow.conftest import root_cursor

pytestmark = pytest.mark.integration
META = ("(created_at DATETIME, id INT AUTO_INCREMENT PRIMARY KEY, instance_uuid VARCHAR(36), "
        "`key` VARCHAR(255), value VARCHAR(255), deleted INT)")
TABLES = {
    "instances": "(id INT PRIMARY KEY, uuid VARCHAR(36), created_at DATETIME, "
                 "launched_at DATETIME, vm_state VARCHAR(255), task_state VARCHAR(255), "
                 "host VARCHAR(255), cleaned INT, deleted INT)",
    "instance_system_metadata": META, "instance_metadata": META,
    "block_device_mapping": "(id INT PRIMARY KEY, uuid VARCHAR(36), device_name VARCHAR(255))",
}
INSTANCE = "6b49a6d4-d749-42f7-83ca-41e312d98198"


@pytest.fixture
def clone(scratch_database: str) -> str:
    """A scratch database holding the instance as production's compute left it mid-build."""
    name = scratch_database
    with root_cursor() as cur:
        for table, columns in TABLES.items():
            cur.execute(f"CREATE TABLE `{name}`.{table} {columns}")
        cur.execute(f"INSERT INTO `{name}`.instances VALUES (128, %s, '2026-12-06 12:16:30', "
                    "'2026-12-06 12:16:33', 'active', NULL, 'cmp-a', 0, 0)", (INSTANCE,))
        cur.executemany(f"INSERT INTO `{name}`.instance_system_metadata (instance_uuid, "
                        "`key`, value, deleted) VALUES (%s, %s, %s, 0)",
                        [(INSTANCE, "image_size", "0"), (INSTANCE, "boot_roles", "admin")])
        cur.execute(f"INSERT INTO `{name}`.block_device_mapping VALUES (3, 'm1', '/dev/vda')")
    return name


def _object(name: str, **data: object) -> dict[str, object]:
    return {"nova_object.name": name, "nova_object.data": data}


def test_the_copy_is_set_back_to_the_messages_objects(clone: str) -> None:
    args = {"instance": _object("Instance", uuid=INSTANCE, id=128, vm_state="building",
                                task_state="scheduling", host=None, launched_at=None,
                                cleaned=False, created_at="2026-12-06T12:16:30Z",
                                system_metadata={"image_size": "0"}),
            "block_device_mapping": _object("BlockDeviceMappingList", objects=[
                _object("BlockDeviceMapping", uuid="m1", id=3, device_name=None)])}
    with root_cursor() as cur:
        columns: dict[str, list[str]] = {}
        for table in ("instances", "block_device_mapping"):
            cur.execute(f"SHOW COLUMNS FROM `{clone}`.{table}")
            columns[table] = [row[0] for row in cur.fetchall()]
        assert rewind(cur, clone, columns, args)
        cur.execute(f"SELECT vm_state, task_state, host, launched_at FROM `{clone}`.instances")
        assert cur.fetchall() == (("building", "scheduling", None, None),)
        cur.execute(f"SELECT `key`, value FROM `{clone}`.instance_system_metadata")
        assert cur.fetchall() == (("image_size", "0"),)
        cur.execute(f"SELECT device_name FROM `{clone}`.block_device_mapping")
        assert cur.fetchone()[0] is None
        assert not rewind(cur, clone, columns, {"instance_uuid": INSTANCE})
