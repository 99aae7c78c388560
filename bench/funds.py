"""The funds path as production runs it, against baselines measured in the same run.

    .venv/bin/python bench/funds.py [--seconds 15] [--clients 16]
    FINPLAT_BENCH_SECONDS=3 .venv/bin/python bench/funds.py      # a quick check of the script

One run prints one table:
  - pgbench TPC-B-like at 16 clients (scale 16, scratch database ``funds_pgbench``): the
    database's own baseline;
  - the asyncpg client floor at 16 clients: ``BEGIN; SELECT 1; COMMIT`` per request through
    bare asyncpg (4 processes of 4 clients): what any Python client gets here, and its p99;
  - the HTTP funds journeys through a real uvicorn server started here (one, then two server
    processes), 16 verified investors alternating ``POST /me/deposits`` and
    ``POST /me/withdrawals`` (each with its own Idempotency-Key), each answered by the embedded
    bank simulator's signed callback, verified and applied by the same server;
  - beside the one-process journeys, the withdrawal's blocking risk check timed alone: a probe
    process runs ``risk.service.check_blocking`` (the code a withdrawal runs) every 20 ms on
    its own connection and event loop while the 16 clients run, so its latency counts the
    check and the database under that load, not other clients' turns of the server's loop;
and the ratios: journeys/s over pgbench's TPS (target >= 0.08x with one server process), the
journeys' p99 over the floor's p99 (target <= 15x), the check's p99 (target <= 5 ms). A
journey is counted when its request answered 201; the run then waits for every callback to
be applied and prints how long that took (a backlog would mean the rate overstates what was
settled). ``ledger verify`` runs on the journeys' database at the end. The scratch databases
``funds_pgbench`` and ``payment_bench`` are dropped and re-created. It never runs as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

SERVER = os.environ.get("FINPLAT_BENCH_SERVER", "postgres@127.0.0.1:5432")
BENCH_DB = "payment_bench"
PASSWORD = "Bench-pass-2026"
PREFUND_MINOR = 100_000_000
DEPOSIT_MINOR = 10_000
WITHDRAWAL_MINOR = 5_000


@dataclass
class Stats:
    latencies_ms: dict[str, list[float]] = field(
        default_factory=lambda: {"deposit": [], "withdrawal": []}
    )
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    database_cpu_s: float = 0.0
    client_cpu_s: float = 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu_seconds(pids: set[int] | None = None, command: str | None = None) -> float:
    """User + system CPU of the given processes (and their children's threads), or of every
    process whose command line contains ``command``: where the time goes, whatever the load."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if command is not None:
                with open(f"/proc/{entry}/cmdline") as cmdline:
                    if command not in cmdline.read():
                        continue
            elif pids is not None and int(entry) not in pids and int(fields[1]) not in pids:
                continue
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FINPLAT_DATABASE_URL": url,
        "FINPLAT_ENVIRONMENT": "development",
        "FINPLAT_RATE_LIMIT_PER_IP": "10000000/minute",
        "FINPLAT_RATE_LIMIT_AUTH_PER_IP": "10000000/minute",
        "FINPLAT_LOG_LEVEL": "WARNING",
        "FINPLAT_DEMO_DATA_ON_EMPTY": "false",
        "FINPLAT_DATABASE_POOL_SIZE": "16",
        "FINPLAT_PAYMENT_SIMULATOR_CALLBACK_DELAY_MS": "0",
    }


def _prepare_database(env: dict[str, str]) -> None:
    user_host, _, port = SERVER.rpartition(":")
    user, _, host = user_host.partition("@")
    for statement in (
        f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)",
        f"CREATE DATABASE {BENCH_DB}",
    ):
        subprocess.run(["psql", "-h", host, "-p", port, "-U", user, "-qc", statement], check=True)
    finplat = os.path.join(os.path.dirname(sys.executable), "finplat")
    subprocess.run([finplat, "migrate"], env=env, check=True, capture_output=True)


