"""One UPDATE for many rows of a lending table, each row given its own values.

``UPDATE t SET col = CASE id WHEN :id0 THEN :col0 ... END, ... WHERE id IN (...)``: the same
text on SQLite, PostgreSQL and MariaDB, written once per shape (table, columns, number of rows)
and reused, because building it from SQLAlchemy elements costs more than running it for the
few hundred installments or loans of a repayment chunk (each row a value of its own, computed
by the waterfall in Python; the claims' shares are computed in SQL). ``guard``
names a column whose current value must still be the one read (a version): fewer rows changed
than given means another writer got there first, and the caller's transaction is rolled back
by the ``Conflict`` raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict


@lru_cache(maxsize=256)
def _statement(table: Table, assigned: tuple[str, ...], added: tuple[str, ...], rows: int,
               guard: str | None) -> TextClause:
    def by_id(column: str) -> str:
        whens = " ".join(f"WHEN :id{n} THEN :{column}{n}" for n in range(rows))
        return f"(CASE id {whens} END)"

    sets = [f"{column} = {by_id(column)}" for column in assigned]
    sets += [f"{column} = {column} + {by_id(column)}" for column in added]
    # The ids as plain placeholders (an expanding parameter would be re-rendered into this
    # long text on every execution).
    where = f"id IN ({', '.join(f':id{n}' for n in range(rows))})"
    if guard is not None:
        where += f" AND {guard} = {by_id('guard_' + guard)}"
    # Only column names and generated placeholders go into the text; values are bound.
    sql = f"UPDATE {table.name} SET {', '.join(sets)} WHERE {where}"  # noqa: S608
    typed = [bindparam(f"id{n}", type_=table.c.id.type) for n in range(rows)]
    for column in (*assigned, *added):
        typed += [bindparam(f"{column}{n}", type_=table.c[column].type) for n in range(rows)]
    if guard is not None:
        typed += [bindparam(f"guard_{guard}{n}", type_=table.c[guard].type) for n in range(rows)]
    return text(sql).bindparams(*typed)


async def update_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *,
                      assign: Sequence[str] = (), add: Sequence[str] = (),
                      guard: str | None = None) -> None:
    """Each of ``rows`` (``{"id": ..., column: value, ...}``) sets the ``assign`` columns to its
    values and adds its values to the ``add`` columns; with ``guard``, only where that column
    still holds ``row["guard_" + guard]``. Raises ``Conflict('lending.concurrent_change')``
    when a guarded row changed meanwhile."""
    if not rows:
        return
    statement = _statement(table, tuple(assign), tuple(add), len(rows), guard)
    parameters: dict[str, Any] = {}
    for n, row in enumerate(rows):
        parameters[f"id{n}"] = row["id"]
        for column in (*assign, *add):
            parameters[f"{column}{n}"] = row[column]
        if guard is not None:
            parameters[f"guard_{guard}{n}"] = row[f"guard_{guard}"]
    result = await session.execute(statement, parameters)
    if guard is not None and getattr(result, "rowcount", len(rows)) != len(rows):
        raise Conflict("lending.concurrent_change",
                       "the loan changed while this was being written; try again")
