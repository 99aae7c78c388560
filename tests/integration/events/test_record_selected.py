"""Events whose payloads a SELECT gives (``events_service.record_selected``): one outbox event
per row with the typed payload (strings escaped for JSON), one audit record for the set."""

from sqlalchemy import BigInteger, String, func, literal, select, union_all

from finplat.audit.models import AuditRecord
from finplat.events import dispatcher, service
from finplat.events.dispatcher import Event
from finplat.events.models import OutboxEvent
from finplat.events.types import DomainEvent


class NoteTaken(DomainEvent):
    topic = "test.note_taken"
    note_id: int
    text: str


TEXTS = ['plain', 'a "quoted" word', 'back\\slash \\" both', "中文 ok"]


def _rows():  # type: ignore[no-untyped-def]
    rows = union_all(*[
        select(literal(n, BigInteger).label("note_id"), literal(text, String).label("text"))
        for n, text in enumerate(TEXTS, start=1)]).subquery()
    return select(rows.c.note_id, rows.c.text).order_by(rows.c.note_id)


async def test_one_event_per_row_and_one_audit_record(db, clock, registry) -> None:
    seen: list[NoteTaken] = []

    @registry.on(NoteTaken, name="test.notes")
    async def handle(session, event: NoteTaken, meta: Event) -> None:
        seen.append(event)

    count = await db.run(lambda s: service.record_selected(
        s, NoteTaken, _rows(), target_type="test_notebook", target_id="1",
        summary={"notebook": 1}, now=clock.now()))
    assert count == len(TEXTS)
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert report.delivered == len(TEXTS)
    assert sorted(seen, key=lambda e: e.note_id) == [
        NoteTaken(note_id=n, text=text) for n, text in enumerate(TEXTS, start=1)]
    async with db.transaction(readonly=True) as session:
        audits = list(await session.scalars(
            select(AuditRecord).where(AuditRecord.action == NoteTaken.topic)))
        events = await session.scalar(select(func.count(OutboxEvent.id)))
    assert events == len(TEXTS)
    [audit] = audits
    assert (audit.target_type, audit.target_id) == ("test_notebook", "1")
    assert audit.summary == {"notebook": 1, "events": len(TEXTS)}


async def test_no_rows_record_nothing(db, clock) -> None:
    count = await db.run(lambda s: service.record_selected(
        s, NoteTaken, _rows().where(literal(1) == 0), target_type="test_notebook",
        target_id="1", summary={}, now=clock.now()))
    assert count == 0
    async with db.transaction(readonly=True) as session:
        assert await session.scalar(select(func.count(AuditRecord.id))) == 0
