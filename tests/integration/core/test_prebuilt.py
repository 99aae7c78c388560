"""``core.prebuilt.Prebuilt``: a statement built once gives the same rows, changes and errors on
every database, inside the session's transaction, whether it went through the driver (PostgreSQL,
once the transaction has begun) or through SQLAlchemy."""

from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from finplat.core.db import Database
from finplat.core.models import IdempotencyRecord
from finplat.core.prebuilt import Prebuilt

RECORDS = cast(Table, IdempotencyRecord.__table__)
r = RECORDS.c
INSERT = Prebuilt(insert(RECORDS).returning(r.id, r.key, r.created_at))
# A guarded update whose statement carries values of its own (the status it must not have).
_ANSWER = (update(RECORDS)
           .where(r.key == bindparam("k"), r.status_code != 0, r.status_code != 500)
           .values(status_code=bindparam("code"), response_body=bindparam("body")))
ANSWER = Prebuilt(_ANSWER.returning(r.id, r.status_code))
ANSWER_PLAIN = Prebuilt(_ANSWER)  # MariaDB has no UPDATE ... RETURNING
FIND = Prebuilt(select(r.id, r.scope).where(r.key == bindparam("k"), r.scope.is_not(None)))


def _values(clock: Any, key: str, **changes: Any) -> dict[str, Any]:
    return {"scope": "test", "key": key, "request_hash": "h" * 64, "status_code": 201,
            "response_body": {"fen": 1, "名": "张三", "list": [1, None]},
            "created_at": clock.now() + timedelta(microseconds=123_457), **changes}


def _count_sqlalchemy_statements(db: Database) -> list[str]:
    seen: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


async def test_rows_and_parameters_of_each_type_as_sqlalchemy_gives_them(db, clock) -> None:
    values = _values(clock, "a")

    async def work(session):
        first = await INSERT.first(session, values)  # begins the transaction
        second = await INSERT.first(session, _values(clock, "b"))  # inside it
        return first, second

    first, second = await db.run(work)
    assert first[1:] == ("a", values["created_at"]) and second[1] == "b"
    assert isinstance(first[0], int) and second[0] > first[0]
    stored = await db.run(lambda s: s.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.key == "b")), readonly=True)
    assert stored.response_body == values["response_body"]
    assert stored.created_at == values["created_at"] and stored.request_hash == "h" * 64


async def test_guarded_update_with_its_own_values_changes_the_row_or_gives_nothing(
        db, clock) -> None:
    answer = ANSWER if db.engine.dialect.update_returning else ANSWER_PLAIN

    async def work(session):
        inserted = await INSERT.first(session, _values(clock, "g"))
        changed = await answer.first(session, {"k": "g", "code": 409, "body": {"x": "y"}})
        missed = await answer.first(session, {"k": "nobody", "code": 409, "body": {}})
        found = await FIND.all(session, {"k": "g"})
        return inserted, changed, missed, found

    inserted, changed, missed, found = await db.run(work)
    assert missed is None and found == [(inserted[0], "test")]
    assert changed == ((inserted[0], 409) if answer is ANSWER else None)
    body = await db.run(lambda s: s.scalar(select(IdempotencyRecord.response_body)
                                           .where(IdempotencyRecord.key == "g")), readonly=True)
    assert body == {"x": "y"}


async def test_statements_run_inside_the_sessions_transaction_and_roll_back_with_it(
        db, clock) -> None:
    class Refused(Exception):
        pass

    async def work(session):
        await session.execute(insert(RECORDS), _values(clock, "before"))
        await INSERT.first(session, _values(clock, "inside"))
        raise Refused

    with pytest.raises(Refused):
        await db.run(work)
    keys = await db.run(lambda s: s.scalars(select(IdempotencyRecord.key)), readonly=True)
    assert list(keys) == []


async def test_a_unique_violation_is_sqlalchemys_integrity_error_on_every_database(
        db, clock) -> None:
    await db.run(lambda s: INSERT.first(s, _values(clock, "taken")))

    async def twice(session):
        await INSERT.first(session, _values(clock, "other"))
        await INSERT.first(session, _values(clock, "taken"))

    with pytest.raises(IntegrityError) as raised:
        await db.run(twice)
    if db.dialect == "postgresql":
        assert raised.value.orig.sqlstate == "23505"  # what db.is_retryable reads
    keys = await db.run(lambda s: s.scalars(select(IdempotencyRecord.key)), readonly=True)
    assert list(keys) == ["taken"]
    # The pool's connection is still good afterwards.
    assert await db.run(lambda s: FIND.scalar(s, {"k": "taken"})) is not None


async def test_on_postgresql_only_the_first_statement_of_a_transaction_goes_through_sqlalchemy(
        db, clock) -> None:
    seen = _count_sqlalchemy_statements(db)

    async def work(session):
        for key in ("p1", "p2", "p3"):
            await INSERT.first(session, _values(clock, key))

    await db.run(work)
    inserts = [sql for sql in seen if sql.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == (1 if db.dialect == "postgresql" else 3)


def test_statements_the_driver_cannot_run_as_sqlalchemy_does_are_left_to_the_session() -> None:
    from sqlalchemy.dialects.postgresql import asyncpg

    dialect = asyncpg.dialect()
    expanding = Prebuilt(select(r.id).where(r.status_code.in_((1, 2))))
    assert expanding.compile(dialect, ()) is None
    # A default computed in Python (the hold's ``posted_minor``) must come as a parameter.
    from finplat.ledger.models import LedgerHold

    holds = cast(Table, LedgerHold.__table__)
    assert Prebuilt(insert(holds).returning(holds.c.id)).compile(dialect, ("amount_minor",)) is None
    keys = ("scope", "key", "request_hash", "status_code", "response_body", "created_at")
    assert INSERT.compile(dialect, keys) is not None
