"""Set-based bulk work on PostgreSQL, each against a baseline measured in the same run.

    .venv/bin/python bench/bulk.py [--holdings 10000] [--accrual-holdings 100000]
                                   [--orders 10000] [--url ...]

Prints one table:
  raise settlement of one product with ``--orders`` pending orders (``investment.settlement
  .drain``: each order's hold posted to the product's escrow, a holding started and an event
  per order, an audit record per chunk, the raised money moved on to the institution) vs a raw
  set-based SQL insert of the same number of posting rows (two per order);
  maturity payout of one product with ``--holdings`` holdings (``investment.payout
  .pay_product``: accrual check, one ledger entry per chunk crediting every wallet, holdings
  marked paid, an event per holding and an audit record per chunk) vs a raw set-based SQL
  insert of the same number of posting rows;
  daily accrual over ``--accrual-holdings`` holdings (``investment.accrual.accrue_day``) vs a
  raw set-based SQL insert of the same number of accrual rows.
The raw inserts go into copies of ``ledger_posting`` / ``investment_accrual`` with the same
columns, constraints, indexes and foreign keys, one statement each (``INSERT ... SELECT`` from
``generate_series``), committed. Targets: 0.3x or better. It never runs as a test.

The database (``FINPLAT_BENCH_DATABASE_URL``, default ``.../bench_bulk``) is dropped and
re-created; data are seeded with set-based SQL, not through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy.engine import make_url

from finplat.core.clock import business_date
from finplat.core.db import Database
from finplat.core.money import Money
from finplat.investment import accrual, payout, settlement
from finplat.ledger import service as ledger_service
from finplat.ledger.verify import verify_ledger
from finplat.migrate import upgrade
from finplat.product import service as product_service

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_bulk"
TARGET = 0.3
PRINCIPAL_MINOR = 100_000
RATE = "0.036500"
TERM_DAYS = 30
ACCRUED_MINOR = 300  # 100,000 fen at 3.65% for 30 days, exactly


def _plain(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("bench/bulk.py measures PostgreSQL")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def _recreate(url: str) -> None:
    parsed = make_url(url)
    if parsed.database in (None, "test", "postgres"):
        raise SystemExit(f"refusing to drop the database {parsed.database!r}")
    admin = await asyncpg.connect(_plain(str(parsed.set(database="postgres"))))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


_PRODUCT = """
INSERT INTO product_product (
    institution_id, created_by_user_id, name, product_type, risk_level, annual_rate, term_days,
    currency, min_amount_minor, step_amount_minor, max_per_investor_minor, raise_target_minor,
    raise_cap_minor, raise_start_at, raise_end_at, yield_start_rule, qualified_only, status,
    sold_minor, order_count, raise_closed_at, value_date, maturity_date, orders_settled_at,
    funds_transferred_at, version, created_at, updated_at)
VALUES (1, 1, $1, 'fixed_income', 'R2', $2, $3, 'CNY', 100, 100, $4, $4, $4, $5, $5,
        'day_after_raise_end', false, 'running', $4, $6, $5, $7, $8, $5, $5, 1, $5, $5)
RETURNING id
"""

# Wallets, orders and holdings for users first_user .. first_user + count - 1, one statement each.
_WALLETS = """
INSERT INTO ledger_account (kind, reference, name, normal_balance, currency, owner_user_id,
    debits_must_not_exceed_credits, credits_must_not_exceed_debits, tracks_balance, status,
    debits_posted, credits_posted, debits_pending, credits_pending, version, created_at,
    updated_at)
SELECT 'customer_wallet', 'user:' || g, 'Customer wallet user:' || g, 'credit', 'CNY', g,
       true, false, true, 'open', 0, 0, 0, 0, 0, $3, $3
  FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
