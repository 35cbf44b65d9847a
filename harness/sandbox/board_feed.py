"""The board of a sandbox that drives another process's conductor: fed from the database, where
that conductor saves what the shards report, instead of from its own conductor's calls."""

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from harness.periodic import Periodic
from harness.sandbox.board import InstanceBoard
from harness.sandbox.schema import instances
from harness.sandbox.store import Store

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
CHUNK = 500  # uuids an IN clause carries
FINISHED_STATES = frozenset({"deleted", "error"})


class BoardFeed:
    """Polls the rows of the instances waited for and publishes each to the board; a finished
    instance's claim goes back to the scheduler, as the serving conductor does."""

    def __init__(self, store: Store, board: InstanceBoard,
                 release: Callable[[str], None]) -> None:
        self.store = store
        self.board = board
        self.release = release
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
                if row["vm_state"] in FINISHED_STATES:
                    self.release(row["uuid"])
                self.board.publish(row["uuid"], row)

    def _poll_logged(self) -> None:
        try:
            self.poll()
        except SQLAlchemyError as error:
            log.warning("reading instance states: %s", str(error).splitlines()[0])

    def stop(self) -> None:
        """Stop polling."""
        self._poller.stop()
