"""External operations: executed (production), executed and recorded (record), or recorded and
answered with a stand-in (shadow)."""

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from shims.mode import Mode, current_mode
from shims.recorder import Recorder, current_recorder

P = ParamSpec("P")
R = TypeVar("R")
_NO_STAND_IN: Any = object()
PayloadOf = Callable[..., Any]


class ShadowBlocked(PermissionError):
    """Shadow mode met an operation with no stand-in: it is recorded and refused (fail closed)."""


def default_payload(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """What an effect records when the operation names no payload: its arguments."""
    return {"args": list(args), "kwargs": kwargs}


def perform(
    kind: str, target: str, method: str | None, operation: Callable[..., R],
    args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, *,
    stand_in: Any = _NO_STAND_IN, version: str | None = None,
    payload: PayloadOf = default_payload, mode: Mode | None = None,
    recorder: Recorder | None = None,
) -> R:
    """Run one external operation as the mode says.

    `stand_in` is the shadow-mode answer: a callable given the same arguments, or a value.
    In record mode an operation that raises is recorded with its error, then re-raised.
    `mode` and `recorder` default to the process's (HARNESS_MODE, `use_recorder`); a process
    hosting several shards, or both sides of an embedded experiment, passes its own.
    """
    kwargs = kwargs or {}
    mode = mode or current_mode()
    if mode is Mode.PRODUCTION:
        return operation(*args, **kwargs)
    recorder = recorder or current_recorder()
    recorded = payload(*args, **kwargs)
    if mode is Mode.RECORD:
        try:
            result = operation(*args, **kwargs)
        except Exception as error:
            recorded = {"request": recorded, "error": f"{type(error).__name__}: {error}"}
            recorder.record(kind, target, method, recorded, real=True, version=version)
            raise
        recorder.record(kind, target, method, recorded, real=True, version=version)
        return result
    recorder.record(kind, target, method, recorded, real=False, version=version)
    if stand_in is _NO_STAND_IN:
        raise ShadowBlocked(f"shadow mode: {kind} {target} {method or ''} has no stand-in")
    return stand_in(*args, **kwargs) if callable(stand_in) else stand_in


def call_external(
    kind: str, target: str, method: str | None, operation: Callable[..., R], *args: Any,
    stand_in: Any = _NO_STAND_IN, version: str | None = None,
    payload: PayloadOf = default_payload, **kwargs: Any,
) -> R:
    """Run one external operation with the process's mode and recorder (see `perform`)."""
    return perform(kind, target, method, operation, args, kwargs, stand_in=stand_in,
                   version=version, payload=payload)


def external(
    kind: str, target: str, method: str | None = None, *, stand_in: Any = _NO_STAND_IN,
    version: str | None = None, payload: PayloadOf = default_payload,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function performing an external operation (method defaults to its name)."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return perform(
                kind, target, method or function.__name__, function, args, kwargs,
                stand_in=stand_in, version=version, payload=payload,
            )

        return wrapper

    return decorate
