"""A side's clone takes ids for its own rows apart from production's, so a production row copied
later by id (as harness.nova.side_rows copies a new instance's) is never lost to one of them."""

import pytest

from ddl_check.engines.mariadb import MariaDB
from harness.nova.side import root_server
from harness.nova.side_ids import column_max, separate_ids
from tests.integration.shadow.conftest import root_cursor

pytestmark = pytest.mark.integration


@pytest.fixture
def production(scratch_database: str) -> str:
    """A scratch database shaped like nova's system metadata, one row in it."""
    with root_cursor() as cur:
        cur.execute(f"CREATE TABLE `{scratch_database}`.meta (id INT AUTO_INCREMENT PRIMARY "
                    "KEY, instance_uuid VARCHAR(36), `key` VARCHAR(40))")
        cur.execute(f"INSERT INTO `{scratch_database}`.meta (instance_uuid, `key`) "
                    "VALUES ('a', 'k')")
    return scratch_database


def _copy_after_both_inserted(production: str, separate: bool) -> set[tuple[str, str]]:
    """Clone, let the side and production each insert a row of their own, then copy
    production's rows of instance 'b' into the clone as the row copier does."""
    clone = f"{production}_clone"
    MariaDB(root_server()).clone(production, clone)
    with root_cursor() as cur:
        if separate:
            assert separate_ids(cur, production, clone) == 1
        cur.execute(f"INSERT INTO `{clone}`.meta (instance_uuid, `key`) VALUES ('a', 'side')")
        cur.execute(f"INSERT INTO `{production}`.meta (instance_uuid, `key`) VALUES ('b', 'k')")
        cur.execute(f"INSERT IGNORE INTO `{clone}`.meta SELECT * FROM `{production}`.meta "
                    "WHERE instance_uuid = 'b'")
        cur.execute(f"SELECT instance_uuid, `key` FROM `{clone}`.meta")
        return {(str(u), str(k)) for u, k in cur.fetchall()}


def test_a_production_row_copied_later_is_kept_beside_the_sides_own(production: str) -> None:
    assert _copy_after_both_inserted(production, separate=True) == {
        ("a", "k"), ("a", "side"), ("b", "k")}
    with root_cursor() as cur:
        cur.execute(f"SELECT MIN(id) FROM `{production}_clone`.meta WHERE `key` = 'side'")
        assert cur.fetchone()[0] > column_max("int") // 2


def test_without_separate_ranges_the_copy_is_lost(production: str) -> None:
    """What a clone counting on from production's counter did: the flake this fixes."""
    assert ("b", "k") not in _copy_after_both_inserted(production, separate=False)
