"""A loop in a daemon thread with a stop event: what the relay and the tap both are."""

import threading
from abc import ABC, abstractmethod
from typing import Self


class BackgroundLoop(ABC):
    """Runs `run()` in a daemon thread until `stop()` sets the event it watches."""

    thread_name = "loop"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def run(self) -> None:
        """The loop; it returns once `self._stop` is set."""

    def start(self) -> Self:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the loop to finish and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
