"""A trigger's arguments in short, as triggers.jsonl and the report keep them."""

import pytest

from credentials.redaction import MASK
from harness.shadow.relay import in_short

pytestmark = pytest.mark.unit


def test_an_object_is_shown_by_its_class_and_a_long_value_is_cut() -> None:
    shown = in_short({"instance": {"nova_object.name": "Instance"}, "node": "n" * 60,
                      "limits": None})
    assert shown == f"instance=<Instance>, node={repr('n' * 60)[:37]}..."


@pytest.mark.parametrize("name", ["admin_password", "adminPass", "auth_token", "secret_uuid",
                                  "new_pass"])
def test_a_secret_argument_is_masked(name: str) -> None:
    shown = in_short({name: "hunter2-guest-root", "flavor": "tiny"})
    assert "hunter2" not in shown
    assert shown == f"{name}={MASK}, flavor='tiny'"
