"""Key rotation for personal data at rest: every ``EncryptedText`` value moved to the active key.

Rotation is online: the ring keeps the old version for decryption while this runs, in bounded
batches (one transaction each, in primary-key order), so an interrupted run simply resumes. Once
``pending`` reports nothing left under the old version, that version can leave the ring.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Column, LargeBinary, Table, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import crypto
from finplat.core.db import Database
from finplat.core.models import EncryptedText
from finplat.schema import load_models

MAX_BATCH = 5_000


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column  # type: ignore[type-arg]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns() -> Iterator[EncryptedColumn]:
    for table in load_models().metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield EncryptedColumn(table, column)


def _primary_key(table: Table) -> Column:  # type: ignore[type-arg]
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{table.name}: key rotation needs a single-column primary key")
    return keys[0]


async def _rotate_batch(session: AsyncSession, target: EncryptedColumn, *, after: int,
                        batch_size: int) -> tuple[int, int | None]:
    """Re-encrypt one batch; (values moved, last key seen or None at the end)."""
    key = _primary_key(target.table)
    raw = type_coerce(target.column, LargeBinary)  # the stored bytes, not decrypted
    rows = (await session.execute(
        select(key, raw).where(key > after, target.column.is_not(None))
        .order_by(key).limit(batch_size)
    )).all()
    moved = 0
    for row_key, blob in rows:
        fresh = crypto.reencrypt(bytes(blob))
        if fresh is not None:
            await session.execute(update(target.table).where(key == row_key)
                                  .values({target.column: type_coerce(fresh, LargeBinary)}))
            moved += 1
    return moved, (rows[-1][0] if len(rows) == batch_size else None)


async def rotate(db: Database, *, batch_size: int = 500) -> dict[str, int]:
    """Move every encrypted value to the active key; the count moved per column."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be 1 to {MAX_BATCH}")
    report: dict[str, int] = {}
    for target in encrypted_columns():
        report[target.name] = await _rotate_column(db, target, batch_size=batch_size)
    return report


async def _rotate_column(db: Database, target: EncryptedColumn, *, batch_size: int) -> int:
    moved, after = 0, 0
    while after is not None:
        work = partial(_rotate_batch, target=target, after=after, batch_size=batch_size)
        count, after = await db.run(work)
        moved += count
    return moved


async def pending(db: Database) -> dict[str, int]:
    """How many values per column are still under a key version other than the active one."""
    active = crypto.active_version()
    report: dict[str, int] = {}
    async with db.transaction(readonly=True) as session:
        for target in encrypted_columns():
            raw = type_coerce(target.column, LargeBinary)
            blobs = await session.scalars(select(raw).where(target.column.is_not(None)))
            versions = (crypto.key_version(bytes(blob)) for blob in blobs)
            report[target.name] = sum(1 for version in versions if version != active)
    return report
