"""Simulated channels: the custody bank (``bank``, the default) and third-party pay.

They behave as a real channel does from our side: they take an order, answer later through the
signed callback, answer a status query from what they recorded, and keep their own books from
which they render a daily statement file. Tests
can make them fail an order, refuse one outright, send each callback twice, deliver callbacks
in reverse order, and doctor a statement to inject discrepancies.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update

from finplat.core.clock import business_date as business_date_of
from finplat.core.db import Database
from finplat.core.prebuilt import Prebuilt
from finplat.payment import signing, statement_format
from finplat.payment.channels import ChannelAck, ChannelStatus, DepositOrder, WithdrawalOrder
from finplat.payment.models import PaymentSimulatorTransaction

_TABLE = cast(Table, PaymentSimulatorTransaction.__table__)
_COLUMNS = (
    "channel",
    "channel_reference",
    "merchant_reference",
    "kind",
    "amount_minor",
    "currency",
    "status",
    "reason",
    "business_date",
    "processed_at",
)
# One statement: record an order unless this channel has it already.
_RECORD_UNLESS_SEEN = Prebuilt(insert(_TABLE).from_select(
    _COLUMNS,
    select(*(bindparam(name, type_=_TABLE.c[name].type) for name in _COLUMNS)).where(
        ~exists().where(
            _TABLE.c.channel == bindparam("channel"),
            _TABLE.c.merchant_reference == bindparam("merchant_reference"),
        )
    ),
))


@dataclass(frozen=True, slots=True)
class SignedCallback:
    channel: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, object]:
        return json.loads(self.body)


Deliver = Callable[[SignedCallback], Awaitable[object]]


class SimulatedChannel:
    """A channel simulator persisted in ``payment_simulator_transaction``."""

    def __init__(
        self,
        name: str,
        *,
        db: Database,
        secret: str,
        reference_prefix: str,
        deliver: Deliver | None = None,
        delay_ms: int = 0,
    ) -> None:
        self.name = name
        self._db = db
        self._secret = secret
        self._prefix = reference_prefix
        # With ``deliver`` the simulator calls back by itself after ``delay_ms``; without it the
        # callbacks wait in ``pending`` until a test delivers them.
        self._deliver = deliver
        self._delay_ms = delay_ms
        self.pending: list[SignedCallback] = []
        self.duplicate_callbacks = False
        self._fail_next: list[str] = []
        self._reject_next: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # -- knobs for tests -------------------------------------------------------------------
    def fail_next(self, reason: str = "declined by the channel") -> None:
        """The next order is taken but its callback says ``failed``."""
        self._fail_next.append(reason)

    def reject_next(self, reason: str = "refused by the channel") -> None:
        """The next order is refused outright (no callback)."""
        self._reject_next.append(reason)

    async def deliver_pending(self, send: Deliver, *, reverse: bool = False) -> int:
        """Deliver every waiting callback through ``send`` (in reverse order if asked)."""
        batch, self.pending = self.pending, []
        for callback in reversed(batch) if reverse else batch:
            await send(callback)
        return len(batch)

    def make_callback(
        self,
        *,
        channel_reference: str,
        merchant_reference: str,
        kind: str,
        status: str,
        amount_minor: int,
        currency: str,
        occurred_at: datetime,
        reason: str | None = None,
        signed_at: datetime | None = None,
    ) -> SignedCallback:
        payload = {
            "channel_reference": channel_reference,
            "merchant_reference": merchant_reference,
            "kind": kind,
            "status": status,
            "amount_minor": amount_minor,
            "currency": currency,
            "occurred_at": occurred_at.isoformat(),
            "reason": reason,
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = signing.signed_headers(
            secret=self._secret, timestamp=int((signed_at or occurred_at).timestamp()), body=body
        )
        return SignedCallback(self.name, headers, body)

    async def set_statement_amount(self, merchant_reference: str, amount_minor: int) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(PaymentSimulatorTransaction)
                .where(PaymentSimulatorTransaction.merchant_reference == merchant_reference)
                .values(amount_minor=amount_minor)
            )

    async def drop_statement_line(self, merchant_reference: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(PaymentSimulatorTransaction).where(
                    PaymentSimulatorTransaction.merchant_reference == merchant_reference
                )
            )

    async def add_statement_line(
        self,
        *,
        merchant_reference: str,
        kind: str,
        amount_minor: int,
        currency: str,
        processed_at: datetime,
    ) -> str:
        reference = self._new_reference()
        await self._record(
            reference, merchant_reference, kind, amount_minor, currency, processed_at
        )
        return reference

    # -- the Channel interface -------------------------------------------------------------
    async def create_deposit_order(self, order: DepositOrder, *, now: datetime) -> ChannelAck:
        return await self._process(
            order.reference, "deposit", order.amount_minor, order.currency, now
        )

    async def send_withdrawal(self, order: WithdrawalOrder, *, now: datetime) -> ChannelAck:
        return await self._process(
            order.reference, "withdrawal", order.amount_minor, order.currency, now
        )

    async def query(self, reference: str) -> ChannelStatus:
        """Answered from the simulator's own record: what it decided, or ``unknown`` for an
        order it never received (one it refused outright is not recorded either)."""
        found = await self._seen(reference)
        if found is None:
            return ChannelStatus("unknown")
        return ChannelStatus(
            "succeeded" if found.status == "succeeded" else "failed",
            kind="deposit" if found.kind == "deposit" else "withdrawal",
            channel_reference=found.channel_reference,
            amount_minor=found.amount_minor,
            currency=found.currency,
            occurred_at=found.processed_at,
            reason=found.reason,
        )

    async def fetch_statement(self, business_date: date) -> bytes:
        async with self._db.transaction(readonly=True) as session:
            rows = (
                await session.scalars(
                    select(PaymentSimulatorTransaction)
                    .where(
                        PaymentSimulatorTransaction.channel == self.name,
                        PaymentSimulatorTransaction.business_date == business_date,
                        PaymentSimulatorTransaction.status == "succeeded",
                    )
                    .order_by(PaymentSimulatorTransaction.id)
                )
            ).all()
        return statement_format.render(
            [
                statement_format.StatementLine(
                    row.channel_reference,
                    row.merchant_reference,
                    row.kind,
                    row.amount_minor,
                    row.currency,
                    row.processed_at.isoformat(),
                )
                for row in rows
            ]
        )

    # -- internals -------------------------------------------------------------------------
    def _new_reference(self) -> str:
        return f"{self._prefix}{uuid.uuid4().hex[:24]}"

    async def _process(
        self, merchant_reference: str, kind: str, amount_minor: int, currency: str, now: datetime
    ) -> ChannelAck:
        if self._reject_next and await self._seen(merchant_reference) is None:
            return ChannelAck(accepted=False, reason=self._reject_next.pop(0))
        reason = self._fail_next[0] if self._fail_next else None
        row: dict[str, Any] = {
            "channel": self.name,
            "channel_reference": self._new_reference(),
            "merchant_reference": merchant_reference,
            "kind": kind,
            "amount_minor": amount_minor,
            "currency": currency,
            "status": "failed" if reason else "succeeded",
            "reason": reason,
            "business_date": business_date_of(now),
            "processed_at": now,
        }
        recorded = await self._db.execute(_RECORD_UNLESS_SEEN, row)
        if recorded:
            if reason is not None:
                self._fail_next.pop(0)
            decided, copies = row, 2 if self.duplicate_callbacks else 1
        else:
            # The same order again (a resubmission): like a real channel, answer with the
            # outcome already decided and notify again, never process it twice.
            found = await self._seen(merchant_reference)
            assert found is not None, "the simulator never forgets an order"
            decided, copies = {name: getattr(found, name) for name in _COLUMNS}, 1
        callback = self.make_callback(
            channel_reference=decided["channel_reference"],
            merchant_reference=merchant_reference,
            kind=decided["kind"],
            status=decided["status"],
            amount_minor=decided["amount_minor"],
            currency=decided["currency"],
            occurred_at=decided["processed_at"],
            reason=decided["reason"],
            signed_at=now,
        )
        for _ in range(copies):
            self._emit(callback)
        return ChannelAck(accepted=True)

    async def _seen(self, merchant_reference: str) -> PaymentSimulatorTransaction | None:
        async with self._db.transaction(readonly=True) as session:
            return await session.scalar(
                select(PaymentSimulatorTransaction)
                .where(
                    PaymentSimulatorTransaction.channel == self.name,
                    PaymentSimulatorTransaction.merchant_reference == merchant_reference,
                )
                .limit(1)
            )

    async def _record(
        self,
        reference: str,
        merchant_reference: str,
        kind: str,
        amount_minor: int,
        currency: str,
        processed_at: datetime,
        *,
        status: str = "succeeded",
        reason: str | None = None,
    ) -> None:
        async with self._db.transaction() as session:
            session.add(
                PaymentSimulatorTransaction(
                    channel=self.name,
                    channel_reference=reference,
                    merchant_reference=merchant_reference,
                    kind=kind,
                    amount_minor=amount_minor,
                    currency=currency,
                    status=status,
                    reason=reason,
                    business_date=business_date_of(processed_at),
                    processed_at=processed_at,
                )
            )

    def _emit(self, callback: SignedCallback) -> None:
        if self._deliver is None:
            self.pending.append(callback)
            return
        task = asyncio.get_running_loop().create_task(self._deliver_later(callback))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_later(self, callback: SignedCallback) -> None:
        await asyncio.sleep(self._delay_ms / 1000)
        assert self._deliver is not None
        await self._deliver(callback)

    async def drain(self) -> None:
        """Wait for callbacks already scheduled (shutdown, tests of the embedded mode)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
