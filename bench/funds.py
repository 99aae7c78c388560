"""The HTTP funds path under load: deposits and withdrawals through a real uvicorn server on
127.0.0.1 backed by PostgreSQL, with the embedded channel simulator calling back in-process.

    .venv/bin/python bench/funds_http.py [--clients 16] [--seconds 15] [--max-requests 20000]
                                         [--workers 1]

Each client is its own verified investor, pre-funded before the clock starts; then it
alternates ``POST /me/deposits`` and ``POST /me/withdrawals`` (each a money-moving request with
its own Idempotency-Key; the channel's callback then books it). Prints one table: requests/s,
p50 and p99 latency per kind and overall. Bounded by both time and request count. The scratch
database ``payment_bench`` is dropped and re-created. It never runs as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

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
    port: int, server_pid: int, logins: list[str], seconds: float, max_requests: int
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


def _print(stats: Stats, seconds: float, clients: int, workers: int) -> None:
    rows = []
    everything: list[float] = []
    for kind, values in stats.latencies_ms.items():
        everything += values
        rows.append(
            (
                kind,
                len(values),
                len(values) / seconds,
                percentile(values, 0.5),
                percentile(values, 0.99),
            )
        )
    rows.append(
        (
            "all",
            len(everything),
            len(everything) / seconds,
            percentile(everything, 0.5),
            percentile(everything, 0.99),
        )
    )
    print(
        f"\nfunds over HTTP: {clients} clients, {seconds:.1f} s, "
        f"uvicorn with {workers} worker(s) + PostgreSQL"
    )
    print(f"{'kind':<12}{'requests':>10}{'per second':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, count, rate, p50, p99 in rows:
        print(f"{kind:<12}{count:>10}{rate:>12.1f}{p50:>10.1f}{p99:>10.1f}")
    if everything:
        server_ms = stats.server_cpu_s * 1000 / len(everything)
        database_ms = stats.database_cpu_s * 1000 / len(everything)
        client_ms = stats.client_cpu_s * 1000 / len(everything)
        print(
            f"CPU per request (with its callback): server {server_ms:.2f} ms, "
            f"PostgreSQL backends {database_ms:.2f} ms, load-generating client {client_ms:.2f} ms"
        )
    print("errors:", json.dumps(stats.errors) if stats.errors else "none")


def measure(
    clients: int, seconds: float, *, workers: int = 1, max_requests: int = 1_000_000
) -> tuple[Stats, float]:
    """One run on a fresh scratch database: the stats and the measured seconds."""
    env = _environment(f"postgresql+asyncpg://{SERVER}/{BENCH_DB}")
    _prepare_database(env)
    logins = _create_investors(env, clients)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "finplat.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
    )
    try:
        _wait_until_up(port, server)
        return asyncio.run(_run(port, server.pid, logins, seconds, max_requests))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    if not 1 <= args.workers <= 16:
        parser.error("workers 1-16")
    if not (
        1 <= args.clients <= 256 and 0 < args.seconds <= 300 and 0 < args.max_requests <= 1_000_000
    ):
        parser.error("clients 1-256, seconds up to 300, max-requests up to 1,000,000")
    stats, seconds = measure(
        args.clients, args.seconds, workers=args.workers, max_requests=args.max_requests
    )
    _print(stats, seconds, args.clients, args.workers)


if __name__ == "__main__":
    main()
