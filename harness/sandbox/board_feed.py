"""The board of a sandbox whose conductor runs in other processes: fed from the database, where
that conductor saves what the shards report, instead of from its own conductor's calls."""

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from harness.periodic import Periodic
from harness.sandbox.board import InstanceBoard
from harness.sandbox.schema import instances
from harness.sandbox.store import Store

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
CHUNK = 500  # uuids an IN clause carries


class BoardFeed:
    """Polls the rows of the instances the board's waiters wait for and hands each to
    `on_instance`, as an in-process conductor does on every instance write."""

    def __init__(self, store: Store, board: InstanceBoard,
                 on_instance: Callable[[str, dict[str, Any]], None]) -> None:
        self.store = store
        self.board = board
        self.on_instance = on_instance
        self._poller = Periodic("board-feed", POLL_SECONDS, self._poll_logged)

    def start(self) -> None:
        """Poll in a daemon thread until stop()."""
        self._poller.start()

    def poll(self) -> None:
        """Publish the current row of every instance somebody waits for."""
        watched = self.board.watched()
        for begin in range(0, len(watched), CHUNK):
            query = select(instances).where(instances.c.uuid.in_(watched[begin:begin + CHUNK]))
            with self.store.engine.connect() as conn:
                rows = [dict(row) for row in conn.execute(query).mappings()]
            for row in rows:
                self.on_instance(row["uuid"], row)

    def _poll_logged(self) -> None:
        try:
            self.poll()
        except SQLAlchemyError as error:
            log.warning("reading instance states: %s", str(error).splitlines()[0])

    def stop(self) -> None:
        """Stop polling."""
        self._poller.stop()
