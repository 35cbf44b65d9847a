"""The last saved state of each instance, so the API side can wait for an operation to land."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]


class WaitTimeout(Exception):
    """The instance did not reach the awaited state in time; the message gives its last state."""


@dataclass
class _Waiter:
    predicate: Predicate
    done: threading.Event = field(default_factory=threading.Event)
    row: Row | None = None


class InstanceBoard:
    """Fed by the conductor on every instance write; waiters are woken per instance, not all."""

    def __init__(self) -> None:
        self._rows: dict[str, Row] = {}
        self._waiters: dict[str, list[_Waiter]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """End every wait now and refuse new ones (WaitTimeout): nothing will publish again."""
        with self._lock:
            self._closed = True
            for waiting in self._waiters.values():
                for waiter in waiting:
                    waiter.done.set()

    def publish(self, uuid: str, row: Row) -> None:
        """Record an instance's new state and wake the waiters it satisfies."""
        with self._lock:
            self._rows[uuid] = row
            waiting = self._waiters.get(uuid, [])
            for waiter in [w for w in waiting if w.predicate(row)]:
                waiter.row = row
                waiter.done.set()
                waiting.remove(waiter)

    def wait_for(self, uuid: str, predicate: Predicate, timeout: float) -> Row:
        """Block until the instance's state satisfies predicate; WaitTimeout after timeout."""
        with self._lock:
            row = self._rows.get(uuid)
            if row is not None and predicate(row):
                return row
            if self._closed:
                raise WaitTimeout(f"instance {uuid}: no longer watched (the cloud stopped)")
            waiter = _Waiter(predicate)
            self._waiters.setdefault(uuid, []).append(waiter)
        if waiter.done.wait(timeout) and waiter.row is not None:
            return waiter.row
        with self._lock:
            if waiter in self._waiters.get(uuid, []):
                self._waiters[uuid].remove(waiter)
            last = self._rows.get(uuid, {})
            if self._closed:
                raise WaitTimeout(f"instance {uuid}: no longer watched (the cloud stopped)")
        raise WaitTimeout(f"instance {uuid}: still vm_state={last.get('vm_state')!r} "
                          f"task_state={last.get('task_state')!r} after {timeout:g}s")

    def watched(self) -> list[str]:
        """The instances somebody waits for now."""
        with self._lock:
            return [uuid for uuid, waiting in self._waiters.items() if waiting]

    def last(self, uuid: str) -> Row | None:
        """The instance's last published state, if any."""
        return self._rows.get(uuid)

    def forget(self, uuid: str) -> None:
        """Drop an instance that nobody will wait for again."""
        with self._lock:
            self._rows.pop(uuid, None)
            if not self._waiters.get(uuid):
                self._waiters.pop(uuid, None)