_ORDERS = """
INSERT INTO investment_order (user_id, product_id, amount_minor, currency, status, hold_id,
    coupon_id, coupon_kind, cashback_minor, rate_boost_bps, disclosure_version,
    investor_risk_level, risk_mismatch_acknowledged, created_at, updated_at, closed_at)
SELECT g, $3, $4, 'CNY', 'confirmed', NULL, NULL, NULL, 0, 0, 1, 'C3', false, $5, $5, $5
  FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
_HOLDINGS = """
INSERT INTO investment_holding (order_id, user_id, product_id, principal_minor, currency,
    annual_rate, rate_boost_bps, value_date, maturity_date, term_days, accrued_days,
    accrued_minor, status, created_at, updated_at)
SELECT o.id, o.user_id, o.product_id, o.amount_minor, 'CNY', $2, 0, $3, $4, $5, $6, $7,
       'accruing', $8, $8
  FROM investment_order o WHERE o.product_id = $1 ORDER BY o.id
"""


async def _seed_product(connection: asyncpg.Connection, *, name: str, holdings: int,
                        first_user: int, value: date, accrued: bool, now: datetime) -> int:
    """A running product with ``holdings`` holdings (fully accrued or not), one per user."""
    product_id = await connection.fetchval(
        _PRODUCT, name, RATE, TERM_DAYS, holdings * PRINCIPAL_MINOR, now, holdings, value,
        value + timedelta(days=TERM_DAYS))
    await connection.execute(_WALLETS, first_user, holdings, now)
    await connection.execute(_ORDERS, first_user, holdings, product_id, PRINCIPAL_MINOR, now)
    await connection.execute(
        _HOLDINGS, product_id, RATE, value, value + timedelta(days=TERM_DAYS), TERM_DAYS,
        TERM_DAYS if accrued else 0, ACCRUED_MINOR if accrued else 0, now)
    await connection.execute("ANALYZE")
    return int(product_id)


_RAISE_ORDERS = """
INSERT INTO investment_order (user_id, product_id, amount_minor, currency, status, hold_id,
    coupon_id, coupon_kind, cashback_minor, rate_boost_bps, disclosure_version,
    investor_risk_level, risk_mismatch_acknowledged, created_at, updated_at, closed_at)
SELECT g, $3, $4, 'CNY', 'pending', NULL, NULL, NULL, 0, 0, 1, 'C3', false, $5, $5, NULL
  FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
