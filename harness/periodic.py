"""A daemon thread calling a function every interval until stopped."""

import threading
from collections.abc import Callable


class Periodic:
    """Calls `tick` every `interval` seconds in a daemon thread, from start() until stop()."""

    def __init__(self, name: str, interval: float, tick: Callable[[], None]) -> None:
        self.interval = interval
        self.tick = tick
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Begin ticking (the first tick comes after one interval)."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.tick()

    def stop(self) -> None:
        """Stop ticking and wait for a tick in progress."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
