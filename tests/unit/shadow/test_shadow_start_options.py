"""`harness shadow start` refuses options that cannot work together, before anything starts."""

import subprocess
import sys


def test_shed_without_yield_cpu_is_a_usage_error_naming_both() -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "shadow", "start", "--cloud", "any",
                           "--of", "cmp-1", "--candidate", "hollow", "--shed"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "--shed" in done.stderr and "--yield-cpu FRACTION" in done.stderr
    assert "Traceback" not in done.stderr
