"""Random operation sequences checked against a plain Python model of the wallets."""

from __future__ import annotations

import random

import pytest

from finplat.core.errors import DomainError
from finplat.core.money import Money
from finplat.ledger import service as ledger_service


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_operations_match_the_model(books, seed):
    rng = random.Random(seed)
    wallets = [await books.wallet(user_id) for user_id in (1, 2, 3)]
    posted = dict.fromkeys(wallets, 0)
    held: dict[int, tuple[int, int]] = {}  # hold id -> (wallet, amount)

    def frozen(wallet):
        return sum(amount for w, amount in held.values() if w == wallet)

    for step in range(60):
        wallet, other = rng.sample(wallets, 2)
        amount = rng.randint(1, 30_000)
        operation = rng.choice(["deposit", "withdraw", "move", "hold", "post", "void"])
        available = posted[wallet] - frozen(wallet)
        try:
            async with books.db.transaction() as session:
                if operation == "deposit":
                    await ledger_service.transfer(
                        session, source_type="m", source_id=f"{seed}-{step}", code="deposit",
                        debit_account_id=books.custody_cash, credit_account_id=wallet,
                        amount=Money(amount), now=books.now)
                elif operation in ("withdraw", "move"):
                    target = books.custody_cash if operation == "withdraw" else other
                    await ledger_service.transfer(
                        session, source_type="m", source_id=f"{seed}-{step}", code=operation,
                        debit_account_id=wallet, credit_account_id=target,
                        amount=Money(amount), now=books.now)
                elif operation == "hold":
                    hold_id = await ledger_service.hold(
                        session, source_type="m", source_id=f"{seed}-{step}", code="invest",
                        debit_account_id=wallet, credit_account_id=books.suspense,
                        amount=Money(amount), now=books.now)
                elif held:
                    hold_id = rng.choice(sorted(held))
                    if operation == "post":
                        part = rng.randint(1, held[hold_id][1])
                        await ledger_service.post_hold(session, hold_id=hold_id,
                                                       amount=Money(part), now=books.now)
                    else:
                        await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)
                else:
                    continue
        except DomainError as error:
            assert error.code == "ledger.insufficient_funds"
            assert operation in ("withdraw", "move", "hold") and amount > available
        else:
            if operation == "deposit":
                posted[wallet] += amount
            elif operation in ("withdraw", "move"):
                assert amount <= available
                posted[wallet] -= amount
                if operation == "move":
                    posted[other] += amount
            elif operation == "hold":
                assert amount <= available
                held[hold_id] = (wallet, amount)
            elif operation == "post":
                owner, _ = held.pop(hold_id)
                posted[owner] -= part
            else:
                held.pop(hold_id)
        for each in wallets:
            assert await books.balance(each) == (posted[each], posted[each] - frozen(each),
                                                 frozen(each)), (seed, step, operation)
