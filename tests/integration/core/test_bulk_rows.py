"""Many rows at once, the same on every database: ``insert_rows`` (PostgreSQL's COPY on the
session's own connection, an executemany elsewhere) inside the session's transaction, and
``one_of`` (an array parameter on PostgreSQL, an IN list elsewhere)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from finplat.core import bulk_rows
from finplat.core.db import Database
from finplat.core.models import BigId, JsonType, UtcDateTime

_metadata = MetaData()
# A table of its own (created and dropped here), with the kinds of column the bulk jobs write.
ROWS = Table(
    "test_bulk_rows", _metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(32), nullable=False, unique=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("note", String(64), nullable=True),
    Column("at", UtcDateTime, nullable=True),
    Column("day", Date, nullable=True),
    Column("facts", JsonType, nullable=True),
)
COLUMNS = ("name", "amount_minor", "note", "at", "day", "facts")
AT = datetime(2026, 3, 2, 2, 0, 0, 123_456, tzinfo=UTC)


@pytest.fixture
async def table(db: Database) -> AsyncIterator[Table]:
    async with db.engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    try:
        yield ROWS
    finally:
        async with db.engine.begin() as connection:
            await connection.run_sync(_metadata.drop_all)


async def _stored(db: Database) -> list[tuple[object, ...]]:
    async with db.transaction(readonly=True) as session:
        return [tuple(row) for row in (await session.execute(
            select(*(ROWS.c[name] for name in COLUMNS)).order_by(ROWS.c.id))).all()]


async def test_rows_keep_their_values(db: Database, table: Table) -> None:
    shanghai = timezone(timedelta(hours=8))
    rows = [
        ("plain", 1, "a note", AT, date(2026, 3, 2), {"fen": 1, "list": [1, 2]}),
        ("nulls", 0, None, None, None, None),
        ("big", 2**62 + 7, "张三 Zhang San ü", AT.astimezone(shanghai), date(1999, 12, 31),
         {"名字": "张三"}),
        ("negative", -(10**15), "", AT + timedelta(microseconds=1), date(2026, 1, 1), []),
    ]
    async with db.transaction() as session:
        assert await bulk_rows.insert_rows(session, table, COLUMNS, rows) == 4
    stored = await _stored(db)
    assert [row[:3] for row in stored] == [row[:3] for row in rows]
    assert [row[3] for row in stored] == [AT, None, AT, AT + timedelta(microseconds=1)]
    assert all(row[3] is None or row[3].tzinfo is not None for row in stored)
    assert [row[4:] for row in stored] == [row[4:] for row in rows]
    async with db.transaction(readonly=True) as session:  # ids from the table's own default
        ids = (await session.scalars(select(ROWS.c.id).order_by(ROWS.c.id))).all()
    assert len(set(ids)) == 4


async def test_a_rollback_removes_the_rows(db: Database, table: Table) -> None:
    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        async with db.transaction() as session:
            await bulk_rows.insert_rows(session, table, COLUMNS,
                                        [(f"gone-{n}", n, None, AT, None, None) for n in range(50)])
            assert await session.scalar(select(func.count()).select_from(ROWS)) == 50
            raise Undone
    assert await _stored(db) == []


async def test_rows_join_a_transaction_before_its_first_statement(db: Database,
                                                                  table: Table) -> None:
    """The rows are the transaction's first work: they still go with it, not on their own."""
    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        async with db.transaction() as session:
            await bulk_rows.insert_rows(session, table, COLUMNS, [("first", 1, None, AT, None,
                                                                   None)])
            raise Undone
    assert await _stored(db) == []
    async with db.transaction() as session:
        await bulk_rows.insert_rows(session, table, COLUMNS, [("kept", 1, None, AT, None, None)])
        await session.execute(text("SELECT 1"))
    assert [row[0] for row in await _stored(db)] == ["kept"]


async def test_a_duplicate_key_fails_the_batch_and_nothing_of_it_stays(db: Database,
                                                                        table: Table) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await bulk_rows.insert_rows(session, table, COLUMNS, [
                ("twin", 1, None, None, None, None), ("twin", 2, None, None, None, None)])
    assert await _stored(db) == []


async def test_no_rows_is_no_statement(db: Database, table: Table) -> None:
    async with db.transaction() as session:
        assert await bulk_rows.insert_rows(session, table, COLUMNS, []) == 0
    assert await _stored(db) == []


async def test_columns_are_checked(db: Database, table: Table) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await bulk_rows.insert_rows(session, table, ("name", "nope"), [("x", 1)])


async def test_one_of_matches_any_number_of_values(db: Database, table: Table) -> None:
    async with db.transaction() as session:
        await bulk_rows.insert_rows(session, table, COLUMNS,
                                    [(f"n-{n}", n, None, None, None, None) for n in range(1_200)])

    async def names(values: list[str]) -> list[str]:
        async with db.transaction(readonly=True) as session:
            return list((await session.scalars(select(ROWS.c.name).where(
                bulk_rows.one_of(session, ROWS.c.name, values)).order_by(ROWS.c.id))).all())

    assert await names(["n-3", "n-1", "absent"]) == ["n-1", "n-3"]
    assert await names([]) == []
    wanted = [f"n-{n}" for n in range(0, 1_200, 2)]
    assert await names(wanted) == wanted
    async with db.transaction(readonly=True) as session:
        found = (await session.scalars(select(ROWS.c.amount_minor).where(
            bulk_rows.one_of(session, ROWS.c.amount_minor, {5, 7, 10**6})))).all()
    assert sorted(found) == [5, 7]
