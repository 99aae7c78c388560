import pytest

from finplat.audit import sealing
from finplat.audit import service as audit_service


@pytest.fixture
async def chain(db, clock):
    """Five records in the chain, sealed."""
    async def work(session):
        for n in range(1, 6):
            await audit_service.record(session, action=f"test.step_{n}", target_type="thing",
                                       target_id=n, now=clock.now(), actor_id=7 if n % 2 else 8,
                                       summary={"n": n, "phone": "13812345678"})

    await db.run(work)
    assert await sealing.seal_pending(db, now=clock.now()) == 5
    return db