def _create_investors(env: dict[str, str], count: int) -> list[str]:
    finplat = os.path.join(os.path.dirname(sys.executable), "finplat")
    logins = [f"1390000{index:04d}" for index in range(count)]
    for login in logins:
        subprocess.run(
            [
                finplat,
                "admin",
                "create-user",
                "--login",
                login,
                "--password",
                PASSWORD,
                "--role",
                "investor",
                "--json",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
    return logins


async def _login(http: httpx.AsyncClient, login: str) -> dict[str, str]:
    response = await http.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _prefund(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await http.post(
        "/api/v1/me/deposits",
        json={"amount_minor": PREFUND_MINOR, "channel": "bank"},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    response.raise_for_status()
    for _ in range(200):
        account = (await http.get("/api/v1/me/account", headers=headers)).json()
        if account["available_minor"] >= PREFUND_MINOR:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the simulated channel never credited the pre-funding deposit")


class _Connection:
    """A minimal HTTP/1.1 keep-alive client for the measured requests: the load generator
    should cost little CPU next to the server it measures (httpx costs ~1.5 ms per request,
    as much as a third of the server's own work)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, object], key: str) -> int:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode()
        self.writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.fixed}"
                f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _client(
    connection: _Connection,
    stats: Stats,
    deadline: float,
    budget: list[int],
) -> None:
    kinds = ("deposit", "withdrawal")
    turn = 0
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        kind = kinds[turn % 2]
        turn += 1
        path, body = (
            ("/api/v1/me/deposits", {"amount_minor": DEPOSIT_MINOR, "channel": "bank"})
            if kind == "deposit"
            else ("/api/v1/me/withdrawals", {"amount_minor": WITHDRAWAL_MINOR})
        )
        started = time.perf_counter()
        status = await connection.post(path, body, uuid.uuid4().hex)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if status == 201:
            stats.latencies_ms[kind].append(elapsed_ms)
        else:
            code = f"{kind} {status}"
            stats.errors[code] = stats.errors.get(code, 0) + 1


async def _run(
    port: int, server_pid: int, logins: list[str], seconds: float, max_requests: int,
    on_start: Any = None,
) -> tuple[Stats, float]:
    limits = httpx.Limits(
        max_connections=len(logins) + 4, max_keepalive_connections=len(logins) + 4
    )
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30
    ) as http:
        headers = [await _login(http, login) for login in logins]
        await asyncio.gather(*(_prefund(http, h) for h in headers))
        stats = Stats()
        budget = [max_requests]
        cpu_before = _cpu_seconds(pids={server_pid}), _cpu_seconds(command=f" {BENCH_DB} ")
        connections = [_Connection(port, h) for h in headers]
        if on_start is not None:
            on_start()
        started, client_cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(_client(c, stats, started + seconds, budget) for c in connections))
        elapsed = time.perf_counter() - started
        stats.client_cpu_s = time.process_time() - client_cpu
        for connection in connections:
            connection.close()
        # Let the last callbacks land so that their cost is counted too.
        await asyncio.sleep(0.5)
        stats.server_cpu_s = _cpu_seconds(pids={server_pid}) - cpu_before[0]
        stats.database_cpu_s = _cpu_seconds(command=f" {BENCH_DB} ") - cpu_before[1]
        return stats, elapsed


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _settle_wait(env: dict[str, str]) -> float:
    """Seconds until every order of the run is final (its callback applied), at most 60."""
    started = time.perf_counter()
    query = ("SELECT (SELECT count(*) FROM payment_deposit WHERE status = 'pending') "
             "+ (SELECT count(*) FROM payment_withdrawal WHERE status IN ('created', 'sent'))")
    user_host, _, port = SERVER.rpartition(":")
    user, _, host = user_host.partition("@")
    while time.perf_counter() - started < 60:
        left = subprocess.run(["psql", "-h", host, "-p", port, "-U", user, "-d", BENCH_DB,
                               "-tAc", query], check=True, capture_output=True, text=True)
        if int(left.stdout.strip() or 0) == 0:
            break
        time.sleep(0.1)
    return time.perf_counter() - started


def _ledger_verified(env: dict[str, str]) -> bool:
    finplat = os.path.join(os.path.dirname(sys.executable), "finplat")
    done = subprocess.run([finplat, "ledger", "verify"], env=env, capture_output=True)
    return done.returncode == 0


@dataclass
class Journeys:
    stats: Stats
    seconds: float
    settle_seconds: float
    verified: bool
    risk_check: dict[str, Any] | None = None
    in_server: dict[str, float] | None = None

    @property
    def latencies_ms(self) -> list[float]:
        return [value for values in self.stats.latencies_ms.values() for value in values]


# -- the blocking risk check's added latency -------------------------------------------------
PROBE_PAUSE_S = 0.02  # between two checks: the probe must not take CPU from the server


def _risk_probe(url: str, seconds: float, go: Any, queue: Any) -> None:
    """In a process of its own while the journeys run: the withdrawal's blocking risk check
    (``risk.service.check_blocking``, the code the withdrawal runs: the rules from the
    per-process cache, one statement for the customer's standing) timed alone, in a transaction
    already begun, on its own connection and its own event loop, so no other client's turn of
    the server's event loop is counted; one check every ``PROBE_PAUSE_S``."""
    async def run() -> dict[str, Any]:
        from datetime import UTC, datetime

        from sqlalchemy import select, text

        from finplat.core.db import Database
        from finplat.identity.models import User
        from finplat.risk import rules as risk_rules
        from finplat.risk import service as risk_service

        db = Database(url, pool_size=1)
        latencies: list[float] = []
        cpu_s = 0.0
        try:
            async with db.transaction() as session:
                user_ids = list(await session.scalars(select(User.id)))
                enabled = [rule.code for rule in await risk_rules.active(
                    session, now=datetime.now(UTC))
                    if rule.enabled and rule.kind in risk_rules.BLOCKING_KINDS]
            if not go.wait(120):
                raise RuntimeError("the journeys never started")
            deadline = time.perf_counter() + seconds
            turn = 0
            while time.perf_counter() < deadline:
                async with db.transaction() as session:
                    await session.execute(text("SELECT 1"))  # BEGIN: not the check's cost
                    started, cpu = time.perf_counter(), time.process_time()
                    await risk_service.check_blocking(
                        session, kind="withdrawal", user_id=user_ids[turn % len(user_ids)],
                        amount_minor=WITHDRAWAL_MINOR, now=datetime.now(UTC))
                    latencies.append((time.perf_counter() - started) * 1000)
                    cpu_s += time.process_time() - cpu
                turn += 1
                await asyncio.sleep(PROBE_PAUSE_S)
        finally:
            await db.dispose()
        return {"latencies_ms": latencies, "cpu_ms": cpu_s * 1000 / max(len(latencies), 1),
                "rules": enabled}

    queue.put(asyncio.run(run()))


CHECK_METRIC = "finplat_risk_blocking_check_seconds"


def _check_in_server(port: int) -> dict[str, float] | None:
    """The withdrawals' blocking risk check as the server timed it inside the use case (the
    ``finplat_risk_blocking_check_seconds`` histogram of its ``/metrics``, one process): count,
    mean, and the bucket bounds the p50 and p99 fall under. It includes the turns of the
    server's event loop that the check waited for (the other clients' work), which the probe
    leaves out."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    buckets: list[tuple[float, float]] = []
    count = total = 0.0
    for line in text.splitlines():
        if not line.startswith(CHECK_METRIC) or 'kind="withdrawal"' not in line:
            continue
        name, value = line.rsplit(" ", 1)
        if name.startswith(f"{CHECK_METRIC}_bucket"):
            bound = name.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(value)))
        elif name.startswith(f"{CHECK_METRIC}_count"):
            count = float(value)
        elif name.startswith(f"{CHECK_METRIC}_sum"):
            total = float(value)
    if not count:
        return None

    def under(q: float) -> float:
        return next(bound for bound, seen in sorted(buckets) if seen >= q * count) * 1000

    return {"count": count, "mean_ms": total / count * 1000, "p50_le_ms": under(0.5),
            "p99_le_ms": under(0.99)}


def measure(clients: int, seconds: float, *, workers: int = 1,
            max_requests: int = 1_000_000, probe: bool = False) -> Journeys:
    """One run on a fresh scratch database, through a server started for it; with ``probe``
    the blocking risk check is timed alongside (``_risk_probe``)."""
    env = _environment(f"postgresql+asyncpg://{SERVER}/{BENCH_DB}")
    _prepare_database(env)
    logins = _create_investors(env, clients)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "finplat.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
         "warning", "--workers", str(workers)],
        env=env,
    )
    context = multiprocessing.get_context("spawn")
    go, queue = context.Event(), context.Queue()
    prober = (context.Process(target=_risk_probe, args=(env["FINPLAT_DATABASE_URL"], seconds,
                                                        go, queue)) if probe else None)
    risk_check = in_server = None
    try:
        _wait_until_up(port, server)
        if prober is not None:
            prober.start()
        stats, elapsed = asyncio.run(_run(port, server.pid, logins, seconds, max_requests,
                                          on_start=go.set))
        if prober is not None:
            risk_check = queue.get(True, seconds + 60)
            prober.join(10)
        settle = _settle_wait(env)
        if workers == 1:
            in_server = _check_in_server(port)
    finally:
        if prober is not None and prober.is_alive():
            prober.kill()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return Journeys(stats, elapsed, settle, _ledger_verified(env), risk_check, in_server)


# -- baselines ------------------------------------------------------------------------------
PGBENCH_DB = "funds_pgbench"
FLOOR_PROCESSES = 4


def pgbench(clients: int, seconds: float) -> float:
    user_host, _, port = SERVER.rpartition(":")
    user, _, host = user_host.partition("@")
    connection = ["-h", host, "-p", port, "-U", user]
    for statement in (f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)",
                      f"CREATE DATABASE {PGBENCH_DB}"):
        subprocess.run(["psql", *connection, "-qc", statement], check=True)
    subprocess.run(["pgbench", *connection, "-i", "-q", "-s", "16", PGBENCH_DB], check=True,
                   capture_output=True)
    output = subprocess.run(
        ["pgbench", *connection, "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T",
         str(max(int(seconds), 1)), PGBENCH_DB],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"tps = ([0-9.]+)", output)
    return float(match.group(1)) if match else float("nan")


def _floor_process(clients: int, seconds: float, queue: Any) -> None:
    """One process of the floor: ``clients`` tasks, each ``BEGIN; SELECT 1; COMMIT`` in turn."""
    async def run() -> tuple[int, list[float]]:
        pool = await asyncpg.create_pool(f"postgresql://{SERVER}/{PGBENCH_DB}",
                                         min_size=clients, max_size=clients)
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with pool.acquire() as connection, connection.transaction():
                    await connection.fetchval("SELECT 1")
                latencies.append((time.perf_counter() - started) * 1000)

        try:
            await asyncio.gather(*(client() for _ in range(clients)))
        finally:
            await pool.close()
        return len(latencies), latencies

    queue.put(asyncio.run(run()))


def client_floor(clients: int, seconds: float) -> tuple[float, list[float]]:
    """Requests/s and latencies of the asyncpg floor, its clients spread over processes (one
    Python event loop saturates long before PostgreSQL does)."""
    processes = min(FLOOR_PROCESSES, clients)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_floor_process, args=(clients // processes, seconds, queue))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    parts = [queue.get(True, seconds * 3 + 60) for _ in workers]
    for worker in workers:
        worker.join(5)
    latencies = [value for _count, values in parts for value in values]
    return len(latencies) / seconds, latencies


# -- the table ------------------------------------------------------------------------------
TARGET_RATE = 0.08  # journeys/s over pgbench TPS, one server process
TARGET_P99 = 15.0  # journey p99 over the floor's p99
TARGET_CHECK_P99 = 5.0  # ms: the blocking risk check's added latency on a withdrawal


def _table(rows: list[tuple[str, ...]]) -> None:
    header = ("workload", "clients", "per second", "p50 ms", "p99 ms", "vs pgbench",
              "p99 vs floor")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("FINPLAT_BENCH_SECONDS", "15")))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", default="1,2",
                        help="server processes of the journey rows, e.g. 1 for a short check")
    args = parser.parse_args()
    if not (1 <= args.clients <= 64 and 0 < args.seconds <= 300):
        parser.error("clients 1-64, seconds up to 300")
    clients, seconds = args.clients, args.seconds
    load_before = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    tps = pgbench(clients, seconds)
    floor_rate, floor_latencies = client_floor(clients, seconds)
    floor_p99 = percentile(floor_latencies, 0.99)
    journeys = {workers: measure(clients, seconds, workers=workers, probe=workers == 1)
                for workers in sorted({int(n) for n in args.processes.split(",")})}

    rows = [("pgbench TPC-B-like (scale 16)", str(clients), f"{tps:,.0f}", "", "", "baseline",
             ""),
            ("asyncpg BEGIN; SELECT 1; COMMIT (client floor)", str(clients),
             f"{floor_rate:,.0f}", f"{percentile(floor_latencies, 0.5):.1f}", f"{floor_p99:.1f}",
             f"{floor_rate / tps:.2f}x", "baseline")]
    for workers, run in journeys.items():
        latencies = run.latencies_ms
        rate = len(latencies) / run.seconds
        p99 = percentile(latencies, 0.99)
        rows.append((f"HTTP funds journeys, {workers} server process(es)", str(clients),
                     f"{rate:,.0f}", f"{percentile(latencies, 0.5):.1f}", f"{p99:.1f}",
                     f"{rate / tps:.3f}x", f"{p99 / floor_p99:.1f}x"))
    check = journeys[1].risk_check if 1 in journeys else None
    if check is not None:
        values = check["latencies_ms"]
        rows.append(("withdrawal's blocking risk check, alone (beside 1 process)", str(clients),
                     f"{len(values) / seconds:,.0f}", f"{percentile(values, 0.5):.2f}",
                     f"{percentile(values, 0.99):.2f}", "", f"target p99 <= {TARGET_CHECK_P99} ms"))
    inside = journeys[1].in_server if 1 in journeys else None
    if inside is not None:
        rows.append(("same check inside the server's withdrawals (histogram)", str(clients),
                     f"{inside['count'] / journeys[1].seconds:,.0f}",
                     f"<= {inside['p50_le_ms']:g}", f"<= {inside['p99_le_ms']:g}", "",
                     f"mean {inside['mean_ms']:.2f} ms"))
    print()
    _table(rows)
    print(f"\ntargets, one server process: >= {TARGET_RATE}x pgbench, p99 <= {TARGET_P99}x floor")
    for workers, run in journeys.items():
        count = len(run.latencies_ms)
        kinds = ", ".join(f"{len(v)} {kind}s" for kind, v in run.stats.latencies_ms.items())
        per = max(count, 1)
        print(f"{workers} process(es): {kinds}; errors {json.dumps(run.stats.errors) or 'none'}; "
              f"callbacks all applied {run.settle_seconds:.1f} s after the last request; "
              f"ledger verify {'ok' if run.verified else 'FAILED'}; CPU per journey: server "
              f"{run.stats.server_cpu_s * 1000 / per:.2f} ms, PostgreSQL "
              f"{run.stats.database_cpu_s * 1000 / per:.2f} ms, load generator "
              f"{run.stats.client_cpu_s * 1000 / per:.2f} ms")
    if check is not None:
        print(f"blocking risk check: {len(check['latencies_ms'])} checks while the one-process "
              f"journeys ran (one every {PROBE_PAUSE_S * 1000:g} ms, own process, connection "
              f"and event loop), rules {', '.join(check['rules']) or 'none enabled'}; CPU per "
              f"check {check['cpu_ms']:.2f} ms")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average before: {load_before}; after: {load}; {os.cpu_count()} CPUs; "
          f"{seconds:g} s per row")


if __name__ == "__main__":
    main()
