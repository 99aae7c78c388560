import asyncio
import json
from datetime import timedelta

from sqlalchemy import select, text
from typer.testing import CliRunner

from finplat.audit import sealing
from finplat.audit import service as audit_service
from finplat.audit.models import GENESIS_HASH, AuditRecord
from finplat.audit.verify import verify_chain


async def _verify(db, **kwargs):
    async with db.transaction(readonly=True) as session:
        return await verify_chain(session, **kwargs)


async def _sql(db, statement: str, **params) -> None:
    async with db.transaction() as session:
        await session.execute(text(statement), params)


async def test_an_empty_chain_verifies(db) -> None:
    report = await _verify(db)
    assert report.ok and report.records == 0 and report.head_hash == GENESIS_HASH


async def test_an_intact_chain_verifies_in_batches(chain) -> None:
    report = await _verify(chain, batch_size=2)
    assert report.ok and report.records == 5 and report.head_sequence == 5


async def test_summaries_are_scrubbed_and_json_normalised(chain, clock) -> None:
    from decimal import Decimal

    async def work(session):
        return await audit_service.record(
            session, action="test.odd", target_type="thing", target_id=None,
            now=clock.now() + timedelta(microseconds=7),
            summary={1: Decimal("0.0490"), "when": clock.now()})

    record_id = await chain.run(work)
    async with chain.transaction(readonly=True) as session:
        entry = await session.get(AuditRecord, record_id)
    assert entry.sequence is None and entry.record_hash is None
    assert entry.summary == {"1": "0.0490", "when": str(clock.now())}
    assert (await _verify(chain)).ok
    async with chain.transaction(readonly=True) as session:
        stored = await session.scalar(text("SELECT summary FROM audit_record WHERE sequence = 1"))
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["phone"] == "138****5678"


def _forged_record(fields: dict) -> AuditRecord:
    content = {k: v for k, v in fields.items() if k not in ("previous_hash", "sequence")}
    return AuditRecord(record_hash=audit_service.compute_hash(**fields),
                       content_hash=audit_service.compute_content_hash(**content), **fields)


async def test_an_edited_record_is_detected(chain) -> None:
    await _sql(chain, "UPDATE audit_record SET target_id = '999' WHERE sequence = 3")
    report = await _verify(chain)
    assert not report.ok and report.first_broken_sequence == 3
    assert "edited" in report.problem


async def test_an_edited_record_with_its_hash_recomputed_breaks_the_next_link(chain) -> None:
    async with chain.transaction(readonly=True) as session:
        record = await session.scalar(select(AuditRecord).where(AuditRecord.sequence == 2))
    forged = audit_service.compute_hash(
        previous_hash=record.previous_hash, sequence=2, actor_id=record.actor_id,
        action="test.forged", target_type=record.target_type, target_id=record.target_id,
        summary=record.summary, request_id=record.request_id, ip=record.ip,
        created_at=record.created_at)
    forged_content = audit_service.compute_content_hash(
        actor_id=record.actor_id, action="test.forged", target_type=record.target_type,
        target_id=record.target_id, summary=record.summary, request_id=record.request_id,
        ip=record.ip, created_at=record.created_at)
    await _sql(chain, "UPDATE audit_record SET action = 'test.forged', record_hash = :h, "
                      "content_hash = :c WHERE sequence = 2", h=forged, c=forged_content)
    report = await _verify(chain)
    assert report.first_broken_sequence == 3 and "does not link" in report.problem


async def test_a_deleted_record_is_detected(chain) -> None:
    await _sql(chain, "DELETE FROM audit_record WHERE sequence = 2")
    report = await _verify(chain)
    assert not report.ok and report.first_broken_sequence == 2
    assert "missing" in report.problem


async def test_records_deleted_from_the_end_are_detected(chain) -> None:
    await _sql(chain, "DELETE FROM audit_record WHERE sequence >= 4")
    report = await _verify(chain)
    assert not report.ok and report.first_broken_sequence == 4


async def test_an_inserted_record_is_detected(chain, clock) -> None:
    # Make room at sequence 3 by shifting the later records up, then slip a record in whose own
    # hash is right and which links to record 2.
    await _sql(chain, "UPDATE audit_record SET sequence = sequence + 100 WHERE sequence >= 3")
    await _sql(chain, "UPDATE audit_record SET sequence = sequence - 99 WHERE sequence >= 103")
    async with chain.transaction(readonly=True) as session:
        previous = await session.scalar(
            text("SELECT record_hash FROM audit_record WHERE sequence = 2"))
    fields = dict(previous_hash=previous, sequence=3, actor_id=1, action="test.inserted",
                  target_type="thing", target_id="x", summary={}, request_id=None, ip=None,
                  created_at=clock.now())
    async with chain.transaction() as session:
        session.add(_forged_record(fields))
    report = await _verify(chain)
    assert not report.ok and report.first_broken_sequence == 4


async def test_a_record_appended_behind_the_heads_back_is_detected(chain, clock) -> None:
    async with chain.transaction(readonly=True) as session:
        previous = await session.scalar(
            text("SELECT record_hash FROM audit_record WHERE sequence = 5"))
    fields = dict(previous_hash=previous, sequence=6, actor_id=1, action="test.appended",
                  target_type="thing", target_id="x", summary={}, request_id=None, ip=None,
                  created_at=clock.now())
    async with chain.transaction() as session:
        session.add(_forged_record(fields))
    report = await _verify(chain)
    assert not report.ok and report.first_broken_sequence == 6 and "beyond" in report.problem


async def test_concurrent_appends_keep_the_chain_linear(db, clock) -> None:
    async def append(n: int) -> None:
        async def work(session):
            await audit_service.record(session, action="test.race", target_type="thing",
                                       target_id=n, now=clock.now())
        await db.run(work)

    await asyncio.gather(*(append(n) for n in range(12)))
    report = await _verify(db)
    assert report.ok and report.records == 0 and report.unsealed == 12
    assert await sealing.seal_pending(db, now=clock.now()) == 12
    report = await _verify(db)
    assert report.ok and report.records == 12 and report.unsealed == 0


def test_cli_verify_exits_1_with_the_first_broken_sequence(chain, settings, monkeypatch) -> None:
    from finplat.cli import app
    from finplat.config import get_settings

    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["audit", "verify", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["ok"] is True
        asyncio.run(_tamper(settings.database_url))
        result = runner.invoke(app, ["audit", "verify", "--json"])
        assert result.exit_code == 1
        body = json.loads(result.output)
        assert body["ok"] is False and body["first_broken_sequence"] == 2
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 1 and "sequence 2" in result.output
    finally:
        get_settings.cache_clear()


async def _tamper(url: str) -> None:
    from finplat.core.db import Database

    database = Database(url)
    try:
        await _sql(database, "UPDATE audit_record SET action = 'test.tampered' WHERE sequence = 2")
    finally:
        await database.dispose()
