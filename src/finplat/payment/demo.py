"""Demo data: every demo investor starts with money in the wallet, deposited through the
simulated custody bank exactly as a customer's deposit would be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finplat.config import get_settings
from finplat.core.money import Money
from finplat.payment import handover, runtime, service
from finplat.payment.config import get_payment_settings

if TYPE_CHECKING:
    from finplat.demo import DemoContext

DEMO_DEPOSIT_MINOR = 10_000_000  # ¥100,000 for each demo investor
INVESTOR_ROLES = ("investor", "borrower")


async def seed(ctx: DemoContext) -> None:
    settings = get_settings()
    policy = get_payment_settings()
    channels = runtime.build_registry(db=ctx.db, settings=settings, policy=policy, deliver=None)
    deliver = runtime.in_process_delivery(
        db=ctx.db, clock=ctx.clock, settings=settings, policy=policy
    )
    funded = 0
    for login, info in ctx.logins.items():
        if info.get("role") not in INVESTOR_ROLES or info.get("user_id") is None:
            continue
        outcome = await service.create_deposit(
            db=ctx.db,
            user_id=int(info["user_id"]),
            amount=Money(DEMO_DEPOSIT_MINOR, settings.currency),
            channel="bank",
            idempotency_key=f"demo-deposit-{login}"[:64],
            policy=policy,
            currency=settings.currency,
            now=ctx.clock.now(),
        )
        if outcome.status_code == 201 and not outcome.replayed:
            await handover.submit_deposit(
                db=ctx.db,
                channels=channels,
                user_id=int(info["user_id"]),
                deposit=outcome.body,
                now=ctx.clock.now(),
            )
            funded += 1
    for name in channels.names():
        channel = channels.get(name)
        if hasattr(channel, "deliver_pending"):
            await channel.deliver_pending(deliver)
    if funded:
        ctx.notes.append(
            f"{funded} demo accounts hold ¥{DEMO_DEPOSIT_MINOR // 100:,} each, "
            "deposited through the simulated custody bank."
        )
