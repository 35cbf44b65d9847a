"""Running a blocking call on a thread of its own, keeping what it raised for the test; and a
child process a test can interrupt as a terminal's Ctrl-C does."""

import signal
import threading
from collections.abc import Callable


def in_background(task: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """The started (daemon) thread running `task`, and the list its exception lands in."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            task()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def interruptible() -> None:
    """SIGINT raises KeyboardInterrupt in the child, as a terminal's Ctrl-C does: a suite run
    as a background job inherits SIGINT ignored, and Python then leaves it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
