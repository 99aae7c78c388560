"""What each database must keep the same as the others: instants to the microsecond, strings
compared byte for byte, insert-unless-taken and guarded updates that return the changed row."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from finplat.core import idempotency
from finplat.core.models import IdempotencyRecord
from finplat.core.statements import insert_unless_taken, update_returning


def _values(clock, key: str, **changes):
    return {"scope": "test", "key": key, "request_hash": "h", "status_code": 201,
            "response_body": {"fen": 1}, "created_at": clock.now(), **changes}


async def test_instants_keep_their_microseconds(db, clock) -> None:
    at = clock.now() + timedelta(microseconds=654_321)

    async def work(session):
        session.add(IdempotencyRecord(**_values(clock, "micro", created_at=at)))

    await db.run(work)
    stored = await db.run(lambda s: s.scalar(select(IdempotencyRecord.created_at)), readonly=True)
    assert stored == at
    # Compared in SQL too, not only on the way out.
    count = await db.run(lambda s: s.scalar(
        select(IdempotencyRecord.id).where(IdempotencyRecord.created_at > at - timedelta(
            microseconds=1), IdempotencyRecord.created_at < at + timedelta(microseconds=1))),
        readonly=True)
    assert count is not None


async def test_strings_differing_only_in_case_or_trailing_space_are_different(db, clock) -> None:
    async def work(session):
        for key in ("Key-A", "key-a", "key-a "):
            assert await insert_unless_taken(session, IdempotencyRecord,
                                             _values(clock, key)) is not None
        found = await session.scalars(select(IdempotencyRecord.key)
                                      .where(IdempotencyRecord.key == "key-a"))
        return list(found)

    assert await db.run(work) == ["key-a"]


async def test_insert_unless_taken_inserts_once_and_refuses_what_does_not_fit(db, clock) -> None:
    async def claim(session):
        return await insert_unless_taken(session, IdempotencyRecord, _values(clock, "once"))

    first = await db.run(claim)
    assert first is not None and await db.run(claim) is None

    async def too_long(session):
        await insert_unless_taken(session, IdempotencyRecord, _values(clock, "k" * 65))

    async def null(session):
        await insert_unless_taken(session, IdempotencyRecord,
                                  _values(clock, "n", request_hash=None))

    for work in (too_long, null):
        with pytest.raises(ValueError):
            await db.run(work)


async def test_racing_inserts_of_one_key_claim_it_once(db, clock) -> None:
    async def claim(session):
        claimed = await insert_unless_taken(session, IdempotencyRecord, _values(clock, "race"))
        await asyncio.sleep(0.01)  # hold the claim while the twins wait on the unique index
        return claimed

    results = await asyncio.gather(*(db.run(claim) for _ in range(6)))
    assert sum(result is not None for result in results) == 1


async def test_update_returning_gives_the_row_it_changed_or_none(db, clock) -> None:
    async def work(session):
        session.add(IdempotencyRecord(**_values(clock, "u")))
        await session.flush()
        guarded = (update(IdempotencyRecord)
                   .where(IdempotencyRecord.key == "u", IdempotencyRecord.status_code == 201)
                   .values(status_code=IdempotencyRecord.status_code + 1))
        changed = await update_returning(session, guarded, [IdempotencyRecord.status_code],
                                         row=IdempotencyRecord.key == "u")
        again = await update_returning(session, guarded, [IdempotencyRecord.status_code],
                                       row=IdempotencyRecord.key == "u")
        return changed, again

    changed, again = await db.run(work)
    assert changed is not None and changed.status_code == 202 and again is None


async def test_racing_guarded_updates_with_their_results_apply_once(db, clock) -> None:
    async def seed(session):
        session.add(IdempotencyRecord(**_values(clock, "budget", status_code=3)))

    await db.run(seed)

    async def take(session):
        # status_code stands in for a budget of 3: each take spends 1 while any is left.
        return await update_returning(
            session, update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "budget", IdempotencyRecord.status_code >= 1)
            .values(status_code=IdempotencyRecord.status_code - 1),
            [IdempotencyRecord.status_code], row=IdempotencyRecord.key == "budget")

    results = await asyncio.gather(*(db.run(take) for _ in range(8)))
    left = sorted(row.status_code for row in results if row is not None)
    assert left == [0, 1, 2] and sum(row is None for row in results) == 5


async def test_idempotency_keys_differing_in_case_are_two_requests(db, clock) -> None:
    async def work(_session):
        return idempotency.Outcome(201, {"ok": True})

    for key in ("Abc", "abc"):
        outcome = await idempotency.execute(db, scope="test", key=key, payload={"key": key},
                                            work=work, now=clock.now())
        assert outcome.status_code == 201 and not outcome.replayed