# Each order's wallet funded by one entry from custody cash, then its hold (entry, pending
# postings, hold row) as ``ledger_service.hold`` writes it, the wallets' totals to match.
# Parameters: $1 product, $2 amount, $3 now, $4 custody cash or the escrow account.
_RAISE_FUNDING = """
INSERT INTO ledger_entry (source_type, source_id, code, entry_type, metadata, created_at)
VALUES ('bench_funding', 'raise', 'deposit', 'transfer', '{}', $1)
"""
_RAISE_FUNDING_DEBIT = """
INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
    balance_after_minor, account_version, created_at)
SELECT e.id, $4, 'debit', $2 * count(*), false, NULL, NULL, $3
  FROM ledger_entry e, investment_order o
 WHERE e.source_type = 'bench_funding' AND e.source_id = 'raise' AND o.product_id = $1
 GROUP BY e.id
"""
_RAISE_FUNDING_CREDITS = """
INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
    balance_after_minor, account_version, created_at)
SELECT e.id, w.id, 'credit', $2, false, $2, 1, $3
  FROM ledger_entry e, investment_order o
  JOIN ledger_account w ON w.kind = 'customer_wallet' AND w.reference = 'user:' || o.user_id
 WHERE e.source_type = 'bench_funding' AND e.source_id = 'raise' AND o.product_id = $1
 ORDER BY o.id
"""
_RAISE_HOLD_ENTRIES = """
INSERT INTO ledger_entry (source_type, source_id, code, entry_type, metadata, reference,
    created_at)
SELECT 'investment_order', o.id::text, 'invest', 'hold', jsonb_build_object('order_id', o.id),
       'product:' || $1::bigint, $2
  FROM investment_order o WHERE o.product_id = $1 ORDER BY o.id
"""
_RAISE_HOLD_POSTINGS = """
INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
    balance_after_minor, account_version, created_at)
SELECT e.id, leg.account_id, leg.direction, $2, true, leg.balance, leg.version, $3
  FROM investment_order o
  JOIN ledger_account w ON w.kind = 'customer_wallet' AND w.reference = 'user:' || o.user_id
  JOIN ledger_entry e ON e.source_type = 'investment_order' AND e.source_id = o.id::text
 CROSS JOIN LATERAL (VALUES (0, w.id, 'debit', $2::bigint, 2::bigint),
                            (1, $4::bigint, 'credit', NULL, NULL))
       AS leg (n, account_id, direction, balance, version)
 WHERE o.product_id = $1 ORDER BY o.id, leg.n
"""
_RAISE_HOLDS = """
INSERT INTO ledger_hold (entry_id, debit_account_id, credit_account_id, amount_minor,
    posted_minor, status, code, created_at)
SELECT e.id, w.id, $4, $2, 0, 'open', 'invest', $3
  FROM investment_order o
  JOIN ledger_account w ON w.kind = 'customer_wallet' AND w.reference = 'user:' || o.user_id
  JOIN ledger_entry e ON e.source_type = 'investment_order' AND e.source_id = o.id::text
 WHERE o.product_id = $1 ORDER BY o.id
"""
_RAISE_ORDER_HOLDS = """
UPDATE investment_order o SET hold_id = h.id
  FROM ledger_entry e JOIN ledger_hold h ON h.entry_id = e.id
 WHERE e.source_type = 'investment_order' AND e.source_id = o.id::text AND o.product_id = $1
"""
# The investors have earned points before (a first award creates the points account, one
# statement set per investor, in marketing; see docs/PERFORMANCE.md).
_RAISE_POINTS = """
INSERT INTO marketing_points_account (user_id, balance_points, earned_points, spent_points,
    updated_at)
SELECT g, 0, 0, 0, $3 FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
"""
_RAISE_WALLETS = """
UPDATE ledger_account w SET credits_posted = $2, debits_pending = $2, version = 2
  FROM investment_order o
 WHERE w.kind = 'customer_wallet' AND w.reference = 'user:' || o.user_id AND o.product_id = $1
"""


async def _seed_raise(db: Database, connection: asyncpg.Connection, *, orders: int,
                      first_user: int, value: date, now: datetime) -> int:
    """A raised product (target met, raise closed) whose ``orders`` orders still hold their
    money, one per user, as placing them would have left them."""
    product_id = await connection.fetchval(
        _PRODUCT, "raise", RATE, TERM_DAYS, orders * PRINCIPAL_MINOR, now, orders, value,
        value + timedelta(days=TERM_DAYS))
    await connection.execute(
        "UPDATE product_product SET status = 'raised', orders_settled_at = NULL, "
        "funds_transferred_at = NULL WHERE id = $1", product_id)
    await connection.execute(_WALLETS, first_user, orders, now)
    await connection.execute(_RAISE_ORDERS, first_user, orders, product_id, PRINCIPAL_MINOR, now)
    await connection.execute(_RAISE_POINTS, first_user, orders, now)

    async def accounts(session):  # type: ignore[no-untyped-def]
        cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
        escrow = await ledger_service.account_for(
            session, kind=ledger_service.PRODUCT_ESCROW, reference=f"product:{product_id}",
            now=now)
        return cash, escrow

    cash, escrow = await db.run(accounts)
    amount = PRINCIPAL_MINOR
    async with connection.transaction():
        await connection.execute(_RAISE_FUNDING, now)
        await connection.execute(_RAISE_FUNDING_DEBIT, product_id, amount, now, cash)
        await connection.execute(_RAISE_FUNDING_CREDITS, product_id, amount, now)
        await connection.execute(_RAISE_HOLD_ENTRIES, product_id, now)
        await connection.execute(_RAISE_HOLD_POSTINGS, product_id, amount, now, escrow)
        await connection.execute(_RAISE_HOLDS, product_id, amount, now, escrow)
        await connection.execute(_RAISE_ORDER_HOLDS, product_id)
        await connection.execute(_RAISE_WALLETS, product_id, amount)
    await connection.execute("ANALYZE")
    return int(product_id)


