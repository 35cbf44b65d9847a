"""Endpoints both sides serve in interop tests, and the exceptions they raise."""

import threading
from typing import Any

from harness.bus import Target


class OutOfDisk(Exception):
    """A custom exception the caller cannot rebuild: it must arrive as a RemoteError."""


class Recorder:
    """Collects what casts delivered, so a test can wait for them."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.arrived = threading.Condition()

    def add(self, name: str, value: Any) -> None:
        """Note one delivery and wake waiters."""
        with self.arrived:
            self.seen.append((name, value))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5) -> list[tuple[str, Any]]:
        """The deliveries once there are `count` of them (fails the test on timeout)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.seen) >= count, timeout), self.seen
            return list(self.seen)


class ComputeEndpoint:
    """A tiny compute API at version 6.2 (our Target)."""

    target = Target(version="6.2")

    def __init__(self, host: str, recorder: Recorder) -> None:
        self.host = host
        self.recorder = recorder

    def echo(self, ctxt: dict[str, Any], value: Any) -> dict[str, Any]:
        """Return the value, the host and the context it arrived with."""
        return {"value": value, "host": self.host, "ctxt": dict(ctxt)}

    def remember(self, ctxt: dict[str, Any], value: Any) -> None:
        """A cast: note the value."""
        self.recorder.add(self.host, value)

    def fail_value(self, ctxt: dict[str, Any]) -> None:
        """Raise a built-in exception."""
        raise ValueError("no such flavor", 42)

    def fail_custom(self, ctxt: dict[str, Any]) -> None:
        """Raise an exception only this side knows."""
        raise OutOfDisk("disk full on host")
