"""The seeded regressions of real nova are data: each patch file says what it changes and what
the comparator must report, and a mistake in one names the file's field."""

import pytest

from harness.errors import UsageError
from harness.nova.patched import CLEAN, Expected, patched_nova, read_regression, regressions

TIMING_ONLY = {"slower"}


def test_at_least_six_behaviour_changes_and_an_only_slower_one() -> None:
    found = regressions()
    behaviour = {name for name, r in found.items() if r.expect is not None}
    assert len(behaviour) >= 6 and set(found) - behaviour >= TIMING_ONLY


@pytest.mark.parametrize("name", sorted(regressions()))
def test_each_patch_says_what_it_does_and_touches_nova_only(name: str) -> None:
    regression = regressions()[name]
    assert regression.says
    assert regression.touched and all(p.startswith("nova/") for p in regression.touched)
    changed = [line for line in regression.diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert 1 <= len(changed) <= 3, changed  # a one-line behaviour change
    if regression.expect is not None:
        assert regression.expect.category in ("value", "type", "missing", "extra")


def test_an_expect_line_is_read_as_category_effect_and_path() -> None:
    text = ("# says\nExpect: value rpc_call:conductor:Instance.save changes.vm_state\n"
            "--- a/nova/x.py\n+++ b/nova/x.py\n@@ -1 +1 @@\n-a\n+b\n")
    assert read_regression("x", text).expect == Expected(
        "value", "rpc_call:conductor:Instance.save", "changes.vm_state")


@pytest.mark.parametrize("text", [
    "Expect: value\n--- a/nova/x.py\n+++ b/nova/x.py\n",
    "# no expect line\n--- a/nova/x.py\n+++ b/nova/x.py\n",
    "Expect: nothing\n",
])
def test_a_malformed_patch_file_is_refused_by_name(text: str) -> None:
    with pytest.raises(UsageError, match="regression broken"):
        read_regression("broken", text)


def test_an_unknown_regression_is_refused_naming_the_choices() -> None:
    with pytest.raises(UsageError, match=f"choose {CLEAN} or one of .*spawn-shutdown"):
        patched_nova("no-such-change")