async def _fund_settlement(db: Database, *, amount_minor: int, now: datetime) -> None:
    """The institution's settlement account holds what the payout needs (from custody cash)."""
    async def work(session):  # type: ignore[no-untyped-def]
        cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
        account = await ledger_service.account_for(
            session, kind=ledger_service.INSTITUTION_SETTLEMENT, reference="institution:1",
            now=now)
        await ledger_service.transfer(
            session, source_type="bench_funding", source_id="1", code="settlement_funding",
            debit_account_id=cash, credit_account_id=account, amount=Money(amount_minor),
            now=now)

    await db.run(work)


_RAW_POSTINGS = """
INSERT INTO bench_posting (entry_id, account_id, direction, amount_minor, pending,
                           balance_after_minor, account_version, created_at)
SELECT $1, a.id, 'credit', $2, false, $2, 1, now()
  FROM ledger_account a WHERE a.kind = 'customer_wallet' ORDER BY a.id LIMIT $3
"""
_RAW_ACCRUALS = """
INSERT INTO bench_accrual (holding_id, product_id, business_date, days_before, days_after,
                           amount_minor, created_at)
SELECT h.id, h.product_id, $2, 0, 6, 60, now()
  FROM investment_holding h WHERE h.product_id = $1 ORDER BY h.id
"""


async def _copies(connection: asyncpg.Connection) -> None:
    """Tables shaped like the real ones (columns, checks, indexes, foreign keys)."""
    await connection.execute("""
        CREATE TABLE bench_posting (LIKE ledger_posting INCLUDING ALL);
        ALTER TABLE bench_posting ADD FOREIGN KEY (entry_id) REFERENCES ledger_entry (id),
                                  ADD FOREIGN KEY (account_id) REFERENCES ledger_account (id);
        CREATE TABLE bench_accrual (LIKE investment_accrual INCLUDING ALL);
        ALTER TABLE bench_accrual ADD FOREIGN KEY (holding_id) REFERENCES investment_holding (id);
    """)


async def _timed_raw(connection: asyncpg.Connection, statement: str, *args: object) -> tuple[
        float, int]:
    started = time.perf_counter()
    async with connection.transaction():
        status = await connection.execute(statement, *args)
    return time.perf_counter() - started, int(status.split()[-1])


def _row(name: str, rows: int, seconds: float, baseline: float | None) -> tuple[str, ...]:
    rate = rows / seconds
    ratio = "baseline" if baseline is None else f"{rate / baseline:.2f}x"
    return name, f"{rows:,}", f"{seconds * 1000:,.0f}", f"{rate:,.0f}", ratio


def _print(rows: list[tuple[str, ...]]) -> None:
    header = ("workload", "rows", "ms", "rows/s", "vs baseline")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for index, row in enumerate([header, *rows]):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


async def _quiet(connection: asyncpg.Connection) -> None:
    """Each workload starts from a settled database: the previous one's dead rows vacuumed and
    its pages written (otherwise autovacuum and the checkpoint it triggers run during the next
    workload, which pays for them)."""
    await connection.execute("VACUUM ANALYZE")
    await connection.execute("CHECKPOINT")


async def _pay(db: Database, connection: asyncpg.Connection, *, product_id: int, holdings: int,
               today: date, now: datetime) -> tuple[float, int, float]:
    await _quiet(connection)
    entry_id = await connection.fetchval("SELECT min(id) FROM ledger_entry")
    raw, rows = await _timed_raw(connection, _RAW_POSTINGS, entry_id, PRINCIPAL_MINOR,
                                 holdings + 1)
    started = time.perf_counter()
    outcome = await payout.pay_product(db, product_id=product_id, business_date=today, now=now)
    assert outcome == "matured", outcome
    return raw, rows, time.perf_counter() - started


