"""A ramp step's shards in groups: all at once as few `shard up`s, or a process a group when
the scenario paces them; either way exactly the step's count, under distinct names."""

from collections.abc import Callable

import pytest

from harness.scale.shard_groups import Group, groups_for, paced_groups


@pytest.mark.parametrize("split", [groups_for, paced_groups])
@pytest.mark.parametrize(("count", "per_process"), [(60, 25), (50, 25), (7, 25), (1, 1)])
def test_groups_carry_exactly_the_count(split: Callable[[str, int, int], list[Group]],
                                        count: int, per_process: int) -> None:
    groups = split("scale-x-0", count, per_process)
    assert sum(g.processes * g.per_process for g in groups) == count
    assert len({g.prefix for g in groups}) == len(groups)
    assert all(g.per_process <= per_process for g in groups)


def test_paced_groups_are_one_process_each() -> None:
    groups = paced_groups("p-", 60, 25)
    assert [(g.processes, g.per_process) for g in groups] == [(1, 25), (1, 25), (1, 10)]
    assert len(groups_for("p-", 60, 25)) == 2
