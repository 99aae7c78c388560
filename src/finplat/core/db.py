"""Engines and transactions. One use case = one transaction, retried on transient conflicts."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    CursorResult,
    Row,
    Table,
    Update,
    bindparam,
    event,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Executable
from sqlalchemy.sql.functions import FunctionElement

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


async def insert_unless_taken(session: AsyncSession, table: Any,
                              values: Mapping[str, Any]) -> Any | None:
    """Insert one row of ``table`` (a Table or a mapped class) unless a unique key it carries is
    taken; returns its primary key, or None when the key was taken. ``INSERT ... ON CONFLICT DO
    NOTHING`` (PostgreSQL, SQLite) or ``INSERT IGNORE`` (MariaDB, MySQL), with ``RETURNING``: a
    twin inserting the same key at the same time waits on the index, then inserts nothing. The
    statement is built once per dialect and table, ``values`` go as parameters (building and
    caching a statement per call costs more CPU than its round trip).

    ``IGNORE`` would also turn a too-long string or a missing NOT NULL value into a warning and
    store something else, so those are refused here first, on every dialect alike
    (``ValueError``: a programming error, the caller validates user input)."""
    table = getattr(table, "__table__", table)
    _check_fits(table, values)
    statement = _ignoring_conflicts(session.get_bind().dialect.name, table)
    return await session.scalar(statement, values)


@functools.cache
def _ignoring_conflicts(dialect_name: str, table: Table) -> Any:
    if dialect_name in ("mysql", "mariadb"):
        statement = insert(table).prefix_with("IGNORE")
    elif dialect_name in _UPSERTS:
        statement = _UPSERTS[dialect_name](table).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no insert-unless-taken on {dialect_name}")
    return statement.returning(*table.primary_key.columns)


def _check_fits(table: Table, values: Mapping[str, Any]) -> None:
    for column in table.columns:
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
    return await _guarded(session, statement.returning(*columns), statement,
                          select(*columns).where(row), None)


async def _guarded(session: AsyncSession, returning: Any, plain: Any, reread: Any,
                   parameters: Mapping[str, Any] | None) -> Row[Any] | None:
    """The one way a guarded UPDATE gives back its row: ``returning`` where the dialect has
    ``UPDATE ... RETURNING``; else ``plain``, its changed-row count, and ``reread`` under the row
    lock the UPDATE took."""
    if session.get_bind().dialect.update_returning:
        return (await session.execute(returning, parameters)).first()
    result = cast(CursorResult[Any], await session.execute(plain, parameters))
    if result.rowcount != 1:
        return None
    return (await session.execute(reread, parameters)).first()


async def update_many(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]],
                      *, key: str, guard: Any = None) -> int:
    """Update each row of ``table`` named by its ``key`` column to the other values of its
    mapping (every mapping has the same keys); ``guard`` is a further condition each row must
    meet. Returns how many rows changed. One statement on PostgreSQL (``UPDATE ... FROM`` the
    values as arrays: a batch costs one round trip whatever its size), one executemany
    elsewhere (SQLite and MariaDB report its changed-row count; asyncpg does not)."""
    if not rows:
        return 0
    names = list(rows[0])
    targets = [name for name in names if name != key]
    if session.get_bind().dialect.name == "postgresql":
        values = select(*(
            func.unnest(sql_cast(bindparam(f"v_{name}"), ARRAY(table.c[name].type))).label(name)
            for name in names)).subquery("v")
        statement = (update(table).where(table.c[key] == values.c[key])
                     .values({name: values.c[name] for name in targets}))
        parameters: Any = {f"v_{name}": [row[name] for row in rows] for name in names}
    else:
        statement = (update(table).where(table.c[key] == bindparam(f"v_{key}"))
                     .values({name: bindparam(f"v_{name}") for name in targets}))
        parameters = [{f"v_{name}": row[name] for name in names} for row in rows]
    if guard is not None:
        statement = statement.where(guard)
    result = await session.execute(statement, parameters)
    return cast(CursorResult[Any], result).rowcount


def inserted_id(result: Any) -> int:
    """The primary key of the one row an ``INSERT`` statement wrote."""
    key = result.inserted_primary_key
    assert key is not None and key[0] is not None, "an INSERT of one row has its primary key"
    return int(key[0])


class int_div(FunctionElement[int]):
    """Integer division of two non-negative integer expressions, rounded down, in SQL: ``/`` on
    PostgreSQL and SQLite (integer operands divide as integers), ``DIV`` on MySQL/MariaDB,
    whose ``/`` is a decimal division rounded to four places (SQLAlchemy's ``//`` renders
    ``FLOOR(a / b)`` there, which is wrong for large quotients)."""

    type = BigInteger()
    inherit_cache = True
    name = "int_div"


@compiles(int_div)
def _int_div(element: int_div, compiler: Any, **kw: Any) -> str:
    dividend, divisor = list(element.clauses)
    return f"(({compiler.process(dividend, **kw)}) / ({compiler.process(divisor, **kw)}))"


@compiles(int_div, "mysql")
@compiles(int_div, "mariadb")
def _int_div_mysql(element: int_div, compiler: Any, **kw: Any) -> str:
    dividend, divisor = list(element.clauses)
    return f"(({compiler.process(dividend, **kw)}) DIV ({compiler.process(divisor, **kw)}))"


def json_from_text(session: AsyncSession, expression: Any) -> Any:
    """A JSON document built as text in SQL, as a value for a JSON column: PostgreSQL's JSONB
    needs the cast; MariaDB's JSON is text (checked valid) and SQLite keeps the text."""
    if session.get_bind().dialect.name == "postgresql":
        return sql_cast(expression, postgresql.JSONB)
    return expression


