"""Which database errors a fresh attempt of the whole transaction may resolve."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from finplat.core.db import is_retryable


class DriverError(Exception):
    """A MySQL/MariaDB driver error: its code is the first argument."""


def _error(code: int, message: str) -> OperationalError:
    return OperationalError("statement", {}, DriverError(code, message))


def test_a_deadlock_is_retried_and_a_missing_savepoint_alone_is_not() -> None:
    assert is_retryable(_error(1213, "Deadlock found when trying to get lock"))
    assert not is_retryable(_error(1305, "SAVEPOINT sa_savepoint_1 does not exist"))


def test_a_deadlock_hidden_behind_the_failed_savepoint_rollback_is_retried() -> None:
    # MariaDB rolls the whole transaction back on a deadlock; leaving the savepoint then fails.
    try:
        try:
            raise _error(1213, "Deadlock found when trying to get lock")
        except OperationalError:
            raise _error(1305, "SAVEPOINT sa_savepoint_1 does not exist") from None
    except OperationalError as error:
        assert error.__context__ is not None
        assert is_retryable(error)
