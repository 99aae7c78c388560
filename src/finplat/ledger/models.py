"""Ledger tables: accounts with cached TigerBeetle-style totals, immutable entries and postings,
and holds (pending debits) with their life cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, IntPk, JsonType, UtcDateTime


class LedgerAccount(Base):
    """One account of the books. ``kind`` + ``reference`` identify it (``customer_wallet``,
    ``user:12``); the four totals are fen, cached from the postings and holds when
    ``tracks_balance`` is true, and left at zero for hot accounts whose balance is derived."""

    __tablename__ = "ledger_account"

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    normal_balance: Mapped[str] = mapped_column(String(6), nullable=False)  # debit | credit
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    owner_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    debits_must_not_exceed_credits: Mapped[bool] = mapped_column(Boolean, nullable=False)
    credits_must_not_exceed_debits: Mapped[bool] = mapped_column(Boolean, nullable=False)
    tracks_balance: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open | frozen | closed
    debits_posted: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("kind", "reference"),
        CheckConstraint("normal_balance IN ('debit', 'credit')", name="normal_balance"),
        CheckConstraint("status IN ('open', 'frozen', 'closed')", name="status"),
        CheckConstraint("debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 "
                        "AND credits_pending >= 0", name="totals_non_negative"),
        # The database's own last line of defence for customer money: a wallet never goes below
        # zero, whatever the code above it does.
        CheckConstraint("NOT debits_must_not_exceed_credits "
                        "OR debits_posted + debits_pending <= credits_posted",
                        name="debits_within_credits"),
        CheckConstraint("NOT credits_must_not_exceed_debits "
                        "OR credits_posted + credits_pending <= debits_posted",
                        name="credits_within_debits"),
        CheckConstraint("tracks_balance OR NOT (debits_must_not_exceed_credits "
                        "OR credits_must_not_exceed_debits)", name="limits_need_balance"),
    )


class LedgerEntry(Base):
    """One journal entry (transfer): immutable, unique per business source."""

    __tablename__ = "ledger_entry"

    id: Mapped[IntPk]
    source_type: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    # transfer | hold | hold_post | hold_void | hold_expire | reversal
    entry_type: Mapped[str] = mapped_column(String(16), nullable=False)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_entry.id"), nullable=True, unique=True)
    reference: Mapped[str | None] = mapped_column(String(128), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column("metadata", JsonType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("source_type", "source_id"),
        CheckConstraint("entry_type IN ('transfer', 'hold', 'hold_post', 'hold_void', "
                        "'hold_expire', 'reversal')", name="entry_type"),
    )


class LedgerPosting(Base):
    """One leg of an entry. ``pending`` legs belong to a hold and move pending totals only.
    ``balance_after_minor`` and ``account_version`` are the account's after this leg (null for
    accounts that keep no running balance)."""

    __tablename__ = "ledger_posting"

    id: Mapped[IntPk]
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_entry.id"), nullable=False,
                                          index=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_account.id"), nullable=False)
    direction: Mapped[str] = mapped_column(String(6), nullable=False)  # debit | credit
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    pending: Mapped[bool] = mapped_column(Boolean, nullable=False)
    balance_after_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    account_version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        Index("ix_ledger_posting_account_id_id", "account_id", "id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("direction IN ('debit', 'credit')", name="direction"),
    )


class LedgerHold(Base):
    """A pending debit of ``debit_account_id`` towards ``credit_account_id`` (a freeze)."""

    __tablename__ = "ledger_hold"

    id: Mapped[IntPk]
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_entry.id"), nullable=False,
                                          unique=True)
    debit_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_account.id"),
                                                  nullable=False, index=True)
    credit_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_account.id"),
                                                   nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    posted_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open|posted|voided|expired
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # The entry that posted, voided or expired it carries ``hold_id``.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index("ix_ledger_hold_status_expires_at", "status", "expires_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("posted_minor >= 0 AND posted_minor <= amount_minor", name="posted_within"),
        CheckConstraint("status IN ('open', 'posted', 'voided', 'expired')", name="status"),
    )
