"""Transaction monitoring's cost, against reading the same events alone in the same run.

    .venv/bin/python bench/risk_rules.py [--events 100000] [--url URL] [--clients 16]
    FINPLAT_BENCH_EVENTS=5000 .venv/bin/python bench/risk_rules.py     # a quick check

One process. The run records ``--events`` typed events in the outbox (deposits, withdrawals,
confirmed orders and logins of 2,000 customers over 60 days, as the payment, investment and
identity packages write them), then:
  - floor: reads them back in batches of 1,000 (one statement per batch) and parses each into
    its typed event: what any consumer of the outbox pays;
  - rules: the same reads and parsing, then ``monitoring.Monitor.evaluate`` on each batch (every
    built-in monitoring rule, activities and links stored, alerts raised), one transaction per
    batch;
  - the synchronous check: ``risk.service.check_blocking`` as the withdrawal use case calls it,
    from ``--clients`` concurrent clients, each call timed alone (the latency it adds to a
    withdrawal).
It prints events/s, the p99 latency of a batch, wall and CPU seconds (this process) for the
floor and the rules, their ratio (target >= 0.5x), and the check's p50/p99 (target p99 <= 5 ms
at 16 clients). The database (default: a scratch SQLite file; a PostgreSQL ``--url`` has its
schema dropped) is migrated first. It never runs as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from finplat import migrate
from finplat.config import get_settings
from finplat.core import crypto
from finplat.core.db import Database
from finplat.events import types
from finplat.events.dispatcher import Event
from finplat.events.models import OutboxEvent
from finplat.identity.events import LoggedIn
from finplat.investment.events import OrderConfirmed
from finplat.payment.events import DepositSucceeded, WithdrawalSucceeded
from finplat.risk import handlers, service
from finplat.risk.monitoring import Monitor

BATCH = 1_000
CUSTOMERS = 2_000
START = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)


def _event(rng: random.Random, number: int) -> types.DomainEvent:
    # Most movements are small and most customers log in from their own one or two devices;
    # a few large amounts and shared devices give the rules something to find.
    user_id = rng.randint(1, CUSTOMERS)
    amount = rng.choices((10_000, 50_000, 200_000, 1_000_000, 4_800_000, 6_000_000),
                         weights=(40, 30, 20, 7, 2, 1))[0]
    match number % 10:
        case 0 | 1 | 2 | 3:
            return DepositSucceeded(deposit_id=number, user_id=user_id, amount_minor=amount,
                                    currency="CNY", channel="bank")
        case 4 | 5:
            return WithdrawalSucceeded(withdrawal_id=number, user_id=user_id,
                                       amount_minor=amount, fee_minor=0, currency="CNY",
                                       channel="bank")
        case 6 | 7:
            return OrderConfirmed(order_id=number, user_id=user_id, product_id=number % 20 + 1,
                                  amount_minor=amount, currency="CNY")
    device = (f"shared-{rng.randint(1, 20)}" if rng.random() < 0.01
              else f"device-{user_id}-{rng.randint(1, 2)}")
    return LoggedIn(user_id=user_id, device_fingerprint=device)


async def record(db: Database, count: int) -> None:
    rng = random.Random(7)
    span = timedelta(days=60).total_seconds()
    table = cast(Table, OutboxEvent.__table__)
    for first in range(0, count, 5_000):
        rows = []
        for number in range(first, min(first + 5_000, count)):
            event = _event(rng, number)
            rows.append({"topic": event.topic, "version": event.version,
                         "payload": event.payload(),
                         "created_at": START + timedelta(seconds=span * number / count),
                         "dispatched_at": START})
        async with db.transaction() as session:
            await session.execute(insert(table), rows)


async def _batches(db: Database) -> Any:
    last = 0
    while True:
        async with db.transaction(readonly=True) as session:
            rows = (await session.execute(
                select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.version,
                       OutboxEvent.payload, OutboxEvent.created_at)
                .where(OutboxEvent.id > last).order_by(OutboxEvent.id).limit(BATCH))).all()
        if not rows:
            return
        last = rows[-1].id
        yield [(types.parse(r.topic, r.version, r.payload),
                Event(id=r.id, topic=r.topic, payload=r.payload, created_at=r.created_at,
                      version=r.version)) for r in rows]


async def floor(db: Database) -> tuple[int, list[float], float, float]:
    started, latencies, events = time.perf_counter(), [], 0
    cpu = time.process_time()
    mark = started
    async for batch in _batches(db):
        events += len(batch)
        now = time.perf_counter()
        latencies.append((now - mark) * 1000)
        mark = now
    return events, latencies, time.perf_counter() - started, time.process_time() - cpu


async def rules(db: Database) -> tuple[int, list[float], float, int, float]:
    monitor, hits, events = Monitor(), 0, 0
    started, latencies = time.perf_counter(), []
    cpu = time.process_time()
    mark = started
    async for batch in _batches(db):
        activities = [a for e, meta in batch if (a := handlers.from_event(e, meta)) is not None]
        async with db.transaction() as session:
            hits += len(await monitor.evaluate(session, activities, now=batch[-1][1].created_at))
        events += len(batch)
        now = time.perf_counter()
        latencies.append((now - mark) * 1000)
        mark = now
    return events, latencies, time.perf_counter() - started, hits, time.process_time() - cpu


async def check_latency(db: Database, clients: int, calls: int) -> list[float]:
    latencies: list[float] = []
    now = START + timedelta(days=60)

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(calls):
            async with db.transaction(readonly=True) as session:
                began = time.perf_counter()
                await service.check_blocking(session, kind="withdrawal",
                                             user_id=rng.randint(1, CUSTOMERS),
                                             amount_minor=100_000, now=now)
                latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(client(seed) for seed in range(clients)))
    return latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int,
                        default=int(os.environ.get("FINPLAT_BENCH_EVENTS", 100_000)))
    parser.add_argument("--url", default=None)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/risk_bench.db"
    settings = get_settings()
    crypto.configure(crypto.KeyRing.parse(settings.data_keys, settings.data_key_active,
                                          settings.blind_index_key))
    if url.startswith("postgresql"):  # a scratch database: start from an empty schema
        scratch = Database(url)
        async with scratch.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await scratch.dispose()

    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url, statement_timeout_ms=30_000, lock_timeout_ms=10_000,
                  pool_size=max(args.clients, 5))
    try:
        await record(db, args.events)
        f_events, f_lat, f_secs, f_cpu = await floor(db)
        r_events, r_lat, r_secs, hits, r_cpu = await rules(db)
        check = await check_latency(db, args.clients, 200)
    finally:
        await db.dispose()
    f_rate, r_rate = f_events / f_secs, r_events / r_secs
    print(f"database: {url.split(':', 1)[0]}  events: {f_events:,}  batch: {BATCH:,}")
    # Seconds of wall time and of this process's CPU: the rest is waiting for the database
    # (and, on a loaded machine, for a core).
    print(f"{'run':<28}{'events/s':>12}{'p99 batch ms':>15}{'wall s':>9}{'CPU s':>8}")
    print(f"{'floor (read + parse)':<28}{f_rate:>12,.0f}{p(f_lat, 99):>15.1f}"
          f"{f_secs:>9.1f}{f_cpu:>8.1f}")
    print(f"{'rules (read + evaluate)':<28}{r_rate:>12,.0f}{p(r_lat, 99):>15.1f}"
          f"{r_secs:>9.1f}{r_cpu:>8.1f}")
    print(f"ratio rules / floor: {r_rate / f_rate:.2f}x (target >= 0.5x); alerts hit: {hits:,}")
    print(f"check_blocking at {args.clients} clients: p50 {p(check, 50):.2f} ms, "
          f"p99 {p(check, 99):.2f} ms over {len(check):,} calls (target p99 <= 5 ms)")


if __name__ == "__main__":
    asyncio.run(main())
