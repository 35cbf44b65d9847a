"""The mode switch reads HARNESS_MODE, defaults to production and rejects anything else."""

import pytest

from shims.mode import Mode, ModeError, current_mode


@pytest.mark.parametrize(("value", "mode"), [
    (None, Mode.PRODUCTION), ("", Mode.PRODUCTION), ("production", Mode.PRODUCTION),
    ("record", Mode.RECORD), ("shadow", Mode.SHADOW), (" Shadow ", Mode.SHADOW),
])
def test_modes(value: str | None, mode: Mode) -> None:
    environ = {} if value is None else {"HARNESS_MODE": value}
    assert current_mode(environ) is mode


def test_invalid_mode_is_a_clear_error() -> None:
    with pytest.raises(ModeError, match="HARNESS_MODE='shdow' is not one of production"):
        current_mode({"HARNESS_MODE": "shdow"})


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "record")
    assert current_mode() is Mode.RECORD
