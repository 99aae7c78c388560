from __future__ import annotations

from datetime import timedelta

from finplat.core.clock import FrozenClock, business_date
from finplat.core.money import Money
from finplat.core.scheduler import registry, run_job
from finplat.ledger import jobs
from finplat.ledger import service as ledger_service


def _job(name):
    return next(job for job in registry.ordered() if job.name == name)


async def test_expiry_job_releases_expired_holds(books):
    wallet = await books.wallet(1, funded_minor=5_000)
    async with books.db.transaction() as session:
        await ledger_service.hold(
            session, source_type="t", source_id="h", code="invest", debit_account_id=wallet,
            credit_account_id=books.suspense, amount=Money(5_000), now=books.now,
            expires_at=books.now + timedelta(hours=1))
    later = FrozenClock(books.now + timedelta(days=1))
    outcome = await run_job(books.db, _job(jobs.EXPIRE_HOLDS_JOB),
                            day=business_date(later.now()), clock=later)
    assert outcome.status == "done"
    assert await books.balance(wallet) == (5_000, 5_000, 0)


async def test_verify_job_passes_on_clean_books(books):
    await books.wallet(1, funded_minor=5_000)
    outcome = await run_job(books.db, _job(jobs.VERIFY_JOB), day=business_date(books.now),
                            clock=FrozenClock(books.now))
    assert outcome.status == "done"
