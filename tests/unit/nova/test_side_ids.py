"""Where a side's clone starts counting ids: halfway to the column's limit from production."""

import pytest

from harness.nova.side_ids import column_max, side_start

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("column_type", "limit"), [
    ("int(11)", 2**31 - 1), ("INT", 2**31 - 1), ("int(10) unsigned", 2**32 - 1),
    ("bigint(20)", 2**63 - 1), ("smallint(6)", 2**15 - 1), ("tinyint(4) unsigned", 255)])
def test_the_limit_of_each_integer_type(column_type: str, limit: int) -> None:
    assert column_max(column_type) == limit


def test_a_column_that_is_no_integer_is_refused() -> None:
    with pytest.raises(ValueError, match="varchar"):
        column_max("varchar(36)")


def test_the_side_starts_halfway_and_production_keeps_the_lower_half() -> None:
    assert side_start(1001, "int(11)") == 1001 + (2**31 - 1 - 1001) // 2
    assert side_start(2**31 - 3, "int(11)") == 2**31 - 2  # near the limit, still above
