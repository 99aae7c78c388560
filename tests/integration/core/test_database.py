"""The Database helpers that skip BEGIN/COMMIT round trips: single-statement reads and writes."""

import asyncio

from sqlalchemy import select, update

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
