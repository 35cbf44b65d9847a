"""Running a service in the foreground until SIGINT or SIGTERM, then stopping it cleanly."""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (old handlers restored after)."""
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_until_stopped(stop: threading.Event, tick: Callable[[], None],
                      interval: float = 1.0) -> None:
    """Call tick every interval seconds until the event is set."""
    while not stop.wait(interval):
        tick()
