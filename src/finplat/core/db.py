"""Engines and transactions. One use case = one transaction, retried on transient conflicts.
The statements shared by every package are in ``core.statements``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable

from finplat.core.prebuilt import Prebuilt

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
_PG_RETRYABLE = {"40001", "40P01", "55P03"}
# MySQL/MariaDB: deadlock, lock wait timeout, "record has changed since last read" (MariaDB's
# snapshot isolation), NOWAIT lock not available (MySQL).
_MYSQL_RETRYABLE = {1213, 1205, 1020, 3572}
# Strict: a value that does not fit is an error, never silently truncated or zeroed (the
# server's default sql_mode may be lax). Instants are UTC like everywhere else.
_MYSQL_SQL_MODE = ("STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                   "NO_ENGINE_SUBSTITUTION")
MAX_ATTEMPTS = 6


def _mysql_session(statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """The settings of every MySQL/MariaDB connection, sent once when it opens. The statement
    timeout is MariaDB's ``max_statement_time`` (seconds) inside a MariaDB-only comment: MySQL
    has no equivalent for writes and skips the comment."""
    return (f"SET SESSION sql_mode='{_MYSQL_SQL_MODE}', time_zone='+00:00', "
            f"innodb_lock_wait_timeout={max(lock_timeout_ms // 1000, 1)}"
            f"/*M!, max_statement_time={statement_timeout_ms / 1000:g} */")


def is_retryable(error: BaseException) -> bool:
    """A transient conflict that a fresh attempt of the whole transaction may resolve; also
    when it is hidden behind the failure it caused: MariaDB rolls the whole transaction back
    on a deadlock, so the rollback to a savepoint that follows fails (1305, no such savepoint)
    with the deadlock as its context."""
    if not isinstance(error, DBAPIError):
        return False
    seen: list[BaseException] = [error]
    for found in seen:  # the error, then what caused it or was being handled (a few levels)
        if _transient(found):
            return True
        for linked in (found.__cause__, found.__context__):
            if linked is not None and len(seen) < 8 and all(linked is not s for s in seen):
                seen.append(linked)
    return False


def _transient(error: BaseException) -> bool:
    orig = error.orig if isinstance(error, DBAPIError) else error
    for attr in ("sqlstate", "pgcode"):
        if getattr(orig, attr, None) in _PG_RETRYABLE:
            return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_RETRYABLE:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "deadlock" in text


def is_disconnect(error: BaseException) -> bool:
    """The database connection was lost (server restart, network): nothing was committed
    unless the loss happened during COMMIT, so the client should retry with its
    Idempotency-Key rather than the server guessing."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


