"""The mode switch: HARNESS_MODE=production|record|shadow, read from the environment."""

import enum
import os
from collections.abc import Mapping

MODE_VARIABLE = "HARNESS_MODE"


class Mode(enum.Enum):
    """production: do it; record: do it and record it; shadow: record it, do not do it."""

    PRODUCTION = "production"
    RECORD = "record"
    SHADOW = "shadow"


class ModeError(ValueError):
    """HARNESS_MODE holds something that is not a mode."""


def current_mode(environ: Mapping[str, str] | None = None) -> Mode:
    """The mode the environment asks for; production when unset; ModeError when invalid."""
    value = (os.environ if environ is None else environ).get(MODE_VARIABLE, "").strip()
    if not value:
        return Mode.PRODUCTION
    try:
        return Mode(value.lower())
    except ValueError:
        choices = "|".join(mode.value for mode in Mode)
        raise ModeError(f"{MODE_VARIABLE}={value!r} is not one of {choices}") from None
