"""Group commit for single transfers: many concurrent callers, one transaction, one round trip.

Each caller submits ONE two-leg transfer and waits for its own outcome. The committer of a
``Database`` (one per event loop) takes whatever is waiting, up to ``MAX_GROUP``, and writes it
in one transaction; every caller's future is resolved only after that transaction committed.
There is no timer: while groups are in flight (at most ``MAX_IN_FLIGHT``) new requests queue
and form the next group, so a lone caller is written at once and a busy one shares its commit
(and the Python work around it) with everyone who arrived meanwhile. TigerBeetle batches its
clients' requests the same way.

Outcomes are per item: a refused transfer (insufficient funds, frozen, closed or unknown account,
currency, duplicate source) fails only its own caller, with the error ``journal.transfer``
raises.

- PostgreSQL: ``ledger_write_group`` (migration 0007) in autocommit, i.e. the statement is its
  own transaction and the whole group costs one round trip. It locks the group's running-balance
  accounts in ascending id order and takes the items in order against running totals.
- Other dialects: one transaction (``Database.run``) with a SAVEPOINT per item around the
  ordinary ``journal.transfer``. Correct, not fast.

A group that fails as a whole on a database error that is not a lost connection (a value the
database rejects, an account locked elsewhere past the lock timeout) is written again one item
at a time beside the flusher, so one bad or stuck item neither fails nor holds up the others.
A lost connection leaves the outcome unknown: every caller of that group gets the error
and must retry with the same source (a committed transfer then answers ``DuplicateSource``).
"""

from __future__ import annotations

import asyncio
import json
import re
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.db import Database, is_disconnect, is_retryable
from finplat.core.errors import DomainError, field_error
from finplat.core.fields import MAX_ID
from finplat.core.money import Money
from finplat.ledger import journal
from finplat.ledger.exceptions import DuplicateSource, InvalidPostings
from finplat.ledger.posting import PG_REFUSALS, validate_source

# At most this many transfers per transaction: bounds the statement, the locks held and the
# arrays; groups form from what is waiting, so the bound only matters under heavy load.
MAX_GROUP = 64
# Groups written at once, one connection each. One by default: two groups in flight both
# reference the hot custody row (the postings' foreign key takes a KEY SHARE lock on it), and
# two concurrent lockers of a row make PostgreSQL create a MultiXact; measured here, 16 clients
# ran ~35% slower with 2 in flight than with 1 (docs/PERFORMANCE.md). More may pay where a
# commit waits longer (slow fsync, more cores); measure before raising it.
MAX_IN_FLIGHT = 1
MAX_IN_FLIGHT_LIMIT = 8
ALONE_AT_ONCE = 4
MAX_REFERENCE = 128
# Totals are BIGINT; a single amount near the limit is a bug, not a payment.
MAX_AMOUNT_MINOR = 2**53

Outcome = int | Exception
# NUL as JSON writes it (``\u0000``), not preceded by an escaped backslash.
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


class FlushInterrupted(RuntimeError):
    """The flusher stopped (cancelled, event loop closing) while this transfer was waiting or
    in flight: whether it committed is unknown. Retry with the same source to find out."""


@dataclass(slots=True)
class GroupItem:
    """One validated transfer waiting for its group, and the caller's future."""

    source_type: str
    source_id: str
    code: str
    debit_account_id: int
    credit_account_id: int
    amount: Money
    now: datetime
    reference: str | None
    metadata: dict[str, Any]
    metadata_json: str
    future: asyncio.Future[int]


