"""The group committer on its own: grouping, per-item outcomes, failures and cancellation,
with the database write replaced by a fake (no database, no timing)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from finplat.core.errors import InvalidInput
from finplat.core.money import Money
from finplat.ledger import group
from finplat.ledger.exceptions import InsufficientFunds, InvalidPostings

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class FakeDatabase:
    dialect = "sqlite"


class FakeWrite:
    """Stands in for the database: entry id = 1000 + amount, refusals for amount 13, and an
    optional gate that holds every write until released."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def __call__(self, _db: object, items: Sequence[group.GroupItem]) -> list[group.Outcome]:
        self.groups.append([item.source_id for item in items])
        self.started.set()
        await asyncio.sleep(0)  # a write always yields to the loop, as a round trip does
        if self.gate is not None:
            await self.gate.wait()
        return [InsufficientFunds(item.debit_account_id) if item.amount.amount_minor == 13
                else 1000 + item.amount.amount_minor for item in items]


@pytest.fixture
def fake_db() -> FakeDatabase:
    """The committer holds its database weakly (callers of ``group.submit`` keep it alive while
    they wait); the fixture keeps this one alive for the test."""
    return FakeDatabase()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeWrite:
    write = FakeWrite()
    monkeypatch.setattr(group, "_write_portable", write)
    return write


def _item(n: int, amount_minor: int | None = None) -> group.GroupItem:
    return group.prepare(source_type="test", source_id=f"s{n}", code="deposit",
                         debit_account_id=1, credit_account_id=2,
                         amount=Money(n if amount_minor is None else amount_minor), now=NOW,
                         reference=None, metadata={"n": n})


def _committer(db: FakeDatabase, **options: int) -> tuple[group.GroupCommitter, list[int]]:
    committer = group.GroupCommitter(db, **options)  # type: ignore[arg-type]
    sizes: list[int] = []
    committer.on_flush = sizes.append
    return committer, sizes


async def test_concurrent_submits_share_groups_and_get_their_own_results(fake, fake_db):
    committer, sizes = _committer(fake_db)

    async def one(n: int) -> int:
        return await committer.submit(_item(n))

    results = await asyncio.gather(*(one(n) for n in range(1, 11)))
    assert results == [1000 + n for n in range(1, 11)]
    assert len(sizes) < 10 and sum(sizes) == 10


async def test_a_lone_caller_is_written_at_once_in_a_group_of_its_own(fake, fake_db):
    committer, sizes = _committer(fake_db)
    assert await committer.submit(_item(1)) == 1001
    assert sizes == [1]


async def test_requests_arriving_during_a_flush_form_the_next_group(fake, fake_db):
    committer, sizes = _committer(fake_db, max_in_flight=1)
    fake.gate = asyncio.Event()
    first = asyncio.ensure_future(committer.submit(_item(1)))
    await fake.started.wait()
    later = [asyncio.ensure_future(committer.submit(_item(n))) for n in range(2, 7)]
    await asyncio.sleep(0)
    fake.gate.set()
    assert await first == 1001
    assert await asyncio.gather(*later) == [1002, 1003, 1004, 1005, 1006]
    assert fake.groups == [["s1"], ["s2", "s3", "s4", "s5", "s6"]]


async def test_two_flushers_share_out_requests_that_arrive_together(fake, fake_db):
    committer, sizes = _committer(fake_db, max_in_flight=2)
    results = await asyncio.gather(*(committer.submit(_item(n)) for n in range(20, 36)))
    assert results == [1000 + n for n in range(20, 36)]
    assert sizes == [8, 8]


async def test_a_flusher_that_finishes_takes_everything_waiting(fake, fake_db):
    committer, sizes = _committer(fake_db, max_in_flight=2)
    fake.gate = asyncio.Event()
    first = [asyncio.ensure_future(committer.submit(_item(n))) for n in (1, 2)]
    await fake.started.wait()
    await asyncio.sleep(0)
    assert sizes == [1, 1]  # both flushers busy: the next ones wait
    later = [asyncio.ensure_future(committer.submit(_item(n))) for n in range(3, 9)]
    fake.gate.set()
    await asyncio.gather(*first, *later)
    assert sizes[:2] == [1, 1] and sum(sizes) == 8 and len(sizes) <= 4


