"""Statements built once and the portable shapes of the writes every package shares: insert
unless a unique key is taken, guarded updates giving back their row, rows of one change
together, a key claimed then an update, keyed batch updates; and the SQL expressions that differ
by dialect (integer division, JSON built as text)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    CursorResult,
    Row,
    Table,
    Update,
    bindparam,
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
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from finplat.core.prebuilt import Prebuilt

_UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


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
    return await statement.scalar(session, values)


@functools.cache
def _ignoring_conflicts(dialect_name: str, table: Table) -> Prebuilt:
    if dialect_name in ("mysql", "mariadb"):
        statement = insert(table).prefix_with("IGNORE")
    elif dialect_name in _UPSERTS:
        statement = _UPSERTS[dialect_name](table).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no insert-unless-taken on {dialect_name}")
    return Prebuilt(statement.returning(*table.primary_key.columns))


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
                   parameters: Mapping[str, Any] | None) -> Any:
    """The one way a guarded UPDATE gives back its row: ``returning`` where the dialect has
    ``UPDATE ... RETURNING``; else ``plain``, its changed-row count, and ``reread`` under the row
    lock the UPDATE took."""
    if session.get_bind().dialect.update_returning:
        if isinstance(returning, Prebuilt):
            return await returning.first(session, parameters)
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
        return await statement.scalar(session, {
            f"t{n}_{key}": value for n, row in enumerate(rows) for key, value in row.items()})


@functools.cache
def _inserts_with(tables: tuple[Table, ...], keys: tuple[tuple[str, ...], ...],
                  unless_taken: bool) -> Prebuilt:
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
    return Prebuilt(statement.returning(*tables[last].primary_key.columns))


class GuardedUpdate:
    """A guarded ``UPDATE`` built once (a module constant with bind parameters). Called, it
    gives ``columns`` of the one row it changed, or None when its guard matched nothing: one
    round trip where the dialect has ``UPDATE ... RETURNING`` (PostgreSQL, SQLite); elsewhere
    (MariaDB) the row is read back by ``reread`` (a WHERE clause naming it with the same
    parameters) under the row lock the update took."""

    def __init__(self, statement: Any, columns: Sequence[Any], *, reread: Any) -> None:
        self._plain = statement
        self._returning = Prebuilt(statement.returning(*columns))
        self._reread = select(*columns).where(reread)

    async def __call__(self, session: AsyncSession,
                       parameters: Mapping[str, Any]) -> Any:
        """A named tuple (or row) of ``columns``, or None."""
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
