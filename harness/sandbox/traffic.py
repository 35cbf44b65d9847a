"""The traffic generator: instance lifecycles (build, reboot, ..., delete) started at a set rate."""

import functools
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from harness.hollow.context import request_context
from harness.sandbox.board import Predicate, Row, WaitTimeout
from harness.sandbox.latency import LatencyBook

DEFAULT_STEPS = ("build", "reboot", "delete")
KNOWN_STEPS = ("build", "console", "reboot", "stop", "start", "delete")
CONSOLE_TAIL = 20  # lines of console a `console` step asks for (a call: it waits for them)
USERS = 8
PROJECTS = 4


class LifecycleApi(Protocol):
    """What traffic asks of a compute API: the sandbox's over RPC, or real nova-api's."""

    def create(self, ctxt: dict[str, Any], image_id: str) -> str: ...
    def reboot(self, ctxt: dict[str, Any], instance_uuid: str) -> None: ...
    def stop(self, ctxt: dict[str, Any], instance_uuid: str) -> None: ...
    def start(self, ctxt: dict[str, Any], instance_uuid: str) -> None: ...
    def delete(self, ctxt: dict[str, Any], instance_uuid: str) -> None: ...
    def console_output(self, ctxt: dict[str, Any], instance_uuid: str,
                       tail_length: int | None = None) -> str: ...


class StateBoard(Protocol):
    """Where traffic waits for an instance to reach a state."""

    def wait_for(self, uuid: str, predicate: Predicate, timeout: float) -> Row: ...
    def forget(self, uuid: str) -> None: ...


class OperationFailed(Exception):
    """An operation ended in a state other than the one asked for."""


@dataclass(frozen=True)
class Step:
    """One operation: how to ask for it, and what its instance looks like once it is done."""

    request: Callable[[LifecycleApi, dict[str, Any], str], None]
    done: Callable[[Row], bool]
    wanted: Callable[[Row], bool]


def _settled(row: Row) -> bool:
    return row["task_state"] is None and row["vm_state"] != "building"


def _in_state(vm_state: str) -> Callable[[Row], bool]:
    return lambda row: row["vm_state"] == vm_state


def _read_console(api: LifecycleApi, ctxt: dict[str, Any], uuid: str) -> None:
    """Ask the guest's host for its console: a call, so production's answer is a reply."""
    api.console_output(ctxt, uuid, CONSOLE_TAIL)


STEPS: dict[str, Step] = {
    "console": Step(_read_console, _settled, _in_state("active")),
    "reboot": Step(lambda api, ctxt, uuid: api.reboot(ctxt, uuid), _settled, _in_state("active")),
    "stop": Step(lambda api, ctxt, uuid: api.stop(ctxt, uuid), _settled, _in_state("stopped")),
    "start": Step(lambda api, ctxt, uuid: api.start(ctxt, uuid), _settled, _in_state("active")),
    "delete": Step(lambda api, ctxt, uuid: api.delete(ctxt, uuid),
                   lambda row: bool(row["deleted"]), lambda row: bool(row["deleted"])),
}


def check_steps(steps: Sequence[str]) -> tuple[str, ...]:
    """Validate a lifecycle: starts with build, ends with delete, only known operations."""
    unknown = [s for s in steps if s not in KNOWN_STEPS]
    if unknown:
        raise ValueError(f"unknown operation(s) {', '.join(unknown)}; known: "
                         f"{', '.join(KNOWN_STEPS)}")
    if not steps or steps[0] != "build" or steps[-1] != "delete":
        raise ValueError("a lifecycle starts with build and ends with delete")
    return tuple(steps)


class TrafficGenerator:
    """Drives instance lifecycles through a compute API and times each operation."""

    def __init__(self, api: LifecycleApi, board: StateBoard, image_id: str, *,
                 steps: Sequence[str] = DEFAULT_STEPS, timeout: float = 60.0,
                 max_in_flight: int = 256) -> None:
        self.api = api
        self.board = board
        self.image_id = image_id
        self.steps = check_steps(steps)
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.book = LatencyBook()
        self.started = 0
        self.finished = 0
        self._lock = threading.Lock()

    def context(self) -> dict[str, Any]:
        """A fresh request context from one of a few users and projects."""
        return request_context(f"user-{random.randrange(USERS)}",
                               f"project-{random.randrange(PROJECTS)}")

    def run(self, count: int, rate: float, stop: threading.Event | None = None) -> None:
        """Start `count` lifecycles, `rate` per second, and wait for every one to finish."""
        interval = 1.0 / rate if rate > 0 else 0.0
        begin = time.monotonic()
        with ThreadPoolExecutor(min(count, self.max_in_flight) or 1,
                                thread_name_prefix="traffic") as pool:
            for index in range(count):
                delay = begin + index * interval - time.monotonic()
                if stop is not None and stop.wait(max(delay, 0)):
                    break
                if stop is None and delay > 0:
                    time.sleep(delay)
                with self._lock:
                    self.started += 1
                pool.submit(self.lifecycle)

    def lifecycle(self) -> None:
        """One instance from build to delete; after a failed step only the delete is tried."""
        created: list[str] = []
        begin, worked = time.monotonic(), False
        try:
            ok = worked = self._timed("build", lambda: self._build(created))
            for name in self.steps[1:]:
                if created and (ok or name == "delete"):
                    ok = self._timed(name, functools.partial(self._operate, name, created[0]))
                    worked = worked and ok
        finally:
            self.book.iteration(time.monotonic() - begin, worked)
            if created:
                self.board.forget(created[0])
            with self._lock:
                self.finished += 1

    def _build(self, created: list[str]) -> None:
        uuid = self.api.create(self.context(), self.image_id)
        created.append(uuid)
        row = self.board.wait_for(uuid, _settled, self.timeout)
        if row["vm_state"] != "active":
            raise OperationFailed(f"build of {uuid} ended {row['vm_state']}: {row.get('fault')}")

    def _operate(self, name: str, uuid: str) -> None:
        step = STEPS[name]
        step.request(self.api, self.context(), uuid)
        row = self.board.wait_for(uuid, step.done, self.timeout)
        if not step.wanted(row):
            raise OperationFailed(f"{name} of {uuid} ended {row['vm_state']}: {row.get('fault')}")

    def _timed(self, name: str, operation: Callable[[], None]) -> bool:
        """Run one operation, adding its latency or its failure to the book; True if it worked."""
        start = time.monotonic()
        try:
            operation()
        except (OperationFailed, WaitTimeout) as error:
            self.book.fail(name, str(error), time.monotonic() - start)
            return False
        except Exception as error:
            self.book.fail(name, f"{type(error).__name__}: {error}", time.monotonic() - start)
            return False
        self.book.add(name, time.monotonic() - start)
        return True
