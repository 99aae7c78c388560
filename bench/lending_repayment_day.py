"""A repayment day on PostgreSQL: the production collection job against a baseline measured in
the same run.

    .venv/bin/python bench/lending_repayment_day.py [--loans 10000] [--investors 20] [--url ...]

Prints one table:
  a raw set-based SQL insert (``INSERT ... SELECT`` from ``generate_series``, one statement,
  committed) of as many posting rows as the day books, into a copy of ``ledger_posting`` with
  the same columns, constraints, indexes and foreign keys;
  the daily job ``lending.collection`` run by the scheduler for the business date on which
  ``--loans`` loans, each with ``--investors`` investors, have an installment due: every loan's
  borrower wallet locked and read, one receipt per loan with one ledger entry (the borrower's
  wallet debited once, one credit per investor's claim and one to fee revenue, the credits
  computed by the database from the receipts and claims), installments and loans updated,
  one event per receipt and one audit record per chunk.
Rows/s is postings per second; the target is 0.3x of the baseline or better. It never runs as
a test.

The database (``--url`` or ``FINPLAT_BENCH_DATABASE_URL``) has its schema dropped and
re-created; data are seeded with set-based SQL, not through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
from sqlalchemy.engine import make_url

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.money import Money
from finplat.core.scheduler import registry, run_job
from finplat.ledger import service as ledger_service
from finplat.ledger.verify import verify_ledger
from finplat.lending import jobs  # noqa: F401 - registers the daily jobs
from finplat.lending.schedule import build_schedule
from finplat.migrate import upgrade

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_lending"
TARGET = 0.3
SHARE_MINOR = 50_000  # each investor's claim: 500.00
TERM = 12
RATE = "0.100000"
FEE_MINOR = 100
INVESTOR_POOL = 2_000


def _plain(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("bench/lending_repayment_day.py measures PostgreSQL")
    if parsed.database in (None, "test", "postgres"):
        raise SystemExit(f"refusing to empty the database {parsed.database!r}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


_WALLETS = """
INSERT INTO ledger_account (kind, reference, name, normal_balance, currency, owner_user_id,
    debits_must_not_exceed_credits, credits_must_not_exceed_debits, tracks_balance, status,
    debits_posted, credits_posted, debits_pending, credits_pending, version, created_at,
    updated_at)
SELECT 'customer_wallet', 'user:' || g, 'Customer wallet user:' || g, 'credit', 'CNY', g,
       true, false, true, 'open', 0, 0, 0, 0, 0, $3, $3
  FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
_PRODUCT = """
INSERT INTO lending_product (institution_id, created_by_user_id, name, borrower_kind, currency,
    min_amount_minor, max_amount_minor, term_months, min_annual_rate, max_annual_rate,
    repayment_methods, service_fee_kind, service_fee_rate, penalty_daily_rate, grace_days,
    reserve_rate, funding_window_days, status, version, created_at, updated_at)
VALUES (1, 1, 'bench', 'both', 'CNY', 100000, 100000000, '[12]', '0.060000', '0.150000',
        '["equal_installment"]', 'per_installment', '0.000100', '0.000300', 3, '0.000000', 7,
        'active', 1, $1, $1) RETURNING id
"""
_APPLICATIONS = """
INSERT INTO lending_application (user_id, borrower_kind, institution_id, product_id,
    amount_minor, currency, term_months, repayment_method, purpose, declared, status, scorer,
    model_version, decision_inputs, score, grade, limit_minor, annual_rate, reasons,
    refusal_code, apr, lpr_one_year, created_at, updated_at)
SELECT g, 'individual', NULL, $3, $4, 'CNY', 12, 'equal_installment', 'bench', '', 'approved',
       'rules', '1', '', 700, 'B', $4, $5, '[]', NULL, $5, '0.030000', $6, $6
  FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
_LOANS = """
INSERT INTO lending_loan (application_id, product_id, borrower_user_id, borrower_kind,
    institution_id, amount_minor, currency, term_months, repayment_method, annual_rate, grade,
    risk_level, purpose, service_fee_kind, upfront_fee_minor, installment_fee_minor,
    reserve_contribution_minor, penalty_daily_rate, grace_days, apr, lpr_one_year, status,
    listed_at, funding_ends_at, funded_minor, bid_count, disbursed_at, start_date,
    principal_outstanding_minor, bucket, days_past_due, version, created_at, updated_at)
