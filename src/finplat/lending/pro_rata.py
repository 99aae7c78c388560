"""A receipt split to its loan's claims pro rata, in the database: the largest-remainder split
of ``allocation.split_receipt`` (``core.money.allocate``) in integer fen with window functions,
and the ledger credits built from it (one per claim with a share, then the fee). The same SQL on
SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.statements import int_div
from finplat.lending.models import HOLDER_RESERVE, RECEIPT_RECOVERY
from finplat.lending.tables import CLAIM, RECEIPT

# The fee's credit comes after the claims' in its entry (claims are keyed by their id).
_FEE_KEY = 2**62


@dataclass(frozen=True, slots=True)
class Holders:
    """A loan's active claims, summed: how many, their principal, whether the reserve holds
    one (its receipts are recoveries)."""

    count: int
    principal_minor: int
    reserve: bool


async def holders_of(session: AsyncSession, loan_ids: Sequence[int]) -> dict[int, Holders]:
    """loan id -> its active claims summed (one aggregate query: the claims themselves are
    read by the database when the receipts are split)."""
    c = CLAIM.c
    rows = await session.execute(
        select(c.loan_id, func.count(), func.sum(c.principal_minor),
               func.max(case((c.holder_kind == HOLDER_RESERVE, 1), else_=0)))
        .where(c.loan_id.in_(sorted(set(loan_ids))), c.transferred_at.is_(None))
        .group_by(c.loan_id))
    return {int(row[0]): Holders(int(row[1]), int(row[2]), bool(row[3])) for row in rows}


def shares(receipt_ids: Sequence[int], loan_ids: Sequence[int]) -> Subquery:
    """Each receipt's holders' part split to its loan's active claims, in the database
    (``split``). Columns: receipt_id, source, claim_id, account_id (the holder's ledger
    account), penalty_minor, interest_minor, principal_minor. ``loan_ids``: the receipts' loans
    (their claims are then found by the loan index whatever the planner believes of the
    tables)."""
    r, c = RECEIPT.c, CLAIM.c
    return split(
        select(r.id.label("receipt_id"), r.source, c.id.label("claim_id"), c.account_id,
               c.principal_minor.label("weight"),
               *(r[f"{part}_minor"].label(f"a_{part}") for part in _SPLIT))
        .join_from(RECEIPT, CLAIM, and_(c.loan_id.in_(sorted(set(loan_ids))),
                                        c.loan_id == r.loan_id, c.transferred_at.is_(None)))
        .where(r.id.in_(sorted(receipt_ids)))
        .subquery("base"), carried=("source", "account_id"))


async def received(session: AsyncSession,
                   claim_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """claim id -> (principal, interest, penalty) it received, summed from its loan's receipts
    when read, each split as it was booked (``split``): an investor's claim shares every
    receipt but the recoveries (the payments booked while it was active, and the reserve's
    compensation when it took the claim over) with the loan's other investors' claims; the
    reserve's claim receives its recoveries whole. Nothing is written per claim when a
    payment is booked."""
    if not claim_ids:
        return {}
    r, c = RECEIPT.c, CLAIM.c
    loans = select(c.loan_id).where(c.id.in_(sorted(set(claim_ids)))).scalar_subquery()
    recovery = r.kind == RECEIPT_RECOVERY
    base = (select(r.id.label("receipt_id"), c.id.label("claim_id"),
                   c.principal_minor.label("weight"),
                   *(r[f"{part}_minor"].label(f"a_{part}") for part in _SPLIT))
            .join_from(RECEIPT, CLAIM, and_(
                c.loan_id == r.loan_id,
                or_(and_(c.holder_kind == HOLDER_RESERVE, recovery),
                    and_(c.holder_kind != HOLDER_RESERVE, r.kind != RECEIPT_RECOVERY))))
            .where(r.loan_id.in_(loans))
            .subquery("base"))
    s = split(base).c
    rows = await session.execute(
        select(s.claim_id, func.sum(s.principal_minor), func.sum(s.interest_minor),
               func.sum(s.penalty_minor))
        .where(s.claim_id.in_(sorted(set(claim_ids)))).group_by(s.claim_id))
    found = {int(row[0]): (int(row[1]), int(row[2]), int(row[3])) for row in rows}
    return {claim_id: found.get(claim_id, (0, 0, 0)) for claim_id in claim_ids}


def split(base: Subquery, *, carried: Sequence[str] = ()) -> Subquery:
    """``allocation.split_receipt`` (``core.money.allocate``) in SQL, for every receipt of
    ``base`` at once: one row per (receipt, claim), columns ``receipt_id``, ``claim_id``,
    ``weight`` (the claim's principal), ``a_penalty``, ``a_interest``, ``a_principal`` (the
    receipt's parts), and the ``carried`` ones. Per part, each claim gets the floor of
    ``amount × weight / Σ weights`` in integer fen, and the fen left over go one each to the
    claims with the largest remainders, ties to the lower claim id (window functions: the
    weights' sum, the floors' sum and the rank of each remainder within the receipt). Columns:
    ``receipt_id``, ``claim_id``, the carried ones, ``penalty_minor``, ``interest_minor``,
    ``principal_minor``. The same SQL on SQLite, PostgreSQL and MariaDB."""
    b = base.c
    # A whole number, not PostgreSQL's numeric sum (a division by it would be exact).
    whole = sql_cast(func.sum(b.weight).over(partition_by=b.receipt_id), BigInteger)
    weighed = select(*base.c, whole.label("whole")).subquery("weighed")
    w = weighed.c
    ranked_columns: list[Any] = []
    for part in _SPLIT:
        product = w[f"a_{part}"] * w.weight
        floor = int_div(product, w.whole)
        ranked_columns += [
            floor.label(f"f_{part}"),
            func.sum(floor).over(partition_by=w.receipt_id).label(f"s_{part}"),
            func.row_number().over(partition_by=w.receipt_id,
                                   order_by=((product % w.whole).desc(), w.claim_id))
            .label(f"n_{part}")]
    keep = ("receipt_id", "claim_id", *carried)
    ranked = select(*(w[name] for name in keep), *(w[f"a_{part}"] for part in _SPLIT),
                    *ranked_columns).subquery("ranked")
    k = ranked.c
    return select(*(k[name] for name in keep), *(
        (k[f"f_{part}"] + case((k[f"n_{part}"] <= k[f"a_{part}"] - k[f"s_{part}"], 1),
                               else_=0)).label(f"{part}_minor")
        for part in _SPLIT)).subquery("share")


_SPLIT = ("penalty", "interest", "principal")


def credits(split: Subquery, receipt_ids: Sequence[int], *, fee_account: int) -> CompoundSelect:
    """The entries' credits: each claim's share (to the account the claim names: the
    investor's wallet, or the reserve), then the fee to fee revenue; none of nothing."""
    s, r = split.c, RECEIPT.c
    amount = s.penalty_minor + s.interest_minor + s.principal_minor
    holders = select(s.source.label("source_id"), s.claim_id.label("key"),
                     s.account_id.label("account_id"),
                     amount.label("amount_minor")).where(amount > 0)
    fees = select(r.source, literal(_FEE_KEY, BigInteger), literal(fee_account, BigInteger),
                  r.fee_minor).where(r.id.in_(sorted(receipt_ids)), r.fee_minor > 0)
    return union_all(holders, fees)


def accounts(loan_ids: Sequence[int], *, fee_account: int) -> CompoundSelect:
    """Every account the credits of the loans' receipts may name: their active claims'
    accounts and fee revenue (read from the claims, without splitting anything)."""
    c = CLAIM.c
    return union_all(
        select(c.account_id).where(c.loan_id.in_(sorted(set(loan_ids))),
                                   c.transferred_at.is_(None)),
        select(literal(fee_account, BigInteger)))