class Database:
    """The write engine and a read engine (the same one except on SQLite, see below)."""

    def __init__(
        self,
        url: str,
        *,
        statement_timeout_ms: int = 5_000,
        lock_timeout_ms: int = 2_000,
        pool_size: int = 10,
        echo: bool = False,
    ) -> None:
        self.url = url
        self.dialect = url.split("+", 1)[0].split(":", 1)[0]
        self._server_settings = {
            "statement_timeout": str(statement_timeout_ms),
            "lock_timeout": str(lock_timeout_ms),
            "idle_in_transaction_session_timeout": str(max(statement_timeout_ms * 6, 60_000)),
            "jit": "off",
        }
        self.engine = self._create(
            url, statement_timeout_ms, lock_timeout_ms, pool_size, echo, immediate=True
        )
        # SQLite has one writer at a time. Write transactions take the write lock up front
        # (BEGIN IMMEDIATE) so that two of them never deadlock on a lock upgrade; reads begin
        # deferred on their own engine so that they never wait for a writer (WAL).
        self.read_engine = (
            self._create(
                url, statement_timeout_ms, lock_timeout_ms, pool_size, echo, immediate=False
            )
            if self.dialect == "sqlite"
            else self.engine
        )
        # Single-statement reads need no BEGIN/COMMIT around them: two round trips saved.
        self._autocommit_reads = self.read_engine.execution_options(isolation_level="AUTOCOMMIT")
        self._autocommit_writes = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    def _create(
        self,
        url: str,
        statement_timeout_ms: int,
        lock_timeout_ms: int,
        pool_size: int,
        echo: bool,
        *,
        immediate: bool,
    ) -> AsyncEngine:
        # No pool pre-ping: it costs a round trip per transaction. A connection the server
        # dropped fails its first statement instead; SQLAlchemy then discards every pooled
        # connection older than the failure, and the request answers 503 (``is_disconnect``).
        kwargs: dict[str, Any] = {"echo": echo, "pool_recycle": 1_800}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": max(statement_timeout_ms, 30_000) / 1000}
        elif self.dialect == "postgresql":
            kwargs.update(_pool_sizes(pool_size))
            kwargs["connect_args"] = {"server_settings": self._server_settings}
        elif self.dialect in ("mysql", "mariadb"):
            kwargs.update(_pool_sizes(pool_size))
            kwargs["isolation_level"] = "READ COMMITTED"
            kwargs["connect_args"] = {
                "init_command": _mysql_session(statement_timeout_ms, lock_timeout_ms)}
        engine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(engine, immediate=immediate)
        return engine

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        maker = self._read_sessions if readonly else self._sessions
        async with maker() as session, session.begin():
            yield session

    async def fetch_all(self, statement: Executable | Prebuilt,
                        parameters: Mapping[str, Any] | None = None) -> Sequence[Any]:
        """The rows of one read-only statement, run outside an explicit transaction (one round
        trip; a single statement sees one consistent snapshot anyway). A ``Prebuilt`` one
        gives named tuples (through the driver on PostgreSQL)."""
        async with self._autocommit_reads.connect() as connection:
            if isinstance(statement, Prebuilt):
                return await statement.all(connection, parameters)
            return (await connection.execute(statement, parameters)).all()

    async def run(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        readonly: bool = False,
        attempts: int = MAX_ATTEMPTS,
    ) -> T:
        """Run ``work`` in one transaction, retrying the whole of it on transient conflicts.

        Deadlocks and serialization failures never reach a user: they are retried here with
        jittered backoff, a bounded number of times, and only then raised.
        """

        async def once() -> T:
            async with self.transaction(readonly=readonly) as session:
                return await work(session)

        return await _retrying(once, attempts, is_retryable)

    async def execute(self, statement: Executable | Prebuilt,
                      parameters: Mapping[str, Any] | None = None,
                      *, attempts: int = MAX_ATTEMPTS) -> int:
        """One write statement as a transaction of its own (retried like ``run``); returns the
        number of rows it changed. On PostgreSQL it goes without BEGIN and COMMIT round trips:
        a single statement is atomic by itself."""
        async def once() -> int:
            if self.dialect == "postgresql":
                async with self._autocommit_writes.connect() as connection:
                    return await _changed(connection, statement, parameters)
            # SQLite takes its write lock with our BEGIN IMMEDIATE; keep it explicit.
            async with self.engine.begin() as connection:
                return await _changed(connection, statement, parameters)

        return await _retrying(once, attempts, is_retryable)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


async def _changed(connection: AsyncConnection, statement: Executable | Prebuilt,
                   parameters: Mapping[str, Any] | None) -> int:
    if isinstance(statement, Prebuilt):
        return await statement.changed(connection, parameters)
    result = await connection.execute(statement, parameters)
    return int(cast(CursorResult[Any], result).rowcount)


def _pool_sizes(pool_size: int) -> dict[str, int]:
    """Up to twice ``pool_size`` connections, each kept once opened (opened on demand). Not
    ``pool_size`` plus as many overflow connections: an overflow connection is closed as soon
    as it is returned while the pool is full, and a request and its channel callback together
    often use more than ``pool_size`` at once, so the pool would open and close a connection
    (a server process, TLS negotiation, an empty prepared-statement cache) every few requests."""
    return {"pool_size": 2 * pool_size, "max_overflow": 0}


async def _retrying(attempt_once: Callable[[], Awaitable[T]], attempts: int,
                    retry_if: Callable[[DBAPIError], bool]) -> T:
    """Deadlocks and serialization failures never reach a user: retried with jittered
    backoff, a bounded number of times, and only then raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await attempt_once()
        except DBAPIError as error:
            if attempt == attempts or not retry_if(error):
                raise
            log.info("retrying transaction after transient conflict", extra={"attempt": attempt})
            await asyncio.sleep(min(0.005 * 2**attempt, 0.2) * (0.5 + _jitter()))
    raise AssertionError("unreachable")


def _jitter() -> float:
    import random

    return random.random()  # noqa: S311 - backoff jitter, not security


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
