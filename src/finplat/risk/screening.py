"""Watch-list screening: names normalised, then compared with Jaro-Winkler.

Normalising: Unicode NFKC, traditional characters to simplified (zhconv), case folded, spaces
and punctuation collapsed. A Chinese name is compared character by character with a Chinese
entry, and by its pinyin syllables (pypinyin, without tones) with any entry, so 张三 finds
張三, "Zhang San", "ZHANG  San" and "zhangsan"; syllables are compared as whole tokens, so 张山
(zhang shan) does not come near 张三 (zhang san) although the letters almost agree. Latin names
on both sides are compared letter by letter. A score at or above ``MATCH_THRESHOLD`` is a hit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import zhconv
from pypinyin import lazy_pinyin
from rapidfuzz.distance import JaroWinkler
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.clock import business_date
from finplat.core.errors import InvalidInput
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.risk import alerts, rules
from finplat.risk.events import WatchListHit
from finplat.risk.models import RiskScreening, RiskWatchEntry

MATCH_THRESHOLD = 0.92
MAX_ENTRIES = 100_000
_HAN = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = re.compile(r"[\s\-_.,'’·•]+")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def normalize(name: str) -> str:
    """Simplified characters, lower case, single spaces, no punctuation."""
    text = zhconv.convert(unicodedata.normalize("NFKC", name), "zh-cn").casefold()
    return _SEPARATORS.sub(" ", text).strip()


def syllables(name: str) -> list[str]:
    """Pinyin syllables of a Chinese name; the words of a Latin one."""
    text = normalize(name)
    if has_han(text):
        return [s for s in lazy_pinyin(text.replace(" ", "")) if s.strip()]
    return text.split()


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1 (see the module's description)."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    scores = []
    if has_han(na) and has_han(nb):
        scores.append(JaroWinkler.similarity(na.replace(" ", ""), nb.replace(" ", "")))
    if has_han(na) or has_han(nb):
        sa, sb = syllables(a), syllables(b)
        if "".join(sa) == "".join(sb):
            scores.append(1.0)
        scores.append(JaroWinkler.similarity(sa, sb))
        if len(sb) == 2:  # a Western order ("San Zhang")
            scores.append(JaroWinkler.similarity(sa, sb[::-1]))
    else:
        scores.append(JaroWinkler.similarity(na.replace(" ", ""), nb.replace(" ", "")))
    return max(scores)


@dataclass(frozen=True, slots=True)
class Match:
    entry_id: int
    name: str
    list_name: str
    score: float


async def best_match(session: AsyncSession, name: str) -> Match | None:
    """The closest watch-list entry to ``name`` at or above the threshold, else None."""
    rows = (await session.execute(select(RiskWatchEntry.id, RiskWatchEntry.name,
                                         RiskWatchEntry.list_name))).all()
    best: Match | None = None
    for row in rows:
        score = similarity(name, row.name)
        if score >= MATCH_THRESHOLD and (best is None or score > best.score):
            best = Match(row.id, row.name, row.list_name, round(score, 4))
    return best


async def record_result(session: AsyncSession, *, user_id: int, match: Match | None,
                        now: datetime) -> None:
    """Keep the latest screening of a customer (what the blocking check reads)."""
    values = {"status": "hit" if match else "clear", "score": match.score if match else 0.0,
              "entry_id": match.entry_id if match else None, "screened_at": now}
    result = await session.execute(update(RiskScreening).where(
        RiskScreening.user_id == user_id).values(**values))
    changed = int(getattr(result, "rowcount", 0) or 0)
    if not changed:
        session.add(RiskScreening(user_id=user_id, **values))
        await session.flush()


def parse_list(path: Path) -> list[dict[str, str]]:
    """Entries of a CSV (header ``list,id,name[,category]``) or JSON (a list of objects with
    those keys) file. Raises ``InvalidInput('risk.watchlist_invalid')``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw: Iterable[Any] = (json.loads(text) if path.suffix.lower() == ".json"
                              else csv.DictReader(io.StringIO(text)))
        entries = [_entry(item) for item in raw]
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
        raise InvalidInput("risk.watchlist_invalid", f"{path.name}: {error}"[:300]) from None
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput("risk.watchlist_invalid", f"more than {MAX_ENTRIES} entries")
    return entries


def _entry(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise ValueError("each entry must be an object")
    entry = {"list_name": str(item["list"]).strip()[:32], "external_id": str(item["id"])[:64],
             "name": str(item["name"]).strip()[:200],
             "category": str(item.get("category") or "sanction").strip()[:32]}
    if not entry["list_name"] or not entry["name"] or not entry["external_id"]:
        raise ValueError("list, id and name must not be empty")
    return entry


async def load_entries(session: AsyncSession, entries: list[dict[str, str]], *,
                       actor_id: int | None, now: datetime) -> int:
    """Add or replace the entries (by list and id); returns how many were stored. Audited."""
    stored = 0
    for entry in entries:
        row = await session.scalar(select(RiskWatchEntry).where(
            RiskWatchEntry.list_name == entry["list_name"],
            RiskWatchEntry.external_id == entry["external_id"]))
        forms = {"normalized": normalize(entry["name"])[:200],
                 "pinyin": " ".join(syllables(entry["name"]))[:400]}
        if row is None:
            session.add(RiskWatchEntry(**entry, **forms, loaded_at=now))
        else:
            row.name, row.category, row.loaded_at = entry["name"], entry["category"], now
            row.normalized, row.pinyin = forms["normalized"], forms["pinyin"]
        stored += 1
    await session.flush()
    await audit_service.record(session, action="risk.watchlist_loaded",
                               target_type="risk_watchlist", target_id=None, now=now,
                               actor_id=actor_id, summary={"entries": stored})
    return stored


async def screen_user(session: AsyncSession, *, user_id: int, now: datetime) -> Match | None:
    """Screen a verified customer's name; a hit is kept (the blocking check holds their
    payouts), raises an alert and is recorded (``risk.watchlist_hit``)."""
    people = await identity_queries.verified_people(session, [user_id])
    if user_id not in people:
        return None
    match = await best_match(session, people[user_id][0])
    await record_result(session, user_id=user_id, match=match, now=now)
    if match is not None:
        rule = next(r for r in await rules.active(session, now=now) if r.kind == "hold_watchlist")
        await alerts.raise_one(session, rule=rule, user_id=user_id,
                               key=f"{user_id}:{match.entry_id}", amount_minor=0,
                               today=business_date(now), now=now,
                               factors=[{"factor": "watchlist_match", "list": match.list_name,
                                         "entry_id": match.entry_id, "score": match.score,
                                         "weight": match.score}])
        await events_service.record(session, WatchListHit(user_id=user_id, entry_id=match.entry_id,
                                                          score=match.score),
                                    target_type="user", target_id=user_id, now=now)
    return match


async def rescreen_all(session: AsyncSession, *, now: datetime) -> int:
    """Screen every verified customer already screened once (after a list is loaded)."""
    user_ids = list((await session.scalars(select(RiskScreening.user_id))).all())
    hits = 0
    for user_id in user_ids:
        hits += await screen_user(session, user_id=user_id, now=now) is not None
    return hits