class InsertTogether:
    """One row into each of several tables, built once (a module constant), as one statement
    where the database can (PostgreSQL: every insert but the last in a ``WITH`` clause) and one
    insert per table elsewhere; the rows are independent of each other. Called with one mapping
    per table (every call the same keys), it returns the primary key of the last table's row.
    A use case's audit record and outbox event, written together, cost one round trip."""

    def __init__(self, *tables: Table, unless_taken: bool = False) -> None:
        assert len(tables) >= 2, "two or more tables"
        self._tables = tables
        self._singles = [insert(table) for table in tables]
        # The last row is inserted unless a unique key it carries is taken (then nothing of the
        # call is kept: None comes back, and the caller rolls its transaction back).
        self._unless_taken = unless_taken

    async def __call__(self, session: AsyncSession, *rows: Mapping[str, Any]) -> Any:
        assert len(rows) == len(self._tables), "one row per table"
        if session.get_bind().dialect.name != "postgresql":
            for single, row in zip(self._singles[:-1], rows[:-1], strict=True):
                await session.execute(single, row)
            if self._unless_taken:
                return await insert_unless_taken(session, self._tables[-1], rows[-1])
            return inserted_id(await session.execute(self._singles[-1], rows[-1]))
        if self._unless_taken:
            _check_fits(self._tables[-1], rows[-1])
        statement = _inserts_with(self._tables, tuple(tuple(row) for row in rows),
                                  self._unless_taken)
        return await session.scalar(statement, {
            f"t{n}_{key}": value for n, row in enumerate(rows) for key, value in row.items()})


@functools.cache
def _inserts_with(tables: tuple[Table, ...], keys: tuple[tuple[str, ...], ...],
                  unless_taken: bool) -> Any:
    """``WITH t0 AS (INSERT ...), t1 AS (INSERT ...) INSERT ... RETURNING <key>``: PostgreSQL
    runs every data-modifying statement of a ``WITH`` clause exactly once."""
    def values(n: int) -> dict[str, Any]:
        table = tables[n]
        return {key: bindparam(f"t{n}_{key}", type_=table.c[key].type) for key in keys[n]}

    last = len(tables) - 1
    statement = postgresql.insert(tables[last]).values(values(last))
    if unless_taken:
        statement = statement.on_conflict_do_nothing()
    for n in range(last):
        statement = statement.add_cte(insert(tables[n]).values(values(n)).cte(f"t{n}"))
    return statement.returning(*tables[last].primary_key.columns)


