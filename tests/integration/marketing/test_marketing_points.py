import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from finplat.core.errors import Conflict
from finplat.marketing import points
from finplat.marketing.models import PointsAccount, PointsEntry, PointsPolicy


async def test_points_balance_follows_the_journal(db, clock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        await points.earn(session, user_id=7, points=500, reason="investment",
                          reference="investment:1", now=now)
        await points.earn(session, user_id=7, points=250, reason="investment",
                          reference="investment:2", now=now)
        # the same reference twice is one award
        await points.earn(session, user_id=7, points=250, reason="investment",
                          reference="investment:2", now=now)
        await points.spend(session, user_id=7, points=600, reason="redemption",
                           reference="redeem:a", now=now)
    async with db.transaction(readonly=True) as session:
        balance = await points.balance(session, user_id=7)
        report = await points.verify(session)
        history = await points.entries(session, user_id=7, limit=10, before_id=None)
    assert (balance.balance_points, balance.earned_points, balance.spent_points) == (150, 750, 600)
    assert report.ok, report.problems
    assert (report.accounts, report.entries) == (1, 3)
    assert [e.balance_after_points for e in history] == [150, 750, 500]


async def test_spending_more_than_the_balance_is_refused_and_changes_nothing(db, clock) -> None:
    async with db.transaction() as session:
        await points.earn(session, user_id=8, points=100, reason="investment",
                          reference="investment:3", now=clock.now())
    with pytest.raises(Conflict) as caught:
        async with db.transaction() as session:
            await points.spend(session, user_id=8, points=101, reason="redemption",
                               reference="redeem:b", now=clock.now())
    assert caught.value.code == "marketing.insufficient_points"
    async with db.transaction(readonly=True) as session:
        assert (await points.balance(session, user_id=8)).balance_points == 100


async def test_concurrent_redemptions_never_overdraw(db, clock) -> None:
    async with db.transaction() as session:
        await points.earn(session, user_id=9, points=300, reason="investment",
                          reference="investment:4", now=clock.now())

    async def redeem(n: int) -> bool:
        async def work(session) -> None:  # type: ignore[no-untyped-def]
            await points.spend(session, user_id=9, points=100, reason="redemption",
                               reference=f"redeem:race:{n}", now=clock.now())
        try:
            await db.run(work)
        except Conflict:
            return False
        return True

    results = await asyncio.gather(*(redeem(n) for n in range(6)))
    assert sum(results) == 3
    async with db.transaction(readonly=True) as session:
        assert (await points.balance(session, user_id=9)).balance_points == 0
        assert (await points.verify(session)).ok


async def test_verify_catches_a_tampered_balance(db, clock) -> None:
    async with db.transaction() as session:
        await points.earn(session, user_id=10, points=100, reason="investment",
                          reference="investment:5", now=clock.now())
        await session.execute(update(PointsEntry).values(balance_after_points=99))
    async with db.transaction(readonly=True) as session:
        report = await points.verify(session)
    assert not report.ok
    assert any("running balance" in problem for problem in report.problems)
    async with db.transaction() as session:
        await session.execute(update(PointsAccount).values(balance_points=90, earned_points=90,
                                                             spent_points=0))
    async with db.transaction(readonly=True) as session:
        report = await points.verify(session)
    assert any("entries sum to 100" in problem for problem in report.problems)


async def test_the_latest_policy_in_force_sets_the_rate(db, clock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        assert await points.points_per_yuan(session, now=now) == Decimal(1)
        session.add_all([
            PointsPolicy(points_per_yuan=Decimal("2"), effective_at=now - timedelta(days=1),
                         created_at=now),
            PointsPolicy(points_per_yuan=Decimal("3"), effective_at=now + timedelta(days=1),
                         created_at=now),
        ])
        await session.flush()
        assert await points.points_per_yuan(session, now=now) == Decimal(2)
        assert await points.points_per_yuan(session, now=now + timedelta(days=2)) == Decimal(3)


async def test_the_daily_job_raises_an_alert_when_points_do_not_balance(db, clock) -> None:
    from sqlalchemy import select

    from finplat.core import scheduler
    from finplat.core.clock import business_date
    from finplat.events.models import OutboxEvent
    from finplat.marketing import jobs

    registry = scheduler.JobRegistry()
    registry.register("marketing.points_verify", jobs.verify_points, order=90)
    async with db.transaction() as session:
        await points.earn(session, user_id=11, points=100, reason="investment",
                          reference="investment:6", now=clock.now())
    day = business_date(clock.now())
    assert (await scheduler.run_day(db, clock=clock, day=day, jobs=registry)).ok
    async with db.transaction() as session:
        await session.execute(update(PointsEntry).values(balance_after_points=7))
    report = await scheduler.run_day(db, clock=clock, day=day + timedelta(days=1), jobs=registry)
    assert report.ok
    async with db.transaction(readonly=True) as session:
        topics = list(await session.scalars(select(OutboxEvent.topic)))
    assert topics.count("marketing.points_unbalanced") == 1


async def test_many_awards_at_once_follow_the_journal(db, clock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        await points.earn(session, user_id=20, points=40, reason="investment",
                          reference="investment:20", now=now)
        await points.spend(session, user_id=20, points=15, reason="redemption",
                           reference="redeem:20", now=now)
    async with db.transaction() as session:
        written = await points.earn_many(session, reason="investment", now=now, awards=[
            (21, 30, "investment:23"), (20, 100, "investment:21"), (20, 5, "investment:22"),
            (22, 0, "investment:24"),
            # already recorded: skipped
            (20, 40, "investment:20")])
    assert written == 3
    async with db.transaction(readonly=True) as session:
        first = await points.balance(session, user_id=20)
        second = await points.balance(session, user_id=21)
        history = await points.entries(session, user_id=20, limit=10, before_id=None)
        report = await points.verify(session)
    assert (first.balance_points, first.earned_points, first.spent_points) == (130, 145, 15)
    assert (second.balance_points, second.earned_points) == (30, 30)
    assert sorted(e.balance_after_points for e in history) == [25, 40, 125, 130]
    assert report.ok, report.problems
