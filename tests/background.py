"""Running a blocking call on a thread of its own, keeping what it raised for the test."""

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
