"""The conductor's transactions are retried after a deadlock, as oslo.db's retry decorator does,
and only then: any other database error reaches the caller at once."""

import pymysql
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from harness.sandbox import db_retry


def _mysql_error(code: int, text: str) -> OperationalError:
    """The error SQLAlchemy raises for a MySQL/MariaDB error of that code (pymysql's own)."""
    return OperationalError("INSERT ...", {}, pymysql.err.OperationalError(code, text))


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_retry, "FIRST_PAUSE", 0.0)


def test_a_deadlock_and_the_lost_savepoint_after_it_are_retried() -> None:
    errors = [_mysql_error(1213, "Deadlock found when trying to get lock"),
              _mysql_error(1305, "SAVEPOINT sa_savepoint_1 does not exist")]
    calls: list[int] = []

    @db_retry.retry_on_deadlock
    def save() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "saved"

    assert save() == "saved" and len(calls) == 3


def test_other_errors_and_endless_deadlocks_reach_the_caller() -> None:
    @db_retry.retry_on_deadlock
    def duplicate() -> None:
        raise IntegrityError("INSERT ...", {}, pymysql.err.IntegrityError(1062, "Duplicate"))

    with pytest.raises(IntegrityError):
        duplicate()
    calls: list[int] = []

    @db_retry.retry_on_deadlock
    def always() -> None:
        calls.append(1)
        raise _mysql_error(1213, "Deadlock found")

    with pytest.raises(OperationalError):
        always()
    assert len(calls) == db_retry.MAX_RETRIES + 1
