"""Statements built once, run through the database driver on the session's own connection.

A statement of the funds path costs more CPU in SQLAlchemy's execution layer (parameters,
cursor, result) than its round trip costs the database (docs/PERFORMANCE.md). ``Prebuilt``
keeps the statement a Core construct, written once for every database, compiles it once per
dialect (and per set of parameter names) to its SQL and parameter order, and on PostgreSQL
sends it with asyncpg on the very connection and inside the very transaction of the session:
no second pool, no second definition. Parameters go through the same bind processing as in
SQLAlchemy (JSON, instants); results come back as plain tuples. Errors are SQLAlchemy's: a
constraint violation is an ``IntegrityError``, a lost connection a ``DBAPIError`` with
``connection_invalidated`` (the connection is invalidated), anything else a ``DBAPIError``
whose ``orig`` carries the SQLSTATE (``db.is_retryable`` reads it).

The transaction is begun by SQLAlchemy: a session's transaction starts on the driver with
its first statement, so while the driver is not yet in a transaction the statement goes
through ``session.execute``, which begins it; so do all statements on SQLite and MariaDB.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

_NAMED_TUPLE: Any = namedtuple


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]  # values the statement carries itself (literals, ``status == "open"``)
    processors: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    row: Callable[[Any], tuple[Any, ...]]  # a named tuple of the columns, or ``tuple``

    def rows(self, records: Sequence[Any]) -> list[tuple[Any, ...]]:
        make = self.row
        if not any(self.results):
            return [make(record) for record in records]
        return [make([value if process is None else process(value)
                      for value, process in zip(record, self.results, strict=True)])
                for record in records]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = {**self.fixed, **parameters}
        return [value if process is None else process(value)
                for value, process in zip((values[name] for name in self.names),
                                          self.processors, strict=True)]


class Prebuilt:
    """One statement built once (a module constant with bind parameters) whose rows come back
    as plain tuples (named tuples of the columns when the statement names them), each value as
    SQLAlchemy gives it (the columns' result processing)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[int, tuple[str, ...]], _Compiled | None] = {}
        self._row_type: Callable[[Any], tuple[Any, ...]] | None = None

    async def all(self, on: AsyncSession | AsyncConnection,
                  parameters: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows, run in ``on``'s transaction (a session's, or an autocommit connection's
        statement of its own)."""
        parameters = parameters or {}
        lane = await _driver_of(on)
        if lane is not None:
            connection, driver = lane
            compiled = self.compile(connection.dialect, tuple(parameters))
            if compiled is not None:
                return compiled.rows(await _sent(driver.fetch, connection, driver, compiled,
                                                 parameters))
        result = await on.execute(self.statement, dict(parameters))
        if isinstance(result, CursorResult) and not result.returns_rows:
            return []
        make = self._row_type
        if make is None:
            make = self._row_type = _row_type(list(getattr(self.statement, "exported_columns",
                                                           ())))
        return [make(row) for row in result.all()]

    async def changed(self, on: AsyncSession | AsyncConnection,
                      parameters: Mapping[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        parameters = parameters or {}
        lane = await _driver_of(on)
        if lane is not None:
            connection, driver = lane
            compiled = self.compile(connection.dialect, tuple(parameters))
            if compiled is not None:
                status = await _sent(driver.execute, connection, driver, compiled, parameters)
                return int(status.rsplit(" ", 1)[-1])  # "UPDATE 1", "INSERT 0 1"
        result = await on.execute(self.statement, dict(parameters))
        return int(cast(CursorResult[Any], result).rowcount)

    async def first(self, session: AsyncSession,
                    parameters: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        rows = await self.all(session, parameters)
        return rows[0] if rows else None

    async def scalar(self, session: AsyncSession,
                     parameters: Mapping[str, Any] | None = None) -> Any:
        row = await self.first(session, parameters)
        return None if row is None else row[0]

    def compile(self, dialect: Dialect, names: tuple[str, ...]) -> _Compiled | None:
        """The SQL and parameter order for ``dialect`` and the parameters ``names`` (once each);
        None for what the driver could not run as SQLAlchemy does (a column default computed
        in Python, an expanding ``IN``): that goes through the session."""
        key = (id(dialect), names)
        if key not in self._compiled:
            self._compiled[key] = _compile(self.statement, dialect, names)
        return self._compiled[key]


_LANE = "finplat.prebuilt.lane"


async def _driver_of(on: AsyncSession | AsyncConnection) -> tuple[AsyncConnection, Any] | None:
    """The connection and its asyncpg connection when a statement may go to the driver: a
    session's once its transaction is begun on the driver (looked up once per transaction,
    kept in ``session.info`` with the transaction it belongs to), an autocommit connection's
    always; None otherwise (another driver, or a transaction with no statement sent yet)."""
    if isinstance(on, AsyncConnection):
        lane = await _lane(on)
        options = on.sync_connection.get_execution_options() if on.sync_connection else {}
        autocommit = options.get("isolation_level") == "AUTOCOMMIT"
        if lane is None or not (autocommit or lane[1].is_in_transaction()):
            return None
        return lane
    transaction = on.sync_session.get_transaction()
    kept = on.info.get(_LANE)
    if kept is not None and kept[0] is transaction:
        lane = kept[1]
    else:
        lane = await _lane(await on.connection())
        on.info[_LANE] = (on.sync_session.get_transaction(), lane)
    if lane is None or not lane[1].is_in_transaction():
        return None
    return lane


async def _lane(connection: AsyncConnection) -> tuple[AsyncConnection, Any] | None:
    if connection.dialect.driver != "asyncpg":
        return None
    driver = (await connection.get_raw_connection()).driver_connection
    return None if driver is None else (connection, driver)


def _compile(statement: Any, dialect: Dialect, keys: Sequence[str]) -> _Compiled | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if (getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None)
            or any(bind.expanding for bind in compiled.binds.values())):
        return None
    columns = list(getattr(statement, "exported_columns", ()))
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in columns)
    names = tuple(compiled.positiontup or ())
    fixed = {name: value for name, value in compiled.construct_params(
        {name: None for name in keys}).items() if name not in keys}
    processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names)
    return _Compiled(compiled.string, names, fixed, processors, results, _row_type(columns))


def _row_type(columns: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    if not columns:
        return tuple
    row_class = _NAMED_TUPLE("Row", [str(column.key) for column in columns], rename=True)
    return cast(Callable[[Any], tuple[Any, ...]], row_class._make)


async def _sent(send: Any, connection: AsyncConnection, driver: Any, compiled: _Compiled,
                parameters: Mapping[str, Any]) -> Any:
    """``send`` (the driver's ``fetch`` or ``execute``) with the compiled SQL and arguments;
    the driver's errors as SQLAlchemy raises them."""
    import asyncpg

    arguments = compiled.arguments(parameters)
    try:
        return await send(compiled.sql, *arguments)
    except asyncpg.IntegrityConstraintViolationError as error:
        raise exc.IntegrityError(compiled.sql, arguments, error) from error
    except asyncpg.PostgresError as error:
        raise exc.DBAPIError(compiled.sql, arguments, error) from error
    except (asyncpg.InterfaceError, OSError) as error:
        lost = driver.is_closed()
        if lost:
            await connection.invalidate(error)
        raise exc.DBAPIError(compiled.sql, arguments, error,
                             connection_invalidated=lost) from error
