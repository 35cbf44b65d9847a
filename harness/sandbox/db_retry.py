"""Retry a transaction the database rolled back to break a deadlock, as oslo.db's
wrap_db_retry(retry_on_deadlock=True) does for nova: the whole transaction again, after a
growing, jittered pause."""

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

MAX_RETRIES = 10
FIRST_PAUSE = 0.05
MAX_PAUSE = 1.0
# MySQL/MariaDB: 1213 deadlock, 1205 lock wait timeout, 1305 a savepoint the deadlock's
# rollback already removed. PostgreSQL: 40P01 deadlock, 40001 serialization failure.
MYSQL_RETRIED = frozenset({1205, 1213, 1305})
POSTGRES_RETRIED = frozenset({"40P01", "40001"})


def is_retryable(error: DBAPIError) -> bool:
    """A failure the database asks the client to retry the transaction for, or a dropped
    connection (the pool has replaced it)."""
    if error.connection_invalidated:
        return True
    orig = error.orig
    code = orig.args[0] if orig is not None and orig.args else None
    if isinstance(code, int) and code in MYSQL_RETRIED:
        return True
    if getattr(orig, "pgcode", None) in POSTGRES_RETRIED:
        return True
    return "database is locked" in str(orig)  # SQLite's busy writer


def retry_on_deadlock(function: Callable[P, R]) -> Callable[P, R]:
    """Run the transaction again when the database rolled it back to break a deadlock."""

    @functools.wraps(function)
    def retried(*args: P.args, **kwargs: P.kwargs) -> R:
        pause, attempt = FIRST_PAUSE, 0
        while True:
            try:
                return function(*args, **kwargs)
            except DBAPIError as error:
                attempt += 1
                if attempt > MAX_RETRIES or not is_retryable(error):
                    raise
                log.debug("%s: %s; retrying (%d)", function.__name__,
                          str(error.orig).splitlines()[0], attempt)
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, MAX_PAUSE)

    return retried
