"""The applicant withdraws an undecided application: idempotent, audited with a typed event,
refused (409) once decided, and a reviewer racing the withdrawal: exactly one wins."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from finplat.audit.models import AuditRecord
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.events.models import OutboxEvent
from finplat.lending import applications
from finplat.lending.models import Loan
from tests import factories
from tests.integration.lending import origination_helpers as origination


async def _pending(db: Database, clock: FrozenClock) -> tuple[int, int]:
    now = clock.now()
    product = await origination.active_product(db, now)
    borrower_id = await origination.borrower(db, now)
    applied = await applications.apply(db, user_id=borrower_id, institution_id=None,
                                       request=origination.request(product["id"]), now=now)
    assert applied["status"] == "pending_review"
    return applied["id"], borrower_id


async def _count(db: Database, model: Any, *where: Any) -> int:
    async with db.transaction(readonly=True) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def _review(db: Database, clock: FrozenClock, application_id: int) -> dict[str, Any]:
    reviewer_id, _l, _p, _s = await factories.make_staff(db, now=clock.now(), role="reviewer")
    return await applications.review(db, application_id=application_id,
                                     reviewer_id=reviewer_id, reviewer_institution_id=None,
                                     approve=True, note=None, now=clock.now())


async def test_withdrawing_is_idempotent_audited_and_stops_the_review(
    db: Database, clock: FrozenClock,
) -> None:
    application_id, borrower_id = await _pending(db, clock)
    first = await applications.withdraw(db, application_id=application_id,
                                        user_id=borrower_id, now=clock.now())
    again = await applications.withdraw(db, application_id=application_id,
                                        user_id=borrower_id, now=clock.now())
    assert first["status"] == again["status"] == "withdrawn"
    topic = "lending.application_withdrawn"
    assert await _count(db, OutboxEvent, OutboxEvent.topic == topic) == 1
    assert await _count(db, AuditRecord, AuditRecord.action == topic) == 1
    with pytest.raises(DomainError) as refused:
        await _review(db, clock, application_id)
    assert refused.value.code == "lending.application_invalid_state"
    assert await _count(db, Loan, Loan.application_id == application_id) == 0


async def test_a_decided_or_foreign_application_cannot_be_withdrawn(
    db: Database, clock: FrozenClock,
) -> None:
    application_id, borrower_id = await _pending(db, clock)
    other = await factories.make_user(db, now=clock.now())
    with pytest.raises(DomainError) as missing:
        await applications.withdraw(db, application_id=application_id, user_id=other,
                                    now=clock.now())
    assert missing.value.code == "lending.application_not_found"
    await _review(db, clock, application_id)
    with pytest.raises(DomainError) as refused:
        await applications.withdraw(db, application_id=application_id, user_id=borrower_id,
                                    now=clock.now())
    assert refused.value.code == "lending.application_not_withdrawable"
    assert refused.value.extra["status"] == "approved"


async def test_withdraw_over_http(client: httpx.AsyncClient, app: Any, db: Database,
                                  clock: FrozenClock) -> None:
    application_id, borrower_id = await _pending(db, clock)
    headers = factories.bearer_for(app, borrower_id)
    url = f"/api/v1/me/loans/applications/{application_id}/withdraw"
    done = await client.post(url, headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert (await client.post(url, headers=headers)).status_code == 200
    other = factories.bearer_for(app, await factories.make_user(db, now=clock.now()))
    assert (await client.post(url, headers=other)).status_code == 404
    decided, owner = await _pending(db, clock)
    await _review(db, clock, decided)
    refused = await client.post(f"/api/v1/me/loans/applications/{decided}/withdraw",
                                headers=factories.bearer_for(app, owner))
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "lending.application_not_withdrawable"


async def test_withdraw_racing_approval_exactly_one_wins(db: Database,
                                                         clock: FrozenClock) -> None:
    for _ in range(3):
        application_id, borrower_id = await _pending(db, clock)
        reviewer_id, _l, _p, _s = await factories.make_staff(db, now=clock.now(),
                                                            role="reviewer")

        async def withdraw(application_id: int = application_id,
                           borrower_id: int = borrower_id) -> str:
            try:
                await applications.withdraw(db, application_id=application_id,
                                            user_id=borrower_id, now=clock.now())
                return "withdrawn"
            except DomainError as error:
                assert error.code == "lending.application_not_withdrawable"
                return "lost"

        async def approve(application_id: int = application_id,
                          reviewer_id: int = reviewer_id) -> str:
            try:
                await applications.review(db, application_id=application_id,
                                          reviewer_id=reviewer_id, reviewer_institution_id=None,
                                          approve=True, note=None, now=clock.now())
                return "approved"
            except DomainError as error:
                assert error.code == "lending.application_invalid_state"
                return "lost"

        results = await asyncio.gather(withdraw(), approve())
        assert sorted(results) in (["approved", "lost"], ["lost", "withdrawn"]), results
        loans = await _count(db, Loan, Loan.application_id == application_id)
        assert loans == (1 if "approved" in results else 0)
