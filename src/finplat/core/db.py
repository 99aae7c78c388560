"""Engines and transactions. One use case = one transaction, retried on transient conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import CursorResult, Row, Update, event, insert, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable

T = TypeVar("T")
_UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
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
    """A transient conflict that a fresh attempt of the whole transaction may resolve."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
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


def insert_unless_taken(session: AsyncSession, model: Any, values: Mapping[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite) or ``INSERT IGNORE`` (MariaDB,
    MySQL): a twin inserting the same unique key at the same time waits on the index, then
    inserts nothing; add ``.returning(...)`` to tell which (MariaDB returns no row for an ignored
    insert). None on a dialect with neither (the caller falls back to a savepoint).

    ``IGNORE`` would also turn a too-long string or a missing NOT NULL value into a warning and
    store something else, so those are refused here first, on every dialect alike
    (``ValueError``: a programming error, the caller validates user input)."""
    _check_fits(model, values)
    name = session.get_bind().dialect.name
    if name in ("mysql", "mariadb"):
        return insert(model).values(**values).prefix_with("IGNORE")
    upsert = _UPSERTS.get(name)
    return None if upsert is None else upsert(model).values(**values).on_conflict_do_nothing()


def _check_fits(model: Any, values: Mapping[str, Any]) -> None:
    for column in model.__table__.columns:
        value = values.get(column.key)
        if value is None:
            if not column.nullable and column.key in values:
                raise ValueError(f"{column.key} must not be None")
            continue
        length = getattr(column.type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            raise ValueError(f"{column.key} is longer than {length} characters")


async def update_returning(session: AsyncSession, statement: Update,
                           columns: Sequence[Any], *, row: Any) -> Row[Any] | None:
    """``columns`` of the one row a guarded ``UPDATE`` changed, or None when its guard matched
    no row. ``row`` is a condition naming that row by its key (``Account.id == 7``).

    One statement with ``RETURNING`` (PostgreSQL, SQLite); MariaDB has no ``UPDATE ...
    RETURNING``, so there the changed row is read back by its key: the UPDATE holds its lock
    until the transaction ends, so the read sees exactly what the UPDATE wrote."""
    if session.get_bind().dialect.update_returning:
        return (await session.execute(statement.returning(*columns))).first()
    result = cast(CursorResult[Any], await session.execute(statement))
    if result.rowcount != 1:
        return None
    return (await session.execute(select(*columns).where(row))).first()


def inserted_id(result: Any) -> int:
    """The primary key of the one row an ``INSERT`` statement wrote."""
    key = result.inserted_primary_key
    assert key is not None and key[0] is not None, "an INSERT of one row has its primary key"
    return int(key[0])


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
        self._pool_size = pool_size
        self._driver_pool: Any = None
        self._driver_pool_lock = asyncio.Lock()
        self._compiled: dict[Executable, Any] = {}
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
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
            kwargs["connect_args"] = {"server_settings": self._server_settings}
        elif self.dialect in ("mysql", "mariadb"):
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
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

    async def fetch_all(self, statement: Executable,
                        parameters: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
        """The rows of one read-only statement, run outside an explicit transaction (one round
        trip; a single statement sees one consistent snapshot anyway)."""
        async with self._autocommit_reads.connect() as connection:
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

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None,
                      *, attempts: int = MAX_ATTEMPTS) -> int:
        """One write statement as a transaction of its own (retried like ``run``); returns the
        number of rows it changed. On PostgreSQL it goes without BEGIN and COMMIT round trips:
        a single statement is atomic by itself."""
        result = await self._statement(statement, parameters, attempts, is_retryable, rows=False)
        return int(cast(CursorResult[Any], result).rowcount)

    async def call(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        *,
        retry_if: Callable[[DBAPIError], bool] = is_retryable,
        attempts: int = MAX_ATTEMPTS,
    ) -> Row[Any]:
        """The one row of one write statement (a database function, usually) run as a
        transaction of its own, like ``execute``; ``retry_if`` narrows which failures are
        tried again (they roll the statement back as a whole)."""
        return cast(Row[Any], await self._statement(statement, parameters, attempts, retry_if,
                                                    rows=True))

    async def fetch_plain(self, statement: Executable,
                          parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        """The rows of a read-only statement built once (a module constant with bind
        parameters) whose columns need no conversion from the driver's values (no JSON,
        encrypted or other processed types; checked). On PostgreSQL it is compiled once and run
        straight on the driver (~0.1 ms of CPU instead of ~0.3 ms through SQLAlchemy);
        elsewhere as ``fetch_all``."""
        if self.dialect != "postgresql":
            return [cast(Mapping[str, Any], row._mapping)
                    for row in await self.fetch_all(statement, parameters)]
        sql, arguments = self._driver_statement(statement, parameters, rows=True)
        return await self._driver(lambda connection: connection.fetch(sql, *arguments), sql,
                                  arguments, MAX_ATTEMPTS, is_retryable)

    async def execute_plain(self, statement: Executable, parameters: Mapping[str, Any]) -> int:
        """``execute`` for a write statement built once (a module constant with
        bind parameters); on PostgreSQL compiled once and run straight on the driver, with the
        parameters converted as SQLAlchemy would. Returns the number of rows it changed."""
        if self.dialect != "postgresql":
            return await self.execute(statement, parameters)
        sql, arguments = self._driver_statement(statement, parameters, rows=False)
        status = await self._driver(lambda connection: connection.execute(sql, *arguments), sql,
                                    arguments, MAX_ATTEMPTS, is_retryable)
        return int(str(status).rsplit(" ", 1)[-1])

    def _driver_statement(self, statement: Executable, parameters: Mapping[str, Any], *,
                          rows: bool) -> tuple[str, list[Any]]:
        plan = self._compiled.get(statement)
        if plan is None:
            compiled = cast(Any, statement).compile(dialect=self.engine.dialect)
            if rows:
                for column in cast(Any, statement).selected_columns:
                    if column.type._cached_result_processor(self.engine.dialect, None):
                        raise ValueError(f"{column} needs converting; use fetch_all")
            if len(self._compiled) >= 256:
                raise RuntimeError("build plain statements once, as module constants")
            # The values the statement carries itself (``.values(status="sent")``), the order
            # of the positional parameters and how SQLAlchemy converts each for the driver.
            fixed = {name: value for name, value in compiled.construct_params(_check=False).items()
                     if not compiled.binds[name].required}
            plan = (compiled.string, compiled.positiontup, fixed, compiled._bind_processors)
            self._compiled[statement] = plan
        sql, names, fixed, processors = plan
        arguments = []
        for name in names:
            value = parameters[name] if name in parameters else fixed[name]  # KeyError: missing
            processor = processors.get(name)
            arguments.append(value if processor is None or value is None else processor(value))
        return sql, arguments

    async def call_sql(self, sql: str, *arguments: Any,
                       retry_if: Callable[[DBAPIError], bool] = is_retryable,
                       attempts: int = MAX_ATTEMPTS) -> Mapping[str, Any]:
        """PostgreSQL only: the one row of one hand-written statement (``$1``, ``$2``, ...
        parameters) run straight on the driver in autocommit, retried like ``call``. For the
        hottest paths only: SQLAlchemy's own cost per statement (~0.25 ms of CPU, mostly the
        connection's checkout and return) is most of what such a statement costs. Driver errors
        come out as SQLAlchemy's ``DBAPIError``, as from every other method."""
        row = await self._driver(lambda connection: connection.fetchrow(sql, *arguments), sql,
                                 arguments, attempts, retry_if)
        assert row is not None, "the statement returns one row"
        return cast(Mapping[str, Any], row)

    async def _driver(self, work: Callable[[Any], Awaitable[T]], sql: str,
                      arguments: Sequence[Any], attempts: int,
                      retry_if: Callable[[DBAPIError], bool]) -> T:
        """``work`` on a connection of the driver's own pool, in autocommit, retried like
        ``run``; driver errors come out as SQLAlchemy's ``DBAPIError``."""
        pool = self._driver_pool or await self._open_driver_pool()

        async def once() -> T:
            try:
                async with pool.acquire() as connection:
                    try:
                        return await work(connection)
                    except _DRIVER_ERRORS as error:
                        if _lost(error):
                            _discard(connection)
                        raise
            except _DRIVER_ERRORS as error:
                raise DBAPIError(sql, arguments, error,
                                 connection_invalidated=_lost(error)) from error

        return await _retrying(once, attempts, retry_if)

    async def _open_driver_pool(self) -> Any:
        async with self._driver_pool_lock:
            if self._driver_pool is None:
                if self.dialect != "postgresql":
                    raise RuntimeError("call_sql is for PostgreSQL only")
                dsn = make_url(self.url).set(drivername="postgresql")
                self._driver_pool = await asyncpg.create_pool(
                    dsn.render_as_string(hide_password=False), min_size=1,
                    max_size=self._pool_size, server_settings=self._server_settings,
                    # Single autocommit statements leave no session state behind: no reset
                    # round trip (RESET ALL, UNLISTEN, ...) each time a connection comes back.
                    reset=_keep_session)
        return self._driver_pool

    async def _statement(self, statement: Executable, parameters: Mapping[str, Any] | None,
                         attempts: int, retry_if: Callable[[DBAPIError], bool], *,
                         rows: bool) -> Any:
        async def once() -> Any:
            if self.dialect == "postgresql":
                async with self._autocommit_writes.connect() as connection:
                    result = await connection.execute(statement, parameters)
                    return result.one() if rows else result
            # SQLite takes its write lock with our BEGIN IMMEDIATE; keep it explicit.
            async with self.engine.begin() as connection:
                result = await connection.execute(statement, parameters)
                return result.one() if rows else result

        return await _retrying(once, attempts, retry_if)

    async def dispose(self) -> None:
        if self._driver_pool is not None:
            pool, self._driver_pool = self._driver_pool, None
            await pool.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.exceptions.InternalClientError, OSError)


def _lost(error: BaseException) -> bool:
    """The driver's connection (or the way to the server) is gone, not the statement wrong."""
    return isinstance(error, asyncpg.PostgresConnectionError | asyncpg.AdminShutdownError
                      | asyncpg.CannotConnectNowError | asyncpg.exceptions.InternalClientError
                      | asyncpg.ConnectionDoesNotExistError | OSError)


def _discard(connection: Any) -> None:
    """Never back into the pool: the next acquire connects anew (asyncpg may have let go of a
    connection the server closed already)."""
    with contextlib.suppress(asyncpg.InterfaceError):
        if not connection.is_closed():
            connection.terminate()


async def _keep_session(_connection: Any) -> None:
    return None


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
