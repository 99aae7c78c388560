"""Ledger throughput on PostgreSQL, against baselines measured in the same run.

    .venv/bin/python bench/ledger.py [--seconds 10] [--url postgresql+asyncpg://...]

Prints one table: transfers/s and latency percentiles for
  (a) one deposit per transaction through ``ledger_service.transfer`` (custody cash -> a wallet,
      so every transfer touches the hot custody account) at 1 and 16 clients, and the same with
      custody cash forced to keep a running balance (the design we rejected) for comparison;
      the same deposits one per call through ``ledger_service.submit_transfer`` (group commit);
  (b) set-based bulk work: see bench/bulk.py;
  (c) the HTTP funds path (bench/funds_http.py): deposits and withdrawals with their signed
      callbacks through a real server, at 1 and 16 clients;
and the baseline: pgbench TPC-B-like at 1 and 16 clients (scratch database).
It never runs as a test.
Scratch databases ``ledger_bench``, ``ledger_pgbench`` and ``payment_bench`` are dropped and
re-created.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import funds_http

from finplat.core.db import Database
from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.migrate import upgrade

SERVER = os.environ.get("FINPLAT_BENCH_SERVER", "postgres@127.0.0.1:5432")
BENCH_DB, PGBENCH_DB = "ledger_bench", "ledger_pgbench"
WALLETS = 1_000
PROCESSES = 4
# submit_transfer's clients share one committer per process: one process of 16 tasks forms
# groups of up to 16, 2 x 8 measured ~15% slower here (smaller groups, two Python processes
# competing with PostgreSQL for the two vCPUs).
GROUPED_PROCESSES = 1


@dataclass
class Result:
    workload: str
    clients: int
    transfers: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds

    def percentile(self, q: float) -> float:
        return funds_http.percentile(self.latencies_ms, q)


async def _recreate(name: str) -> None:
    connection = await asyncpg.connect(f"postgresql://{SERVER}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drive(seconds: float, clients: int, one: Callable[[int], Awaitable[int]]) -> Result:
    """Run ``one(client)`` in a loop on ``clients`` tasks; ``one`` returns transfers done."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    done = [0]

    async def client(index: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            # Await first, then add: ``done[0] += await ...`` reads the counter before the
            # await and loses every increment made by other clients meanwhile.
            count = await one(index)
            done[0] += count
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return Result("", clients, done[0], time.perf_counter() - started, latencies)


def _deposit_worker(url: str, custody: int, wallets: list[int], clients: int, seconds: float,
                    queue: Any, mode: str = "service") -> None:
    """One client process: its own engine and event loop, ``clients`` concurrent deposits
    (``service``: ``transfer`` in ``Database.run``; ``grouped``: ``submit_transfer``, whose
    committer groups this process's clients), or with ``floor`` empty transactions straight
    through the driver."""
    async def run() -> Result:
        if mode == "floor":
            return await _driver_floor(url, clients, seconds)
        db = Database(url, pool_size=clients)
        books = Books(db)
        books.custody, books.wallets = custody, wallets
        try:
            return await _drive(seconds, clients,
                                books.deposit_grouped if mode == "grouped" else books.deposit)
        finally:
            await db.dispose()

    result = asyncio.run(run())
    queue.put((result.transfers, result.seconds, result.latencies_ms))


async def _driver_floor(url: str, clients: int, seconds: float) -> Result:
    """BEGIN; SELECT 1; COMMIT through asyncpg alone: what any Python client gets here."""
    pool = await asyncpg.create_pool(url.replace("+asyncpg", ""), min_size=clients,
                                     max_size=clients)

    async def one(_client: int) -> int:
        async with pool.acquire() as connection, connection.transaction():
            await connection.fetchval("SELECT 1")
        return 1

    try:
        return await _drive(seconds, clients, one)
    finally:
        await pool.close()


async def _deposits_in_processes(books: Books, url: str, clients: int, seconds: float, *,
                                 mode: str = "service", processes: int = PROCESSES) -> Result:
    """(a) with ``clients`` spread over up to ``processes`` processes: one Python event loop
    saturates long before PostgreSQL does, and the platform scales its API by processes."""
    processes = min(processes, clients)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_deposit_worker,
                               args=(url, books.custody, books.wallets, clients // processes,
                                     seconds, queue, mode)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        # A worker that dies never reports: bound the wait instead of hanging the run.
        parts = [await asyncio.to_thread(queue.get, True, seconds * 3 + 60) for _ in workers]
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.join, 5)
            if worker.is_alive():
                worker.terminate()
    latencies = [value for part in parts for value in part[2]]
    return Result("", clients, sum(p[0] for p in parts), max(p[1] for p in parts), latencies)


class Books:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.now = datetime.now(UTC)
        self.sequence = 0
        # Sources stay unique across runs and client processes on one database.
        self.run = f"{time.time_ns():x}-{os.getpid()}"
        self.custody = 0
        self.wallets: list[int] = []

    async def setup(self) -> None:
        async def work(session):  # type: ignore[no-untyped-def]
            ids = await ledger_service.ensure_platform_accounts(session, now=self.now)
            wallets = [await ledger_service.open_customer_wallet(session, user_id=u, now=self.now)
                       for u in range(1, WALLETS + 1)]
            return ids["custody_cash"], wallets

        self.custody, self.wallets = await self.db.run(work)

    def source(self) -> str:
        self.sequence += 1
        return f"{self.run}-{self.sequence}"

    async def deposit(self, _client: int) -> int:
        wallet, source = random.choice(self.wallets), self.source()

        async def work(session):  # type: ignore[no-untyped-def]
            return await ledger_service.transfer(
                session, source_type="bench", source_id=source, code="deposit",
                debit_account_id=self.custody, credit_account_id=wallet, amount=Money(100),
                now=self.now)

        await self.db.run(work)
        return 1

    async def deposit_grouped(self, _client: int) -> int:
        await ledger_service.submit_transfer(
            self.db, source_type="bench", source_id=self.source(), code="deposit",
            debit_account_id=self.custody, credit_account_id=random.choice(self.wallets),
            amount=Money(100), now=self.now)
        return 1