SELECT a.id, a.product_id, a.user_id, 'individual', 1, a.amount_minor, 'CNY', 12,
       'equal_installment', a.annual_rate, 'B', 'R3', 'bench', 'per_installment', 0, $2, 0,
       '0.000300', 3, a.apr, '0.030000', 'disbursed', $1, $1, a.amount_minor, $3, $1, $4,
       a.amount_minor, 'current', 0, 1, $1, $1
  FROM lending_application a ORDER BY a.id
"""
# Investor k of loan l: one of the pool, distinct within the loan.
_CLAIMS = """
INSERT INTO lending_claim (loan_id, holder_kind, user_id, principal_minor, account_id,
    transferred_at, created_at, updated_at)
SELECT c.loan_id, 'investor', c.user_id, $4, w.id, NULL, $5, $5
  FROM (SELECT l.id AS loan_id, k, $1 + (l.id + k * ($2 / $3)) % $2 AS user_id
          FROM lending_loan l CROSS JOIN generate_series(0, $3 - 1) AS k) AS c
  JOIN ledger_account w ON w.kind = 'customer_wallet' AND w.reference = 'user:' || c.user_id
 ORDER BY c.loan_id, c.k
"""
_INSTALLMENTS = """
INSERT INTO lending_installment (loan_id, number, due_date, principal_minor, interest_minor,
    fee_minor, penalty_minor, paid_principal_minor, paid_interest_minor, paid_fee_minor,
    paid_penalty_minor, status, penalty_accrued_through, compensated_at, paid_at, version,
    updated_at)
SELECT l.id, s.number, s.due_date, s.principal, s.interest, $2, 0, 0, 0, 0, 0, 'scheduled',
       NULL, NULL, NULL, 1, $1
  FROM lending_loan l
  CROSS JOIN unnest($3::int[], $4::date[], $5::bigint[], $6::bigint[])
       AS s(number, due_date, principal, interest)
 ORDER BY l.id, s.number
"""
_RAW_POSTINGS = """
INSERT INTO bench_posting (entry_id, account_id, direction, amount_minor, pending,
                           balance_after_minor, account_version, created_at)
SELECT $1, a.id, 'credit', 1000, false, 1000, 1, now()
  FROM generate_series(1, $2) AS g
  JOIN ledger_account a ON a.id = 1 + g % $3