async def test_groups_are_bounded(fake, fake_db):
    committer, sizes = _committer(fake_db, max_group=4)
    await asyncio.gather(*(committer.submit(_item(n)) for n in range(1, 11)))
    assert max(sizes) <= 4 and sum(sizes) == 10


def test_the_bounds_are_checked() -> None:
    with pytest.raises(ValueError):
        group.GroupCommitter(FakeDatabase(), max_group=65)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        group.GroupCommitter(FakeDatabase(), max_in_flight=0)  # type: ignore[arg-type]


async def test_a_refusal_fails_only_its_own_caller(fake, fake_db):
    committer, _sizes = _committer(fake_db)
    results = await asyncio.gather(committer.submit(_item(1)), committer.submit(_item(13)),
                                   committer.submit(_item(2)), return_exceptions=True)
    assert results[0] == 1001 and results[2] == 1002
    assert isinstance(results[1], InsufficientFunds)


async def test_a_failed_write_fails_its_group_and_the_next_goes(fake, fake_db, monkeypatch):
    committer, _sizes = _committer(fake_db, max_in_flight=1)
    calls = [0]

    async def broken_once(db: object, items: Sequence[group.GroupItem]) -> list[group.Outcome]:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("boom")
        return await fake(db, items)

    monkeypatch.setattr(group, "_write_portable", broken_once)
    first = await asyncio.gather(committer.submit(_item(1)), committer.submit(_item(2)),
                                 return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in first)
    assert await committer.submit(_item(3)) == 1003


async def test_a_group_the_database_rejects_is_retried_item_by_item(fake, fake_db, monkeypatch):
    committer, sizes = _committer(fake_db, max_in_flight=1)
    rejected = DBAPIError("INSERT", {}, Exception("invalid byte sequence"))

    async def picky(db: object, items: Sequence[group.GroupItem]) -> list[group.Outcome]:
        if any(item.source_id == "s2" for item in items):
            raise rejected
        return await fake(db, items)

    monkeypatch.setattr(group, "_write_portable", picky)
    results = await asyncio.gather(*(committer.submit(_item(n)) for n in (1, 2, 3)),
                                   return_exceptions=True)
    assert results[0] == 1001 and results[2] == 1003
    assert results[1] is rejected
    assert sizes == [3]


async def test_a_stuck_item_holds_up_neither_its_group_nor_the_next(fake, fake_db, monkeypatch):
    committer, sizes = _committer(fake_db, max_in_flight=1)
    stuck = asyncio.Event()
    timeout = DBAPIError("SELECT", {}, Exception("canceling statement due to lock timeout"))

    async def locked(db: object, items: Sequence[group.GroupItem]) -> list[group.Outcome]:
        sources = [item.source_id for item in items]
        if "s2" in sources and len(sources) > 1:
            raise timeout
        if sources == ["s2"]:
            await stuck.wait()
        return await fake(db, items)

    monkeypatch.setattr(group, "_write_portable", locked)
    first = [asyncio.ensure_future(committer.submit(_item(n))) for n in (1, 2, 3)]
    assert await first[0] == 1001 and await first[2] == 1003
    assert await committer.submit(_item(4)) == 1004
    assert not first[1].done()
    stuck.set()
    assert await first[1] == 1002
    assert sizes == [3, 1]


async def test_a_lost_connection_fails_the_whole_group(fake, fake_db, monkeypatch):
    committer, _sizes = _committer(fake_db, max_in_flight=1)
    lost = DBAPIError("SELECT", {}, Exception("connection reset"), connection_invalidated=True)

    async def disconnected(db: object, items: Sequence[group.GroupItem]) -> list[group.Outcome]:
        raise lost

    monkeypatch.setattr(group, "_write_portable", disconnected)
    results = await asyncio.gather(*(committer.submit(_item(n)) for n in (1, 2, 3)),
                                   return_exceptions=True)
    assert results == [lost, lost, lost]


