"""A hollow process spreads its shards over connections under the broker's channel_max, and
refuses a count it cannot carry with a clear error."""

import subprocess
import sys

import pytest

from harness.hollow.shard_set import (
    CHANNELS_PER_CONNECTION,
    MAX_SHARDS_PER_PROCESS,
    check_shard_count,
    shards_per_connection,
)


def test_shards_per_connection_stays_under_the_negotiated_channel_max() -> None:
    assert shards_per_connection(2047) == CHANNELS_PER_CONNECTION
    assert shards_per_connection(0) == CHANNELS_PER_CONNECTION  # no limit set
    assert shards_per_connection(100) < 100


def test_a_count_one_process_cannot_carry_is_refused_naming_the_way_out() -> None:
    assert check_shard_count(MAX_SHARDS_PER_PROCESS) == MAX_SHARDS_PER_PROCESS
    with pytest.raises(ValueError, match="per_process"):
        check_shard_count(MAX_SHARDS_PER_PROCESS + 1)


def test_hollow_run_refuses_a_count_beyond_one_process_with_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "hollow", "run", "--cloud", "x",
                           "--host", "h", "--count", str(MAX_SHARDS_PER_PROCESS + 1)],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "do not fit in one process" in done.stderr and "Traceback" not in done.stderr
