"""The Database helpers that skip BEGIN/COMMIT round trips: single-statement reads and writes."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError, StatementError

from finplat.core.db import is_disconnect
from finplat.core.models import IdempotencyRecord


async def _record(db, clock, key: str) -> int:
    async def work(session):
        row = IdempotencyRecord(scope="test", key=key, request_hash="h", status_code=201,
                                response_body={}, created_at=clock.now())
        session.add(row)
        await session.flush()
        return row.id

    return await db.run(work)


async def test_execute_commits_one_statement_and_counts_its_rows(db, clock) -> None:
    first, second = await _record(db, clock, "a"), await _record(db, clock, "b")
    changed = await db.execute(update(IdempotencyRecord)
                               .where(IdempotencyRecord.id == first,
                                      IdempotencyRecord.status_code == 201)
                               .values(status_code=409))
    assert changed == 1
    # Guarded like every such update: the second time nothing matches.
    assert await db.execute(update(IdempotencyRecord)
                            .where(IdempotencyRecord.id == first,
                                   IdempotencyRecord.status_code == 201)
                            .values(status_code=500)) == 0
    rows = await db.fetch_all(select(IdempotencyRecord.id, IdempotencyRecord.status_code)
                              .order_by(IdempotencyRecord.id))
    assert [(row.id, row.status_code) for row in rows] == [(first, 409), (second, 201)]


async def test_racing_guarded_single_statement_writes_apply_once(db, clock) -> None:
    record_id = await _record(db, clock, "race")

    async def claim() -> int:
        return await db.execute(update(IdempotencyRecord)
                                .where(IdempotencyRecord.id == record_id,
                                       IdempotencyRecord.status_code == 201)
                                .values(status_code=202))

    assert sorted(await asyncio.gather(*(claim() for _ in range(8)))) == [0] * 7 + [1]


_CLAIM = (update(IdempotencyRecord)
          .where(IdempotencyRecord.id == bindparam("record_id"),
                 IdempotencyRecord.status_code == 201)
          .values(status_code=202, created_at=bindparam("at")))
_READ = (select(IdempotencyRecord.key, IdempotencyRecord.status_code)
         .where(IdempotencyRecord.scope == bindparam("scope")).order_by(IdempotencyRecord.id))


async def test_plain_statements_run_with_their_own_values_and_conversions(db, clock) -> None:
    first, _second = await _record(db, clock, "a"), await _record(db, clock, "b")
    later = clock.now() + timedelta(hours=1)
    assert await db.execute_plain(_CLAIM, {"record_id": first, "at": later}) == 1
    assert await db.execute_plain(_CLAIM, {"record_id": first, "at": later}) == 0
    rows = await db.fetch_plain(_READ, {"scope": "test"})
    assert [(row["key"], row["status_code"]) for row in rows] == [("a", 202), ("b", 201)]
    async with db.transaction(readonly=True) as session:
        assert (await session.get(IdempotencyRecord, first)).created_at == later
    # SQLAlchemy's conversions still apply to the parameters: a naive instant is refused.
    with pytest.raises((ValueError, StatementError), match="naive"):
        await db.execute_plain(_CLAIM, {"record_id": first, "at": later.replace(tzinfo=None)})
    with pytest.raises((KeyError, StatementError), match="at"):  # a parameter left out
        await db.execute_plain(_CLAIM, {"record_id": first})


async def test_plain_reads_refuse_columns_that_need_converting(db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("elsewhere fetch_plain is fetch_all, with its conversions")
    with pytest.raises(ValueError, match="needs converting"):
        await db.fetch_plain(select(IdempotencyRecord.created_at)
                             .where(IdempotencyRecord.id == bindparam("record_id")),
                             {"record_id": 1})


async def test_racing_plain_writes_apply_once(db, clock) -> None:
    record_id = await _record(db, clock, "race")
    claims = await asyncio.gather(*(db.execute_plain(_CLAIM, {"record_id": record_id,
                                                              "at": clock.now()})
                                    for _ in range(8)))
    assert sorted(claims) == [0] * 7 + [1]


async def test_a_driver_connection_lost_mid_statement_is_a_disconnect_and_the_pool_recovers(
        db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the driver's own pool exists on PostgreSQL only")
    sleeper = asyncio.create_task(db.call_sql("SELECT pg_sleep(5) AS slept", attempts=1))
    busy: list = []
    for _ in range(500):
        busy = list(await db.fetch_all(text(
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' "
            "AND query LIKE 'SELECT pg_sleep(5)%'")))
        if busy:
            break
        await asyncio.sleep(0.01)
    await db.fetch_all(text("SELECT pg_terminate_backend(:pid)"), {"pid": busy[0].pid})
    with pytest.raises(DBAPIError) as raised:
        await sleeper
    assert is_disconnect(raised.value)  # the API answers 503 service.unavailable for it
    # The dead connection was closed, not pooled: every later call works.
    for _ in range(db._pool_size + 1):
        assert (await db.call_sql("SELECT 1 AS one"))["one"] == 1
