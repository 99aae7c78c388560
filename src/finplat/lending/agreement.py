"""The loan agreement: HTML rendered at disbursement from a versioned template (standard
library ``string.Template``, every value escaped), stored as rendered, its SHA-256 on the loan
and in the audit chain; readable by the borrower, the loan's investors and staff only."""

from __future__ import annotations

import hashlib
import html
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from string import Template
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.identity import queries as identity_queries
from finplat.lending.models import HOLDER_INVESTOR, Agreement, Claim, Loan
from finplat.lending.policy import get_policy
from finplat.lending.schedule import Schedule

# The version new agreements are rendered from; an agreement keeps the version (and the HTML
# and hash) it was issued with. 1: the terms, schedule and provisions; 2: also the prepayment
# fee rate and the early repayment rule (docs/LENDING.md "Early payoff").
TEMPLATE_VERSION = "2"
METHOD_NAMES = {
    "equal_installment": "等额本息 equal installment",
    "equal_principal": "等额本金 equal principal",
    "interest_first": "先息后本 interest first",
    "bullet": "到期一次还本付息 bullet",
}


class AgreementNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("lending.agreement_not_found", "no such loan agreement")


def _template(version: str) -> Template:
    text = resources.files("finplat.lending").joinpath(f"templates/agreement-{version}.html")
    return Template(text.read_text(encoding="utf-8"))


def _yuan(amount_minor: int) -> str:
    yuan, fen = divmod(amount_minor, 100)
    return f"¥{yuan:,}.{fen:02d}"


def _percent(rate: str | Decimal) -> str:
    return f"{float(rate) * 100:.4f}%"


def _bps_percent(bps: int) -> str:
    return f"{bps // 100}.{bps % 100:02d}%"


def render(*, loan: Loan, schedule: Schedule, contract_date: date, borrower_name: str,
           institution_name: str, lenders: list[tuple[str, int]],
           version: str) -> str:
    """The agreement's HTML from template ``version``. ``lenders``: (masked name, principal)
    per claim."""
    e = html.escape
    lender_rows = "\n".join(
        f"<tr><td>{e(name)}</td><td>{_yuan(principal)}</td>"
        f"<td>{principal * 100 / loan.amount_minor:.4f}%</td></tr>"
        for name, principal in lenders)
    schedule_rows = "\n".join(
        f"<tr><td>{i.number}</td><td>{i.due_date.isoformat()}</td><td>{_yuan(i.principal_minor)}"
        f"</td><td>{_yuan(i.interest_minor)}</td><td>{_yuan(loan.installment_fee_minor)}</td>"
        f"<td>{_yuan(i.total_minor + loan.installment_fee_minor)}</td></tr>"
        for i in schedule.installments)
    net = loan.amount_minor - loan.upfront_fee_minor - loan.reserve_contribution_minor
    cap_multiple = get_policy().apr_cap_multiple
    return _template(version).substitute(
        loan_id=loan.id, template_version=e(version), contract_date=contract_date.isoformat(),
        borrower_name=e(borrower_name),
        borrower_kind="企业 company" if loan.borrower_kind == "company" else "个人 individual",
        lender_rows=lender_rows, institution_name=e(institution_name),
        principal=_yuan(loan.amount_minor), term_months=loan.term_months,
        method=e(METHOD_NAMES.get(loan.repayment_method, loan.repayment_method)),
        purpose=e(loan.purpose), annual_rate=_percent(loan.annual_rate),
        apr=_percent(loan.apr), lpr=_percent(loan.lpr_one_year),
        upfront_fee=_yuan(loan.upfront_fee_minor),
        installment_fee=_yuan(loan.installment_fee_minor),
        reserve=_yuan(loan.reserve_contribution_minor), net=_yuan(net),
        penalty_rate=_percent(loan.penalty_daily_rate), grace_days=loan.grace_days,
        schedule_rows=schedule_rows,
        prepayment_fee_rate=_bps_percent(loan.prepayment_fee_rate_bps),
        apr_cap_multiple=cap_multiple,
        apr_cap=_percent(cap_multiple * Decimal(loan.lpr_one_year)),
    )


async def issue(session: AsyncSession, *, loan: Loan, schedule: Schedule, contract_date: date,
                claims: list[tuple[int, int]], borrower_name: str, now: datetime) -> str:
    """Render, store and hash the agreement of ``loan`` (in the disbursement's transaction);
    the hash goes on the loan and into the audit chain. ``claims``: (user id, principal)."""
    version = TEMPLATE_VERSION
    names = await identity_queries.masked_names(session, [user for user, _p in claims])
    institutions = await identity_queries.institution_names(session, [loan.institution_id])
    document = render(
        loan=loan, schedule=schedule, contract_date=contract_date, borrower_name=borrower_name,
        institution_name=institutions.get(loan.institution_id, f"#{loan.institution_id}"),
        lenders=[(names.get(user) or f"#{user}", principal) for user, principal in claims],
        version=version)
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    session.add(Agreement(loan_id=loan.id, template_version=version, sha256=digest,
                          html=document, created_at=now))
    loan.agreement_version, loan.agreement_sha256 = version, digest
    await audit_service.record(
        session, action="lending.agreement_issued", target_type="loan", target_id=loan.id,
        now=now, summary={"sha256": digest, "template_version": version})
    return digest


async def may_read(session: AsyncSession, *, loan: Loan, user_id: int, staff: bool) -> bool:
    """The borrower, an investor holding a claim on the loan, or staff."""
    if staff or loan.borrower_user_id == user_id:
        return True
    held = await session.scalar(
        select(Claim.id).where(Claim.loan_id == loan.id, Claim.holder_kind == HOLDER_INVESTOR,
                               Claim.user_id == user_id).limit(1))
    return held is not None


async def read(db: Database, *, loan_id: int, user_id: int, staff: bool) -> dict[str, Any]:
    """``{"html", "sha256", "template_version"}``; anyone else: not found."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        loan = await session.get(Loan, loan_id)
        if loan is None or not await may_read(session, loan=loan, user_id=user_id, staff=staff):
            raise AgreementNotFound()
        row = await session.scalar(select(Agreement).where(Agreement.loan_id == loan_id))
        if row is None:
            raise AgreementNotFound()
        return {"loan_id": loan_id, "html": row.html, "sha256": row.sha256,
                "template_version": row.template_version, "created_at": row.created_at}

    return await db.run(work, readonly=True)
