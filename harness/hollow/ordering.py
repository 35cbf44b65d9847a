"""Per-instance order for a shadow: each instance's messages are handled one after another.

Production's caller waits for a build to finish before it asks for the console; a shadow gets
both from the mirror moments apart, so a candidate that is only slower would answer the console
call before its own build was done, a difference of timing rather than behaviour. A shadow
therefore handles an instance's messages in the order production received them.
"""

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from harness.bus.messages import Incoming
from harness.hollow import objects

Task = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


def instance_of(args: tuple[Any, ...]) -> str | None:
    """The uuid of the instance an RPC request is about (None for other tasks)."""
    if not args or not isinstance(args[0], Incoming):
        return None
    try:
        uuid = objects.fields(args[0].args.get("instance")).get("uuid")
    except (ValueError, AttributeError):  # no instance, or not a primitive: the handler says so
        return None
    return str(uuid) if uuid else None


class PerInstanceOrder(Executor):
    """Runs tasks on a pool, those about one instance strictly in the order submitted."""

    def __init__(self, pool: Executor) -> None:
        self.pool = pool
        self._lock = threading.Lock()
        self._waiting: dict[str, deque[Task]] = {}  # an instance's queue exists while it runs

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        key = instance_of(args)
        if key is None or kwargs:
            return self.pool.submit(fn, *args, **kwargs)
        future: Future[Any] = Future()
        with self._lock:
            waiting = self._waiting.get(key)
            if waiting is not None:
                waiting.append((future, fn, args))
                return future
            self._waiting[key] = deque()
        self.pool.submit(self._drain, key, (future, fn, args))
        return future

    def _drain(self, key: str, task: Task) -> None:
        """Run the instance's tasks until none is waiting."""
        while True:
            future, fn, args = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as error:  # the caller's future carries it
                    future.set_exception(error)
            with self._lock:
                waiting = self._waiting[key]
                if not waiting:
                    del self._waiting[key]
                    return
                task = waiting.popleft()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)