async def _settle(db: Database, connection: asyncpg.Connection, *, product_id: int,
                  orders: int, now: datetime) -> tuple[float, int, float]:
    await _quiet(connection)
    entry_id = await connection.fetchval("SELECT min(id) FROM ledger_entry")
    raw, rows = await _timed_raw(connection, _RAW_POSTINGS, entry_id, PRINCIPAL_MINOR,
                                 2 * orders)
    started = time.perf_counter()
    await settlement.drain(db, product_id=product_id, now=now)
    took = time.perf_counter() - started
    async with db.transaction(readonly=True) as session:
        settled = await product_service.get(session, product_id=product_id)
    assert settled.orders_settled_at is not None and settled.funds_transferred_at is not None
    return raw, rows, took


async def _accrue(db: Database, connection: asyncpg.Connection, *, product_id: int,
                  holdings: int, today: date, now: datetime) -> tuple[float, int, float]:
    await _quiet(connection)
    raw, rows = await _timed_raw(connection, _RAW_ACCRUALS, product_id, today)
    started = time.perf_counter()
    touched = await accrual.accrue_day(db, business_date=today, now=now)
    assert touched == holdings, touched
    return raw, rows, time.perf_counter() - started


async def main(url: str, holdings: int, accrual_holdings: int, orders: int) -> None:
    await _recreate(url)
    await asyncio.to_thread(upgrade, url)
    now = datetime.now(UTC)
    today = business_date(now)
    connection = await asyncpg.connect(_plain(url))
    db = Database(url, pool_size=2, statement_timeout_ms=60_000)
    try:
        await _copies(connection)
        payout_product = await _seed_product(
            connection, name="payout", holdings=holdings, first_user=1,
            value=today - timedelta(days=TERM_DAYS), accrued=True, now=now)
        await _fund_settlement(db, amount_minor=holdings * (PRINCIPAL_MINOR + ACCRUED_MINOR),
                               now=now)
        accrual_product = await _seed_product(
            connection, name="accrual", holdings=accrual_holdings, first_user=holdings + 1,
            value=today - timedelta(days=5), accrued=False, now=now)
        raise_product = await _seed_raise(
            db, connection, orders=orders, first_user=holdings + accrual_holdings + 1,
            value=today + timedelta(days=1), now=now)
        load_before = os.getloadavg()[0]
        paid = await _pay(db, connection, product_id=payout_product, holdings=holdings,
                          today=today, now=now)
        await connection.execute("TRUNCATE bench_posting")
        settled = await _settle(db, connection, product_id=raise_product, orders=orders,
                                now=now)
        accrued = await _accrue(db, connection, product_id=accrual_product,
                                holdings=accrual_holdings, today=today, now=now)
        async with db.transaction(readonly=True) as session:
            report = await verify_ledger(session)
    finally:
        await connection.close()
        await db.dispose()

    rows = []
    for (raw, count, took), name, kind in (
            (paid, f"maturity payout, {holdings:,} holdings (postings)", "posting"),
            (settled, f"raise settlement, {orders:,} orders (postings)", "posting"),
            (accrued, f"daily accrual, {accrual_holdings:,} holdings", "accrual")):
        rows.append(_row(f"raw INSERT ... SELECT of {kind} rows", count, raw, None))
        rows.append(_row(name, count, took, count / raw))
    _print(rows)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\ntarget {TARGET}x or better (payout, accrual); load average {load_before:.1f} "
          f"before, {load} after; {os.cpu_count()} CPUs; "
          f"ledger verify: {'ok' if report.ok else report.problems[:3]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdings", type=int, default=10_000)
    parser.add_argument("--accrual-holdings", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--url", default=os.environ.get("FINPLAT_BENCH_DATABASE_URL",
                                                        DEFAULT_URL))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.holdings, arguments.accrual_holdings,
                     arguments.orders))