def prepare(*, source_type: str, source_id: str, code: str, debit_account_id: int,
            credit_account_id: int, amount: Money, now: datetime, reference: str | None,
            metadata: Mapping[str, Any] | None) -> GroupItem:
    """Check one request in Python, so bad input never reaches (or fails) a group.

    Raises ``InvalidInput`` (source, code, reference, accounts, metadata), ``InvalidPostings``
    (amount not positive, one account on both sides), ``TypeError`` (amount not ``Money``),
    ``ValueError`` (naive ``now``).
    """
    validate_source(source_type, source_id, code)
    if not isinstance(amount, Money):
        raise TypeError("amount is Money")
    if not 0 < amount.amount_minor <= MAX_AMOUNT_MINOR:
        raise InvalidPostings("every posting amount must be positive")
    for name, value in (("debit_account_id", debit_account_id),
                        ("credit_account_id", credit_account_id)):
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 1 <= value <= MAX_ID:
            raise field_error(name, "must be an account id")
    if debit_account_id == credit_account_id:
        raise field_error("credit_account_id", "must differ from the debited account")
    if reference is not None and (not isinstance(reference, str)
                                  or len(reference) > MAX_REFERENCE):
        raise field_error("reference", f"must be at most {MAX_REFERENCE} characters")
    try:
        metadata_dict = dict(metadata or {})
        metadata_json = json.dumps(metadata_dict, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as error:
        raise field_error("metadata", "must be a JSON object") from error
    # PostgreSQL text and jsonb cannot hold NUL: refused here rather than failing the group.
    for field, given in (("source_type", source_type), ("source_id", source_id), ("code", code),
                         ("reference", reference or "")):
        if "\x00" in given:
            raise field_error(field, "must not contain a NUL character")
    if _JSON_NUL.search(metadata_json):
        raise field_error("metadata", "must not contain a NUL character")
    return GroupItem(source_type, source_id, code, debit_account_id, credit_account_id, amount,
                     ensure_utc(now), reference, metadata_dict, metadata_json,
                     asyncio.get_running_loop().create_future())


class GroupCommitter:
    """The queue and the flusher(s) of one ``Database`` on one event loop.

    Up to ``max_in_flight`` groups are written at once, each by its own flusher task on its own
    connection (one by default); flushers that are idle at the same moment share out what is
    waiting equally.
    """

    def __init__(self, db: Database, *, max_group: int = MAX_GROUP,
                 max_in_flight: int = MAX_IN_FLIGHT) -> None:
        if not 1 <= max_group <= MAX_GROUP:
            raise ValueError(f"max_group is 1 to {MAX_GROUP}")
        if not 1 <= max_in_flight <= MAX_IN_FLIGHT_LIMIT:
            raise ValueError(f"max_in_flight is 1 to {MAX_IN_FLIGHT_LIMIT}")
        # Weak: the committers are kept per Database in a WeakKeyDictionary, whose values must
        # not keep their key alive.
        self._db = weakref.ref(db)
        self.max_group = max_group
        self.max_in_flight = max_in_flight
        self._queue: deque[GroupItem] = deque()
        # Strong references: the event loop keeps only weak ones to its tasks.
        self._flushers: dict[int, asyncio.Task[None]] = {}
        self._next_flusher = 0
        self._idle = 0  # flushers alive and not writing: they share out what is waiting
        # Items of a group the database refused as a whole, written one by one beside the
        # flusher; bounded so that a stuck account cannot take every pooled connection.
        self._alone_slots = asyncio.Semaphore(ALONE_AT_ONCE)
        self._alone_tasks: set[asyncio.Task[None]] = set()
        # Called with the size of each group just before it is written (tests, metrics).
        self.on_flush: Callable[[int], None] | None = None

    def submit(self, item: GroupItem) -> asyncio.Future[int]:
        self._queue.append(item)
        if len(self._flushers) < self.max_in_flight:
            self._idle += 1
            self._next_flusher += 1
            number = self._next_flusher
            task = asyncio.get_running_loop().create_task(self._run(number))
            self._flushers[number] = task
            # For a flusher cancelled before it ever ran; normally ``_run`` retires itself.
            task.add_done_callback(lambda _task: self._retire(number))
        return item.future

    def _retire(self, number: int) -> None:
        # At once when the flusher stops, not in a done callback: callbacks run a loop
        # iteration later, and a request queued in between would find no flusher to start.
        if self._flushers.pop(number, None) is not None:
            self._idle -= 1

    def _take(self) -> list[GroupItem]:
        # An equal share for each idle flusher: requests that arrived together (say, callers
        # answered by the same commit) become interleaved groups rather than one big one.
        share = min(self.max_group, -(-len(self._queue) // max(self._idle, 1)))
        group: list[GroupItem] = []
        while self._queue and len(group) < share:
            item = self._queue.popleft()
            # A caller cancelled while waiting has given up: its transfer is never written.
            if not item.future.done():
                group.append(item)
        return group

    async def _run(self, number: int) -> None:
        try:
            while self._queue:
                group = self._take()
                if group:
                    self._idle -= 1
                    try:
                        await self._flush(group)
                    finally:
                        self._idle += 1
        except BaseException as error:
            # Cancelled (the loop is closing) or a bug: no caller may wait forever.
            waiting, self._queue = list(self._queue), deque()
            _fail(waiting, error)
            raise
        finally:
            self._retire(number)

    async def _flush(self, group: list[GroupItem]) -> None:
        if self.on_flush is not None:
            self.on_flush(len(group))
        try:
            outcomes = await self._write(group)
        except DBAPIError as error:
            if len(group) == 1 or is_disconnect(error):
                _fail(group, error)
                return
            # The database refused the group as a whole (nothing was written): a value it
            # cannot store, or an account locked elsewhere for longer than the lock timeout.
            # Each item is written alone, off the flusher, so the others still go through and
            # the next groups do not wait for the one that is stuck.
            task = asyncio.get_running_loop().create_task(self._write_each_alone(group))
            self._alone_tasks.add(task)
            task.add_done_callback(self._alone_tasks.discard)
            return
        except BaseException as error:
            _fail(group, error)
            if not isinstance(error, Exception):
                raise
            return
        _resolve(group, outcomes)

    async def _write_each_alone(self, group: Sequence[GroupItem]) -> None:
        async def alone(item: GroupItem) -> None:
            try:
                async with self._alone_slots:
                    if item.future.done():
                        return  # its caller gave up while waiting
                    outcomes = await self._write([item])
            except BaseException as error:
                _fail([item], error)  # also when cancelled before its turn: nobody may hang
                if not isinstance(error, Exception):
                    raise
                return
            _resolve([item], outcomes)

        await asyncio.gather(*(alone(item) for item in group), return_exceptions=True)

    async def _write(self, group: Sequence[GroupItem]) -> list[Outcome]:
        db = self._db()
        if db is None:
            raise RuntimeError("the database of this committer is gone")
        if db.dialect != "postgresql":
            return await _write_portable(db, group)
        return await _write_postgresql(db, group)


def _resolve(group: Sequence[GroupItem], outcomes: Sequence[Outcome]) -> None:
    for item, outcome in zip(group, outcomes, strict=True):
        if item.future.done():
            continue  # cancelled while in flight: the outcome stands, nobody listens
        if isinstance(outcome, Exception):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)


def _fail(items: Sequence[GroupItem], error: BaseException) -> None:
    if not isinstance(error, Exception):
        interrupted = FlushInterrupted("the ledger group commit was interrupted")
        interrupted.__cause__ = error
        error = interrupted
    for item in items:
        if not item.future.done():
            item.future.set_exception(error)


def should_retry(error: DBAPIError, *, group_size: int) -> bool:
    """Whether to write the same group again after ``error``.

    Deadlocks and serialization failures: yes. A lock timeout: only for a group of one. In a
    larger group it usually means one account is held by a long transaction elsewhere, and
    retrying the whole group would keep every caller in it (and everyone queued behind) waiting
    on that one account; failing at once makes the committer write the items one by one.
    """
    if not is_retryable(error):
        return False
    orig = error.orig
    lock_timeout = any(getattr(orig, attr, None) == "55P03" for attr in ("sqlstate", "pgcode"))
    return group_size == 1 or not lock_timeout


_PG_WRITE_GROUP = text(
    "SELECT entry_ids, error_codes, error_accounts FROM ledger_write_group(:nows, :currencies, "
    ":source_types, :source_ids, :codes, :references, CAST(:metadata AS JSONB[]), "
    ":debit_accounts, :credit_accounts, :amounts)")


async def _write_postgresql(db: Database, group: Sequence[GroupItem]) -> list[Outcome]:
    """The one statement is the transaction (``Database.call``: its deferred balance trigger
    runs at its end), so the group costs one round trip instead of BEGIN, call and COMMIT.
    It rolls back as a whole on a failure, so retrying it is safe."""
    parameters = {
        "nows": [i.now for i in group], "currencies": [i.amount.currency for i in group],
        "source_types": [i.source_type for i in group],
        "source_ids": [i.source_id for i in group], "codes": [i.code for i in group],
        "references": [i.reference for i in group],
        "metadata": [i.metadata_json for i in group],
        "debit_accounts": [i.debit_account_id for i in group],
        "credit_accounts": [i.credit_account_id for i in group],
        "amounts": [i.amount.amount_minor for i in group],
    }
    row = await db.call(_PG_WRITE_GROUP, parameters,
                        retry_if=partial(should_retry, group_size=len(group)))
    outcomes: list[Outcome] = []
    for item, entry_id, code, account in zip(group, row.entry_ids, row.error_codes,
                                             row.error_accounts, strict=True):
        if code is None:
            outcomes.append(int(entry_id))
        elif code == "duplicate":
            outcomes.append(DuplicateSource(item.source_type, item.source_id))
        else:
            outcomes.append(PG_REFUSALS[code](account))
    return outcomes


async def _write_portable(db: Database, group: Sequence[GroupItem]) -> list[Outcome]:
    async def work(session: AsyncSession) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for item in group:
            try:
                # A refusal rolls back to here: on these dialects an earlier account of the
                # same transfer may already have been updated.
                async with session.begin_nested():
                    outcomes.append(await journal.transfer(
                        session, source_type=item.source_type, source_id=item.source_id,
                        code=item.code, debit_account_id=item.debit_account_id,
                        credit_account_id=item.credit_account_id, amount=item.amount,
                        now=item.now, reference=item.reference, metadata=item.metadata))
            except DomainError as error:
                outcomes.append(error)
        return outcomes

    return await db.run(work)


_COMMITTERS: weakref.WeakKeyDictionary[
    Database, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter]
] = weakref.WeakKeyDictionary()


def committer(db: Database) -> GroupCommitter:
    """The committer of ``db`` on the running event loop (created on first use). Futures and
    tasks belong to one loop, so each loop gets its own queue and flusher."""
    loop = asyncio.get_running_loop()
    per_loop = _COMMITTERS.setdefault(db, weakref.WeakKeyDictionary())
    found = per_loop.get(loop)
    if found is None:
        found = per_loop[loop] = GroupCommitter(db)
    return found


async def submit(db: Database, item: GroupItem) -> int:
    """Queue ``item`` for the next group and wait until its group has committed."""
    return await committer(db).submit(item)
