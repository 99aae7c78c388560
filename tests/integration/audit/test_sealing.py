"""Sealing: ``record`` only inserts; the sealer links records into the chain, one at a time."""

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from finplat.audit import sealing
from finplat.audit import service as audit_service
from finplat.audit.models import AuditChainHead, AuditRecord
from finplat.audit.verify import verify_chain


async def _verify(db, **kwargs):
    async with db.transaction(readonly=True) as session:
        return await verify_chain(session, **kwargs)


async def _write(db, clock, count: int, *, start: int = 0) -> None:
    async def work(session):
        for n in range(start, start + count):
            await audit_service.record(session, action="test.sealing", target_type="thing",
                                       target_id=n, now=clock.now(), summary={"n": n})

    await db.run(work)


async def _sequences(db) -> list[int | None]:
    async with db.transaction(readonly=True) as session:
        return list(await session.scalars(select(AuditRecord.sequence).order_by(AuditRecord.id)))


async def test_record_only_inserts_and_never_touches_the_chain_head(db, clock) -> None:
    await _write(db, clock, 2)
    async with db.transaction(readonly=True) as session:
        assert await session.get(AuditChainHead, audit_service.HEAD_ID) is None
        rows = list(await session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
    assert [(r.sequence, r.previous_hash, r.record_hash) for r in rows] == [(None,) * 3] * 2
    assert all(len(r.content_hash) == 64 for r in rows)
    report = await _verify(db, now=clock.now())
    assert report.ok and report.records == 0 and report.unsealed == 2


async def test_a_rolled_back_change_leaves_no_record(db, clock) -> None:
    class Boom(Exception):
        pass

    async def work(session):
        await audit_service.record(session, action="test.rolled_back", target_type="thing",
                                   target_id=1, now=clock.now())
        raise Boom

    with pytest.raises(Boom):
        await db.run(work)
    assert await _sequences(db) == []


async def test_sealing_goes_in_bounded_batches_in_id_order(db, clock) -> None:
    await _write(db, clock, 5)
    assert [await sealing.seal_pending(db, now=clock.now(), batch_size=2)
            for _ in range(4)] == [2, 2, 1, 0]
    assert await _sequences(db) == [1, 2, 3, 4, 5]
    await _write(db, clock, 3, start=5)
    assert await sealing.seal_all(db, now=clock.now(), batch_size=2) == 3
    report = await _verify(db, now=clock.now(), batch_size=2)
    assert report.ok and report.records == 8 and report.head_sequence == 8
    assert report.unsealed == 0


@pytest.mark.parametrize("batch_size", [0, sealing.MAX_BATCH_SIZE + 1])
async def test_a_bad_batch_size_is_refused(db, clock, batch_size) -> None:
    with pytest.raises(ValueError):
        await sealing.seal_pending(db, now=clock.now(), batch_size=batch_size)


async def test_racing_sealers_never_fork_the_chain(db, clock) -> None:
    await _write(db, clock, 40)

    async def sealer() -> int:
        total = 0
        for _ in range(6):
            total += await sealing.seal_pending(db, now=clock.now(), batch_size=3)
        return total

    totals = await asyncio.gather(*(sealer() for _ in range(6)))
    assert sum(totals) == 40
    assert sorted(await _sequences(db)) == list(range(1, 41))
    report = await _verify(db, now=clock.now())
    assert report.ok and report.records == 40 and report.unsealed == 0


async def test_sealers_race_business_transactions_that_write_records(db, clock) -> None:
    async def writer(n: int) -> None:
        for round_ in range(4):
            await _write(db, clock, 2, start=100 * n + 10 * round_)

    async def sealer() -> None:
        for _ in range(8):
            await sealing.seal_pending(db, now=clock.now(), batch_size=5)

    await asyncio.gather(*(writer(n) for n in range(4)), sealer(), sealer())
    await sealing.seal_all(db, now=clock.now())
    report = await _verify(db, now=clock.now())
    assert report.ok and report.records == 32 and report.unsealed == 0


async def test_an_edited_unsealed_record_is_detected(db, clock) -> None:
    await _write(db, clock, 3)
    async with db.transaction() as session:
        record_id = await session.scalar(select(func.min(AuditRecord.id)))
        await session.execute(text("UPDATE audit_record SET target_id = '999' WHERE id = :i"),
                              {"i": record_id + 1})
    report = await _verify(db, now=clock.now())
    assert not report.ok and report.first_broken_id == record_id + 1
    assert report.first_broken_sequence is None and "edited" in report.problem


async def test_a_sealed_record_fails_when_its_content_hash_alone_is_rewritten(db, clock) -> None:
    await _write(db, clock, 2)
    await sealing.seal_all(db, now=clock.now())
    async with db.transaction() as session:
        await session.execute(text("UPDATE audit_record SET content_hash = :h WHERE sequence = 1"),
                              {"h": "f" * 64})
    report = await _verify(db)
    assert not report.ok and report.first_broken_sequence == 1 and "edited" in report.problem


async def test_records_left_unsealed_too_long_are_a_problem(db, clock) -> None:
    await _write(db, clock, 1)
    assert (await _verify(db, now=clock.now() + timedelta(minutes=9))).ok
    stale = await _verify(db, now=clock.now() + timedelta(minutes=11))
    assert not stale.ok and stale.unsealed == 1 and "sealer" in stale.problem
    await sealing.seal_all(db, now=clock.now())
    assert (await _verify(db, now=clock.now() + timedelta(minutes=11))).ok


async def test_the_loop_seals_until_stopped(db, clock) -> None:
    await _write(db, clock, 3)
    stop = asyncio.Event()
    loop = asyncio.create_task(sealing.run_forever(db, clock=clock, stop=stop,
                                                   interval_seconds=0.05, batch_size=2))
    for _ in range(100):
        if None not in await _sequences(db):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert await _sequences(db) == [1, 2, 3]


async def test_the_loop_seals_once_more_when_stopped(db, clock) -> None:
    stop = asyncio.Event()
    loop = asyncio.create_task(sealing.run_forever(db, clock=clock, stop=stop,
                                                   interval_seconds=60))
    await asyncio.sleep(0.1)
    await _write(db, clock, 2)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert await _sequences(db) == [1, 2]


async def test_the_background_loops_include_the_sealer(db, clock) -> None:
    from finplat.runtime import BackgroundLoops

    await _write(db, clock, 2)
    loops = BackgroundLoops(db, clock, dispatch=False, schedule=False, seal_seconds=0.05)
    loops.start()
    try:
        for _ in range(100):
            if None not in await _sequences(db):
                break
            await asyncio.sleep(0.05)
    finally:
        await loops.shutdown()
    assert await _sequences(db) == [1, 2]


async def test_the_api_lists_unsealed_records_with_a_null_sequence(app, client, db, clock) -> None:
    from finplat.identity import deps as identity_deps
    from finplat.identity.deps import Principal

    app.dependency_overrides[identity_deps.get_current_user] = lambda: Principal(
        user_id=99, roles=frozenset({"auditor"}), kyc_verified=True, institution_id=None)
    await _write(db, clock, 2)
    await sealing.seal_all(db, now=clock.now())
    await _write(db, clock, 1, start=2)
    body = (await client.get("/api/v1/admin/audit")).json()
    assert [(r["target_id"], r["sequence"]) for r in body["items"]] == \
        [("2", None), ("1", 2), ("0", 1)]
    assert body["items"][0]["record_hash"] is None and len(body["items"][0]["content_hash"]) == 64
    report = (await client.get("/api/v1/admin/audit/verify")).json()
    assert report["ok"] is True and report["records"] == 2 and report["unsealed"] == 1


def test_cli_verify_reports_unsealed_records_and_seals_with_seal(
        db, clock, settings, monkeypatch) -> None:
    from finplat.cli import app
    from finplat.config import get_settings

    asyncio.run(_write_with_new_database(settings.database_url, clock))
    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "2 records not yet sealed" in result.output
        result = runner.invoke(app, ["audit", "verify", "--seal", "--json"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert body["sealed_now"] == 2 and body["unsealed"] == 0 and body["records"] == 2
    finally:
        get_settings.cache_clear()


async def _write_with_new_database(url: str, clock) -> None:
    from datetime import UTC, datetime

    from finplat.core.clock import FrozenClock
    from finplat.core.db import Database

    database = Database(url)
    try:
        # Created now by the wall clock, so the CLI (which uses it) does not call them stale.
        await _write(database, FrozenClock(datetime.now(UTC)), 2)
    finally:
        await database.dispose()


async def test_a_record_sealed_under_the_sealer_fails_the_whole_batch(db, clock) -> None:
    await _write(db, clock, 3)
    assert await sealing.seal_pending(db, now=clock.now()) == 3
    await _write(db, clock, 2, start=3)

    async def seal_over(session):
        rows = (await session.execute(select(AuditRecord.id).order_by(AuditRecord.id))).all()
        # Links for two new records and for one already in the chain: a fork.
        links = [{"id": row.id, "sequence": 100 + n, "previous_hash": "0" * 64,
                  "record_hash": f"{n:064x}"} for n, row in enumerate(rows[2:])]
        await sealing._write_links(session, links)

    with pytest.raises(sealing.SealingConflict):
        await db.run(seal_over)
    assert await _sequences(db) == [1, 2, 3, None, None]
    assert await sealing.seal_pending(db, now=clock.now()) == 2
    assert (await _verify(db, now=clock.now())).ok
