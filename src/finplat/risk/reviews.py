"""A risk officer's decision on a payout held for review (a withdrawal, or a loan disbursement):
released (the withdrawal goes to its channel; the loan is paid out) or refused (its holds
voided), exactly once. The review row is changed with a guarded UPDATE
(``pending`` -> the decision) in the same transaction as the payout itself, so of two officers
deciding at once one wins and the other gets ``risk.review_decided``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound
from finplat.events import service as events_service
from finplat.lending import disbursement
from finplat.payment import handover
from finplat.payment import review as payment_review
from finplat.payment.channels import ChannelRegistry
from finplat.risk import rules
from finplat.risk.events import PayoutRefused, PayoutReleased
from finplat.risk.models import RiskReview
from finplat.risk.service import PENDING, REASONS

RELEASED, REFUSED = "released", "refused"
WITHDRAWAL = "withdrawal"
LOAN_DISBURSEMENT = disbursement.REVIEW_KIND
Decision = Literal["release", "refuse"]
# What a borrower whose loan's payout waits is told (never naming a rule or a list).
DISBURSEMENT_REASON = (
    "您的借款已满标，放款前需要风控人员审核，审核期间出借人的资金保持冻结，通常在一个工作日内完成。",
    "Your loan is fully funded; our risk team checks it before paying it out, and the lenders' "
    "money stays reserved meanwhile, usually for no more than one business day.",
)


def review_view(review: RiskReview) -> dict[str, Any]:
    return {"id": review.id, "kind": review.kind, "subject_id": review.subject_id,
            "user_id": review.user_id, "amount_minor": review.amount_minor,
            "currency": review.currency, "rule_codes": list(review.rule_codes),
            "status": review.status, "decided_by": review.decided_by,
            "decided_at": review.decided_at, "decision_note": review.decision_note,
            "created_at": review.created_at}


async def _decide(session: AsyncSession, *, review_id: int, decision: Decision,
                  officer_id: int, note: str, now: datetime) -> tuple[RiskReview, dict[str, Any]]:
    review = await session.get(RiskReview, review_id)
    if review is None:
        raise NotFound("risk.review_not_found", "no such review")
    status = RELEASED if decision == "release" else REFUSED
    result = await session.execute(
        update(RiskReview).where(RiskReview.id == review_id, RiskReview.status == PENDING)
        .values(status=status, decided_by=officer_id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("risk.review_decided", "this payout was already decided")
    await session.refresh(review)
    payout = await _apply(session, review, decision=decision, officer_id=officer_id, note=note,
                          now=now)
    event: PayoutReleased | PayoutRefused
    if decision == "release":
        event = PayoutReleased(review_id=review.id, kind=review.kind,
                               subject_id=review.subject_id, user_id=review.user_id)
    else:
        event = PayoutRefused(review_id=review.id, kind=review.kind,
                              subject_id=review.subject_id, user_id=review.user_id)
    await events_service.record(session, event, target_type="risk_review", target_id=review.id,
                                now=now, actor_id=officer_id, summary={"note": note})
    return review, payout


async def _apply(session: AsyncSession, review: RiskReview, *, decision: Decision,
                 officer_id: int, note: str, now: datetime) -> dict[str, Any]:
    """The decision on the held payout itself, by the review's kind: a withdrawal (payment) or
    a loan disbursement (lending), in the review's transaction."""
    if review.kind == LOAN_DISBURSEMENT:
        if decision == "release":
            return await disbursement.release_held(session, loan_id=review.subject_id, now=now)
        return await disbursement.refuse_held(session, loan_id=review.subject_id, now=now)
    if decision == "release":
        return await payment_review.release_held_withdrawal(
            session, withdrawal_id=review.subject_id, actor_id=officer_id, now=now)
    return await payment_review.refuse_held_withdrawal(
        session, withdrawal_id=review.subject_id, reason=f"refused by risk review: {note}",
        now=now)


async def decide(*, db: Database, channels: ChannelRegistry, review_id: int,
                 decision: Decision, officer_id: int, note: str,
                 now: datetime) -> dict[str, Any]:
    """Release or refuse a held payout: a withdrawal (a released one is handed to its channel
    after the commit) or a loan disbursement (paid out, or every bid's hold voided, in the
    review's transaction). Raises ``NotFound('risk.review_not_found')``,
    ``Conflict('risk.review_decided')``."""

    async def work(session: AsyncSession) -> tuple[dict[str, Any], dict[str, Any]]:
        review, payout = await _decide(session, review_id=review_id, decision=decision,
                                       officer_id=officer_id, note=note, now=now)
        return review_view(review), payout

    view, payout = await db.run(work)
    if decision == "release" and view["kind"] == WITHDRAWAL:
        await handover.submit_withdrawal(db=db, channels=channels, user_id=view["user_id"],
                                         withdrawal=payout, now=now)
    return view


async def pending(session: AsyncSession, *, after_id: int | None,
                  limit: int) -> list[RiskReview]:
    query = select(RiskReview).where(RiskReview.status == PENDING).order_by(RiskReview.id)
    if after_id is not None:
        query = query.where(RiskReview.id > after_id)
    return list((await session.scalars(query.limit(limit))).all())


async def of_user(session: AsyncSession, *, user_id: int, language: str) -> list[dict[str, Any]]:
    """A customer's payouts waiting for review, with the reason in their language."""
    rows = (await session.scalars(select(RiskReview).where(
        RiskReview.user_id == user_id, RiskReview.status == PENDING)
        .order_by(RiskReview.id.desc()).limit(100))).all()
    kinds = {code: kind for code, (kind, _s, _p) in rules.BUILT_IN.items()}
    found = []
    for row in rows:
        zh, en = REASONS.get(kinds.get(row.rule_codes[0], ""), REASONS["hold_amount"])
        if row.kind == LOAN_DISBURSEMENT:  # the same words whichever rule held it
            zh, en = DISBURSEMENT_REASON
        found.append({"kind": row.kind, "subject_id": row.subject_id,
                      "amount_minor": row.amount_minor, "created_at": row.created_at,
                      "reason": zh if language.startswith("zh") else en})
    return found
