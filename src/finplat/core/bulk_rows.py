"""Work on many rows at once: new rows into one table in one step, and a column matched
against many values in one statement.

``insert_rows``: on PostgreSQL (asyncpg) the rows go with ``COPY ... FROM STDIN`` on the
session's own connection, inside its transaction (one stream of rows, nothing to bind per row);
elsewhere as one executemany of an ``INSERT``. Either way a rollback removes them. For batches
of rows nobody reads back in the same statement: no ``RETURNING``, no conflict handling (a
duplicate key fails the whole batch).

``one_of``: ``column IN (...)`` for many values. On PostgreSQL the values go as one array
parameter, ``column IN (SELECT unnest($1))``: the statement's text is the same for any number
of values, so the driver prepares it once and nothing is rendered per value; and the planner
joins the values (an index lookup each, or a hash of them) where ``column = ANY($1)`` on a
parameter might compare every row it scans with every value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, Table, bindparam, exc, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# SQLSTATE classes (the first two characters) as SQLAlchemy's errors.
_ERRORS: dict[str, type[exc.DBAPIError]] = {
    "23": exc.IntegrityError, "22": exc.DataError, "42": exc.ProgrammingError,
    "40": exc.OperationalError, "53": exc.OperationalError, "55": exc.OperationalError,
    "57": exc.OperationalError, "08": exc.OperationalError,
}
# A statement that makes SQLAlchemy's asyncpg adapter open its (lazily begun) transaction.
_BEGIN_PROBE = "SELECT 1"


async def insert_rows(session: AsyncSession, table: Table, columns: Sequence[str],
                      rows: Sequence[Sequence[Any]]) -> int:
    """Insert ``rows`` (each the values of ``columns``, in that order) into ``table``;
    returns how many. Columns not named take their server-side default (an auto-incremented
    id); a column with a Python-side default must be named."""
    if not rows:
        return 0
    _check_columns(table, columns)
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "asyncpg":
        await _copy(connection, table, columns, _records(table, columns, rows, dialect))
    else:
        await session.execute(insert(table), [dict(zip(columns, row, strict=True))
                                              for row in rows])
    return len(rows)


def one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` equal to one of ``values`` (a condition of a ``WHERE``)."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=ARRAY(column.type))
        return column.in_(select(func.unnest(array)))
    return column.in_(values)


def _check_columns(table: Table, columns: Sequence[str]) -> None:
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {unknown}")
    missing = [column.name for column in table.c if column.name not in columns
               and (column.default is not None or column.onupdate is not None)]
    if missing:
        raise ValueError(f"{table.name}: name {missing} (their defaults are Python-side)")


def _records(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
             dialect: Dialect) -> Sequence[Sequence[Any]]:
    """Each value as SQLAlchemy would bind it (the column type's processing: a UTC instant,
    JSON text), ready for the driver's codecs."""
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((index, processor))
    if not processors:
        return rows
    records = []
    for row in rows:
        record = list(row)
        for index, process_value in processors:
            if record[index] is not None:
                record[index] = process_value(record[index])
        records.append(record)
    return records


async def _copy(connection: AsyncConnection, table: Table, columns: Sequence[str],
                records: Sequence[Sequence[Any]]) -> None:
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    if not driver.is_in_transaction():
        # SQLAlchemy begins the driver's transaction with the session's first statement; a
        # COPY before any would otherwise commit on its own.
        await connection.exec_driver_sql(_BEGIN_PROBE)
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=list(columns),
                                           schema_name=table.schema)
    except asyncpg.PostgresError as error:
        # Raised as SQLAlchemy raises a statement's error (a unique violation is an
        # IntegrityError, a deadlock is retried by ``Database.run``), the driver's attached.
        kind = _ERRORS.get(str(error.sqlstate)[:2], exc.DatabaseError)
        raise kind(f"COPY {table.name}", None, error) from error