@pytest.mark.parametrize("max_in_flight", [1, 2])
async def test_cancelled_flushers_leave_no_caller_waiting(fake, fake_db, max_in_flight):
    committer, _sizes = _committer(fake_db, max_in_flight=max_in_flight)
    fake.gate = asyncio.Event()
    in_flight = asyncio.ensure_future(committer.submit(_item(1)))
    await fake.started.wait()
    queued = asyncio.ensure_future(committer.submit(_item(2)))
    assert committer._flushers
    for task in list(committer._flushers.values()):
        task.cancel()
    results = await asyncio.gather(in_flight, queued, return_exceptions=True)
    assert all(isinstance(result, group.FlushInterrupted) for result in results)
    fake.gate.set()
    assert await committer.submit(_item(3)) == 1003


async def test_a_cancelled_caller_does_not_break_the_flusher(fake, fake_db):
    committer, _sizes = _committer(fake_db, max_in_flight=1)
    fake.gate = asyncio.Event()
    in_flight = asyncio.ensure_future(committer.submit(_item(1)))
    await fake.started.wait()
    gone = asyncio.ensure_future(committer.submit(_item(2)))
    stays = asyncio.ensure_future(committer.submit(_item(3)))
    await asyncio.sleep(0)
    gone.cancel()
    in_flight.cancel()
    fake.gate.set()
    assert await stays == 1003
    assert gone.cancelled() and in_flight.cancelled()
    # The cancelled waiting caller never reached the database; the one in flight did.
    assert fake.groups == [["s1"], ["s3"]]


async def test_one_committer_per_database_and_event_loop(fake, fake_db):
    first, second = FakeDatabase(), FakeDatabase()
    assert group.committer(first) is group.committer(first)  # type: ignore[arg-type]
    assert group.committer(first) is not group.committer(second)  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "error"), [
    ({"amount": Money(0)}, InvalidPostings),
    ({"amount": Money(-5)}, InvalidPostings),
    ({"credit_account_id": 1}, InvalidInput),
    ({"debit_account_id": True}, InvalidInput),
    ({"debit_account_id": 2**63}, InvalidInput),
    ({"source_id": ""}, InvalidInput),
    ({"code": "x" * 33}, InvalidInput),
    ({"reference": "r" * 129}, InvalidInput),
    ({"metadata": {("not", "a", "string"): 1}}, InvalidInput),
    ({"source_id": "a\x00b"}, InvalidInput),
    ({"reference": "\x00"}, InvalidInput),
    ({"metadata": {"note": "a\x00b"}}, InvalidInput),
    ({"metadata": {"a\x00": 1}}, InvalidInput),
])
async def test_bad_input_is_refused_before_it_reaches_a_group(change, error):
    request = {"source_type": "test", "source_id": "s1", "code": "deposit",
               "debit_account_id": 1, "credit_account_id": 2, "amount": Money(100), "now": NOW,
               "reference": None, "metadata": None} | change
    with pytest.raises(error):
        group.prepare(**request)


async def test_a_backslash_before_u0000_is_not_a_nul():
    item = group.prepare(source_type="test", source_id="s1", code="deposit",
                         debit_account_id=1, credit_account_id=2, amount=Money(100), now=NOW,
                         reference=None, metadata={"note": "\\u0000"})
    assert item.metadata == {"note": "\\u0000"}


async def test_amounts_are_money_and_instants_have_a_timezone():
    request = {"source_type": "test", "source_id": "s1", "code": "deposit",
               "debit_account_id": 1, "credit_account_id": 2, "amount": Money(100), "now": NOW,
               "reference": None, "metadata": None}
    with pytest.raises(TypeError):
        group.prepare(**(request | {"amount": 100}))
    with pytest.raises(ValueError):
        group.prepare(**(request | {"now": NOW.replace(tzinfo=None)}))


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "group_size", "retried"), [
    ("40P01", 16, True),   # deadlock: the whole group again
    ("40001", 16, True),   # serialization failure
    ("55P03", 1, True),    # lock timeout, one transfer: as Database.run would
    ("55P03", 16, False),  # lock timeout in a group: split it rather than wait again
    ("23505", 16, False),  # anything else is not transient
])
def test_which_group_failures_are_retried(sqlstate, group_size, retried) -> None:
    error = DBAPIError("SELECT", {}, _PgError(sqlstate))
    assert group.should_retry(error, group_size=group_size) is retried
