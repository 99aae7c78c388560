"""What a funds journey costs the database, counted: statements and transactions of a deposit
and of a withdrawal, each with its signed callback, through the HTTP API. Round trips are what
the funds path costs (docs/PERFORMANCE.md); a change that adds one shows up here. The budgets
are the counts of the code as it is, the same on every database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event

from finplat.core import prebuilt
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.payment.simulator import SimulatedChannel
from finplat.risk import rules as risk_rules
from tests.integration.payment.fixtures import bank, channels, investor, post_callback
from tests.integration.payment.helpers import deposit, wallet, withdraw

__all__ = ["bank", "channels", "investor", "post_callback"]

# (statements sent, transactions committed: BEGIN and COMMIT are a round trip each). The code
# is the same everywhere; the counts differ where the database lacks a feature: on PostgreSQL a
# ledger entry is one statement (``ledger_write_entry``), elsewhere four or five; MariaDB has no
# UPDATE ... RETURNING and claims unique keys with a savepoint; SQLite's single-statement
# writes are transactions of their own.
# PostgreSQL, deposit: auth 1; open 2 (order; audit record and key in one statement); channel 1;
# callback 3 (the notice's key claimed and the order's guarded update in one statement, entry,
# audit record and outbox event in one). Withdrawal: auth 1; open 5 (card, entry with its hold
# row, the blocking risk rules' look at the customer's standing (the rules themselves are cached
# per process), order, audit record and key); channel 1; sent mark 1; callback 4 (key and
# order, hold, entry, audit and event).
BUDGETS = {
    "postgresql": {"deposit": (7, 2), "withdrawal": (12, 2)},
    "sqlite": {"deposit": (13, 3), "withdrawal": (22, 4)},
    "mysql": {"deposit": (15, 3), "withdrawal": (26, 4)},
}


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + 2 * self.transactions

    def describe(self) -> str:
        return "\n".join(s.split("\n", 1)[0][:100] for s in self.statements)


@contextmanager
def counting(db: Database) -> Iterator[Counted]:
    """Statements SQLAlchemy sends and those ``core.prebuilt`` sends through the driver on the
    session's connection (PostgreSQL, inside a transaction), and the commits."""
    counted = Counted()
    engines = {db.engine.sync_engine, db.read_engine.sync_engine}
    through_driver = prebuilt._sent

    async def sent(send: Any, connection: Any, driver: Any, compiled: Any,
                   parameters: Any) -> Any:
        counted.statements.append(compiled.sql)
        return await through_driver(send, connection, driver, compiled, parameters)

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # SQLite's own BEGIN IMMEDIATE (core.db) is the transaction, counted below.
        if not statement.lstrip().upper().startswith("BEGIN"):
            counted.statements.append(statement)

    def on_commit(_conn: Any) -> None:
        counted.transactions += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
    prebuilt._sent = sent
    try:
        yield counted
    finally:
        prebuilt._sent = through_driver
        for engine in engines:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(engine, "commit", on_commit)


def _within(counted: Counted, budget: tuple[int, int]) -> None:
    statements, transactions = budget
    assert len(counted.statements) <= statements, counted.describe()
    assert counted.transactions <= transactions, counted.describe()


async def test_a_deposit_journey_costs_its_budget(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await deposit(client, investor["headers"], 10_000)  # the wallet's first money
    await bank.deliver_pending(post_callback)
    with counting(db) as counted:
        response = await deposit(client, investor["headers"], 10_000)
        await bank.deliver_pending(post_callback)
    assert response.status_code == 201
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 20_000
    _within(counted, BUDGETS[db.dialect]["deposit"])


async def test_a_withdrawal_journey_costs_its_budget(
    client: httpx.AsyncClient,
    db: Database,
    clock: FrozenClock,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await deposit(client, investor["headers"], 50_000)
    await bank.deliver_pending(post_callback)
    async with db.transaction() as session:  # the rules, as a running process has them
        await risk_rules.active(session, now=clock.now())
    with counting(db) as counted:
        response = await withdraw(client, investor["headers"], 10_000)
        await bank.deliver_pending(post_callback)
    assert response.status_code == 201, response.text
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 40_000
    _within(counted, BUDGETS[db.dialect]["withdrawal"])
