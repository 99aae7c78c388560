"""Evaluating the monitoring rules over activities, in batches: one statement per batch for
each of the reads (activities already seen, the customers' recent history, their last movement
before it, devices and cards) and the writes (activities and new links, each with
``core.bulk_rows.insert_rows``), then the snoozes of the customers hit (only when a rule hit)
and the alerts.

A handler evaluates the one activity of its event; a replay (``Monitor`` kept across batches,
the benchmark) keeps the customers it has loaded in memory, trimmed to ``HISTORY_DAYS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import bulk_rows
from finplat.risk import alerts, rules
from finplat.risk.evaluators import Activity, Customer, Evaluator, Hit, Rule, World, run, runnable
from finplat.risk.models import RiskActivity, RiskLink

# How far back a customer's activity is loaded: the longest window of any rule's default, and
# enough movements for "usual behaviour".
HISTORY_DAYS = 90
MAX_HISTORY = 500  # per customer: the most recent ones
_HISTORY = timedelta(days=HISTORY_DAYS)
_STORED = ("source", "user_id", "kind", "direction", "amount_minor", "currency", "occurred_at",
           "business_date", "channel", "counterparty", "reference")
_ACTIVITY = cast(Table, RiskActivity.__table__)
_STORED_VALUES = attrgetter(*_STORED)  # an activity's stored columns, as a tuple
_LINK = cast(Table, RiskLink.__table__)
_LINK_COLUMNS = ("kind", "fingerprint", "user_id", "first_seen_at")


def _from_row(row: Any) -> Activity:
    return Activity(**{name: getattr(row, name) for name in _STORED})


class Monitor:
    """Evaluates batches of activities; keeps what it loaded of each customer while it lives."""

    def __init__(self) -> None:
        self.customers: dict[int, Customer] = {}
        self.world = World()

    async def _load_customers(self, session: AsyncSession, user_ids: set[int],
                              since: datetime) -> None:
        missing = user_ids - self.customers.keys()
        if not missing:
            return
        loaded = {user_id: Customer() for user_id in missing}
        rows = (await session.execute(
            select(*[getattr(RiskActivity, n) for n in _STORED])
            .where(bulk_rows.one_of(session, RiskActivity.user_id, missing),
                   RiskActivity.occurred_at >= since)
            .order_by(RiskActivity.occurred_at, RiskActivity.id))).all()
        for row in rows:
            loaded[row.user_id].add(_from_row(row))
        before = (await session.execute(
            select(RiskActivity.user_id, func.max(RiskActivity.occurred_at))
            .where(bulk_rows.one_of(session, RiskActivity.user_id, missing),
                   RiskActivity.occurred_at < since, RiskActivity.direction != "none")
            .group_by(RiskActivity.user_id))).all()
        for user_id, last_at in before:
            loaded[user_id].last_money_before_window_at = last_at
        links = (await session.execute(select(RiskLink.user_id, RiskLink.fingerprint).where(
            bulk_rows.one_of(session, RiskLink.user_id, missing),
            RiskLink.kind == "device"))).all()
        for user_id, fingerprint in links:
            loaded[user_id].devices.add(fingerprint)
        for customer in loaded.values():
            if len(customer.history) > MAX_HISTORY:
                customer.keep(customer.history[-MAX_HISTORY:])
        self.customers.update(loaded)

    async def _load_links(self, session: AsyncSession, batch: Sequence[Activity]) -> None:
        wanted = {("device", a.device) for a in batch if a.device} | {
            ("card", a.card) for a in batch if a.card}
        if not wanted:
            return
        # By kind and fingerprint: the leading columns of the link's unique index.
        kinds = sorted({kind for kind, _fingerprint in wanted})
        fingerprints = {fingerprint for _kind, fingerprint in wanted}
        rows = (await session.execute(
            select(RiskLink.kind, RiskLink.fingerprint, RiskLink.user_id)
            .where(RiskLink.kind.in_(kinds),
                   bulk_rows.one_of(session, RiskLink.fingerprint, fingerprints)))).all()
        for kind, fingerprint, user_id in rows:
            if (kind, fingerprint) in wanted:
                self.world.linked_users.setdefault((kind, fingerprint), set()).add(user_id)

    async def _new_only(self, session: AsyncSession,
                        batch: Sequence[Activity]) -> list[Activity]:
        """The activities not yet evaluated (a redelivered event is not evaluated twice)."""
        unique = {a.source: a for a in batch}
        seen = set((await session.scalars(select(RiskActivity.source).where(
            bulk_rows.one_of(session, RiskActivity.source, unique)))).all())
        return sorted((a for s, a in unique.items() if s not in seen),
                      key=lambda a: (a.occurred_at, a.source))

    async def evaluate(self, session: AsyncSession, batch: Sequence[Activity], *,
                       now: datetime) -> list[Hit]:
        """Store ``batch``'s new activities, evaluate every enabled monitoring rule on each
        in time order, raise (or repeat) their alerts; returns the hits."""
        fresh = await self._new_only(session, batch)
        if not fresh:
            return []
        user_ids = {a.user_id for a in fresh}
        since = fresh[0].occurred_at - _HISTORY
        await self._load_customers(session, user_ids, since)
        await self._load_links(session, fresh)
        all_rules = [r for r in await rules.active(session, now=now) if rules.is_monitoring(r)]
        hits: list[Hit] = []
        new_links: list[tuple[str, str, int, datetime]] = []
        stored_rows: list[tuple[Any, ...]] = []
        by_kind: dict[str, list[tuple[Rule, Evaluator]]] = {}
        for activity in fresh:
            customer = self.customers[activity.user_id]
            to_run = by_kind.get(activity.kind)
            if to_run is None:
                to_run = by_kind[activity.kind] = runnable(all_rules, activity.kind)
            hits.extend(run(to_run, activity, customer, self.world))
            stored_rows.append(_STORED_VALUES(activity))
            self._remember(activity, customer, new_links, now)
        await bulk_rows.insert_rows(session, _ACTIVITY, _STORED, stored_rows)
        await bulk_rows.insert_rows(session, _LINK, _LINK_COLUMNS, new_links)
        if hits:  # evaluators are pure: a snoozed rule's hits are dropped afterwards
            snoozes = await rules.snoozed_codes(session, {hit.user_id for hit in hits}, now=now)
            if snoozes:
                hits = [hit for hit in hits
                        if hit.rule.code not in snoozes.get(hit.user_id, ())]
        await alerts.raise_many(session, hits, now=now)
        return hits

    def _remember(self, activity: Activity, customer: Customer,
                  new_links: list[tuple[str, str, int, datetime]], now: datetime) -> None:
        # The history holds what ``risk_activity`` stores: the event-only facts are dropped
        # (as a customer loaded from the table has them), copying only when there are some.
        if activity.device is None and activity.card is None and not activity.failures \
                and activity.declared_income_minor is None:
            stored = activity
        else:
            stored = Activity(*_STORED_VALUES(activity))  # the stored columns lead
        customer.add(stored)
        horizon = activity.occurred_at - _HISTORY
        if customer.history[0].occurred_at < horizon or len(customer.history) > MAX_HISTORY:
            kept = [a for a in customer.history if a.occurred_at >= horizon][-MAX_HISTORY:]
            dropped = [a for a in customer.history if a.occurred_at < horizon
                       and a.direction != "none"]
            if dropped:
                customer.last_money_before_window_at = dropped[-1].occurred_at
            customer.keep(kept)
        if stored is activity:  # no device, no card
            return
        for kind, fingerprint in (("device", activity.device), ("card", activity.card)):
            if fingerprint is None:
                continue
            users = self.world.linked_users.setdefault((kind, fingerprint), set())
            if activity.user_id not in users:
                users.add(activity.user_id)
                new_links.append((kind, fingerprint, activity.user_id, now))
            if kind == "device":
                customer.devices.add(fingerprint)


def describe(activity: Activity) -> dict[str, Any]:
    """An activity as JSON (tests, the command line)."""
    data = asdict(activity)
    data["occurred_at"] = activity.occurred_at.isoformat()
    data["business_date"] = activity.business_date.isoformat()
    return data