class GuardedUpdate:
    """A guarded ``UPDATE`` built once (a module constant with bind parameters). Called, it
    gives ``columns`` of the one row it changed, or None when its guard matched nothing: one
    round trip where the dialect has ``UPDATE ... RETURNING`` (PostgreSQL, SQLite); elsewhere
    (MariaDB) the row is read back by ``reread`` (a WHERE clause naming it with the same
    parameters) under the row lock the update took."""

    def __init__(self, statement: Any, columns: Sequence[Any], *, reread: Any) -> None:
        self._plain = statement
        self._returning = statement.returning(*columns)
        self._reread = select(*columns).where(reread)

    async def __call__(self, session: AsyncSession,
                       parameters: Mapping[str, Any]) -> Row[Any] | None:
        return await _guarded(session, self._returning, self._plain, self._reread, parameters)


class ClaimThenUpdate:
    """Claim a unique key with an insert unless it is taken and, only if claimed, run a guarded
    ``UPDATE`` (built once, a module constant): one statement on PostgreSQL (the insert and the
    update in a ``WITH``, the update conditioned on the insert's row), an insert and a
    ``GuardedUpdate`` elsewhere. Called, it gives whether the key was claimed and ``columns`` of
    the row the update changed (None when the key was taken or the guard matched nothing;
    the caller rolls back a claim whose update matched nothing, if that must not stay)."""

    def __init__(self, table: Table, statement: Any, columns: Sequence[Any], *,
                 reread: Any) -> None:
        self._table = table
        self._statement = statement
        self._columns = tuple(columns)
        self._guarded = GuardedUpdate(statement, columns, reread=reread)

    async def __call__(self, session: AsyncSession, values: Mapping[str, Any],
                       parameters: Mapping[str, Any]) -> tuple[bool, Row[Any] | None]:
        if session.get_bind().dialect.name != "postgresql":
            if await insert_unless_taken(session, self._table, values) is None:
                return False, None
            return True, await self._guarded(session, parameters)
        _check_fits(self._table, values)
        statement = _claim_then_update(self._table, tuple(values), self._statement,
                                       self._columns)
        row = (await session.execute(statement, {
            **{f"k_{key}": value for key, value in values.items()}, **parameters})).one()
        if row.claimed_key is None:
            return False, None
        return True, None if row[1] is None else row


@functools.cache
def _claim_then_update(table: Table, keys: tuple[str, ...], statement: Any,
                       columns: tuple[Any, ...]) -> Any:
    """``WITH k AS (INSERT ... ON CONFLICT DO NOTHING RETURNING key), u AS (UPDATE ... WHERE
    <guard> AND EXISTS (SELECT FROM k) RETURNING columns) SELECT (SELECT key FROM k), u.*``:
    always one row."""
    key = table.primary_key.columns
    claim = (postgresql.insert(table)
             .values({name: bindparam(f"k_{name}", type_=table.c[name].type) for name in keys})
             .on_conflict_do_nothing().returning(*key).cte("k"))
    changed = (statement.where(exists(select(claim.c[0])))
               .returning(*columns).cte("u"))
    one = select(literal(1).label("one")).subquery("one")
    return (select(select(claim.c[0]).scalar_subquery().label("claimed_key"),
                   *(changed.c[column.key] for column in columns))
            .select_from(one.outerjoin(changed, true())))


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
        async def once() -> Any:
            if self.dialect == "postgresql":
                async with self._autocommit_writes.connect() as connection:
                    return await connection.execute(statement, parameters)
            # SQLite takes its write lock with our BEGIN IMMEDIATE; keep it explicit.
            async with self.engine.begin() as connection:
                return await connection.execute(statement, parameters)

        result = await _retrying(once, attempts, is_retryable)
        return int(cast(CursorResult[Any], result).rowcount)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


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