# -- (c) the HTTP deposit and withdrawal path: bench/funds_http.py -------------------------------
HTTP_TARGET_PER_SECOND = 500.0  # issue target for (c) at 16 clients, with p99 < 100 ms
# (clients, uvicorn worker processes)
HTTP_RUNS = ((1, 1), (16, 1), (16, 2))


def http_journeys(seconds: float) -> dict[tuple[int, int], Result]:
    """Deposits and withdrawals, alternating, each with its channel's signed callback, through a
    real uvicorn server (see bench/funds_http.py): routing, auth, idempotency, payment, ledger,
    audit, outbox, and the embedded bank simulator calling back."""
    results = {}
    for clients, workers in HTTP_RUNS:
        stats, elapsed = funds_http.measure(clients, seconds, workers=workers)
        latencies = [value for values in stats.latencies_ms.values() for value in values]
        results[clients, workers] = Result("http", clients, len(latencies), elapsed, latencies)
    return results


def pgbench(clients: int, seconds: float) -> float:
    host, _, port = SERVER.split("@")[-1].partition(":")
    user = SERVER.split("@")[0]
    command = ["pgbench", "-h", host, "-p", port or "5432", "-U", user, "-n", "-c", str(clients),
               "-j", str(min(clients, 2)), "-T", str(int(seconds)), PGBENCH_DB]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"tps = ([0-9.]+)", output)
    return float(match.group(1)) if match else float("nan")


def _print(rows: list[tuple[str, int, float, str, str, str]]) -> None:
    header = ("workload", "clients", "transfers/s", "p50 ms", "p99 ms", "vs baseline")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(f"| {line} |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


async def main(seconds: float) -> None:
    load_before = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    await _recreate(PGBENCH_DB)
    host, _, port = SERVER.split("@")[-1].partition(":")
    await asyncio.to_thread(
        subprocess.run, ["pgbench", "-h", host, "-p", port or "5432", "-U", SERVER.split("@")[0],
                         "-i", "-q", "-s", "16", PGBENCH_DB], check=True, capture_output=True)
    tps = {clients: await asyncio.to_thread(pgbench, clients, seconds) for clients in (1, 16)}

    await _recreate(BENCH_DB)
    url = f"postgresql+asyncpg://{SERVER}/{BENCH_DB}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url, pool_size=16)
    books = Books(db)
    await books.setup()
    results = {}
    for clients in (1, 16):
        results[f"floor{clients}"] = await _deposits_in_processes(books, url, clients, seconds,
                                                                  mode="floor")
        results[f"a{clients}"] = await _deposits_in_processes(books, url, clients, seconds)
        results[f"g{clients}"] = await _deposits_in_processes(
            books, url, clients, seconds, mode="grouped", processes=GROUPED_PROCESSES)
    journeys = await asyncio.to_thread(http_journeys, seconds)
    async with db.transaction(readonly=True) as session:
        from finplat.ledger.verify import verify_ledger

        report = await verify_ledger(session)
    # Last, because it breaks the derived-balance rule on purpose: custody cash made a
    # running-balance row, as a naive design would, to show what the hot row costs.
    async with db.transaction() as session:
        from sqlalchemy import text

        await session.execute(text("UPDATE ledger_account SET tracks_balance = true "
                                   "WHERE id = :id"), {"id": books.custody})
    results["hot"] = await _deposits_in_processes(books, url, 16, seconds)
    results["hot_g"] = await _deposits_in_processes(books, url, 16, seconds, mode="grouped",
                                                    processes=GROUPED_PROCESSES)
    await db.dispose()

    def row(name: str, result: Result, baseline: float | None) -> tuple:  # type: ignore[type-arg]
        ratio = f"{result.rate / baseline:.2f}x" if baseline else ""
        return (name, result.clients, f"{result.rate:,.0f}", f"{result.percentile(0.5):.1f}",
                f"{result.percentile(0.99):.1f}", ratio)

    _print([
        ("pgbench TPC-B-like", 1, f"{tps[1]:,.0f}", "", "", "baseline"),
        ("pgbench TPC-B-like", 16, f"{tps[16]:,.0f}", "", "", "baseline"),
        row("asyncpg BEGIN; SELECT 1; COMMIT (client floor)", results["floor1"], tps[1]),
        row("asyncpg BEGIN; SELECT 1; COMMIT (client floor)", results["floor16"], tps[16]),
        row("(a) service transfer, custody cash derived", results["a1"], tps[1]),
        row("(a) service transfer, custody cash derived", results["a16"], tps[16]),
        row("(a) service submit_transfer (group commit)", results["g1"], tps[1]),
        row("(a) service submit_transfer (group commit)", results["g16"], tps[16]),
        row("(a') same, custody cash as one hot row", results["hot"], tps[16]),
        row("(a') submit_transfer, custody cash as one hot row", results["hot_g"], tps[16]),
        # (c) is compared with its target rate, not with a baseline.
        *[row(f"(c) HTTP deposits + withdrawals, {workers} server process(es) (vs 500/s)",
              journeys[clients, workers], HTTP_TARGET_PER_SECOND)
          for clients, workers in HTTP_RUNS],
    ])
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nload average before the run: {load_before}; after: {load}; {os.cpu_count()} CPUs")
    print(f"{seconds:.0f} s per workload; latencies are per transaction;"
          f" ledger verify after (a): {'ok' if report.ok else report.problems[:3]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds))