"""


async def _reset(url: str) -> None:
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def _seed(connection: asyncpg.Connection, *, loans: int, investors: int, start: date,
                now: datetime) -> tuple[int, int]:
    """Borrowers 1..loans, investors after them; returns (principal, first installment due)."""
    principal = investors * SHARE_MINOR
    plan = build_schedule(principal_minor=principal, annual_rate=Decimal(RATE),
                          term_months=TERM, method="equal_installment", start_date=start)
    await connection.execute(_WALLETS, 1, loans + INVESTOR_POOL, now)
    product_id = await connection.fetchval(_PRODUCT, now)
    await connection.execute(_APPLICATIONS, 1, loans, product_id, principal, RATE, now)
    await connection.execute(_LOANS, now, FEE_MINOR, investors, start)
    await connection.execute(_CLAIMS, loans + 1, INVESTOR_POOL, investors, SHARE_MINOR, now)
    rows = plan.installments
    await connection.execute(_INSTALLMENTS, now, FEE_MINOR, [r.number for r in rows],
                             [r.due_date for r in rows], [r.principal_minor for r in rows],
                             [r.interest_minor for r in rows])
    await connection.execute("CREATE TABLE bench_posting (LIKE ledger_posting INCLUDING ALL);"
                             "ALTER TABLE bench_posting ADD FOREIGN KEY (entry_id) REFERENCES "
                             "ledger_entry (id), ADD FOREIGN KEY (account_id) REFERENCES "
                             "ledger_account (id)")
    await connection.execute("ANALYZE")
    return principal, rows[0].total_minor + FEE_MINOR


async def _fund_borrowers(db: Database, *, loans: int, amount_minor: int, now: datetime) -> None:
    """Each borrower's wallet holds the installment (a real entry: the ledger verifies)."""
    for first in range(1, loans + 1, 2_500):
        last = min(first + 2_500, loans + 1)

        async def work(session, first=first, last=last):  # type: ignore[no-untyped-def]
            cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
            wallets = await ledger_service.wallets_of(session, list(range(first, last)))
            await ledger_service.transfer_to_many(
                session, source_type="bench_funding", source_id=str(first), code="deposit",
                debit_account_id=cash, now=now,
                credits=[(wallets[u], Money(amount_minor)) for u in range(first, last)])

        await db.run(work)


def _row(name: str, rows: int, seconds: float, baseline: float | None) -> tuple[str, ...]:
    rate = rows / seconds
    ratio = "baseline" if baseline is None else f"{rate / baseline:.2f}x"
    return name, f"{rows:,}", f"{seconds * 1000:,.0f}", f"{rate:,.0f}", ratio


def _print(rows: list[tuple[str, ...]]) -> None:
    header = ("workload", "postings", "ms", "postings/s", "vs baseline")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for index, row in enumerate([header, *rows]):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


async def main(url: str, loans: int, investors: int) -> None:
    await _reset(url)
    await asyncio.to_thread(upgrade, url)
    now = datetime.now(UTC)
    start = date(2026, 1, 15)
    connection = await asyncpg.connect(_plain(url))
    db = Database(url, pool_size=2, statement_timeout_ms=120_000)
    try:
        _principal, due_minor = await _seed(connection, loans=loans, investors=investors,
                                            start=start, now=now)
        await _fund_borrowers(db, loans=loans, amount_minor=due_minor, now=now)
        day = start + timedelta(days=31)
        postings = loans * (investors + 2)
        entry_id = await connection.fetchval("SELECT min(id) FROM ledger_entry")
        started = time.perf_counter()
        async with connection.transaction():
            await connection.execute(_RAW_POSTINGS, entry_id, postings, loans + INVESTOR_POOL)
        raw = time.perf_counter() - started
        job = next(j for j in registry.ordered() if j.name == "lending.collection")
        started = time.perf_counter()
        outcome = await run_job(db, job, day=day, clock=FrozenClock(now))
        collecting = time.perf_counter() - started
        assert outcome.status == "done", outcome
        made = await connection.fetchval("SELECT count(*) FROM lending_receipt")
        booked = await connection.fetchval(
            "SELECT count(*) FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id "
            "WHERE e.source_type = 'lending_receipt'")
        assert made == loans and booked == postings, (made, booked)
        async with db.transaction(readonly=True) as session:
            report = await verify_ledger(session)
    finally:
        await connection.close()
        await db.dispose()
    baseline = postings / raw
    _print([
        _row("raw INSERT ... SELECT of posting rows", postings, raw, None),
        _row(f"repayment day: {loans:,} loans x {investors} investors (lending.collection)",
             booked, collecting, baseline),
    ])
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\ntarget {TARGET}x or better; load average {load}; {os.cpu_count()} CPUs; "
          f"ledger verify: {'ok' if report.ok else report.problems[:3]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--investors", type=int, default=20)
    parser.add_argument("--url", default=os.environ.get("FINPLAT_BENCH_DATABASE_URL",
                                                        DEFAULT_URL))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.loans, arguments.investors))
