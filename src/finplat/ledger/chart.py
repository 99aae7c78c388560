"""The chart of accounts: every kind of account the books know, and its rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccountKind:
    kind: str
    name: str
    normal_balance: str  # "debit" (assets, expenses) or "credit" (liabilities, revenue)
    # One platform-wide account (reference "platform") rather than one per owner/product.
    singleton: bool
    # Hot accounts keep no running balance: their balance is the sum of their postings, so a
    # posting to them takes no row lock (see docs/LEDGER.md, "Hot accounts").
    tracks_balance: bool
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False


PLATFORM = "platform"

CUSTODY_CASH = "custody_cash"
CUSTOMER_WALLET = "customer_wallet"
PRODUCT_ESCROW = "product_escrow"
LOANS_HELD = "loans_held"
INSTITUTION_SETTLEMENT = "institution_settlement"
FEE_REVENUE = "fee_revenue"
MARKETING_EXPENSE = "marketing_expense"
CAMPAIGN_BUDGET = "campaign_budget"
RISK_RESERVE = "risk_reserve"
SUSPENSE = "suspense"

KINDS: dict[str, AccountKind] = {k.kind: k for k in (
    AccountKind(CUSTODY_CASH, "Custody bank cash", "debit", singleton=True, tracks_balance=False),
    AccountKind(CUSTOMER_WALLET, "Customer wallet", "credit", singleton=False, tracks_balance=True,
                debits_must_not_exceed_credits=True),
    AccountKind(PRODUCT_ESCROW, "Product escrow", "credit", singleton=False, tracks_balance=False),
    AccountKind(LOANS_HELD, "Loans held for investors", "debit", singleton=False,
                tracks_balance=True),
    # What an institution has paid in to meet its payouts: it can pay out only that.
    AccountKind(INSTITUTION_SETTLEMENT, "Institution settlement", "credit", singleton=False,
                tracks_balance=True, debits_must_not_exceed_credits=True),
    AccountKind(FEE_REVENUE, "Fee revenue", "credit", singleton=True, tracks_balance=False),
    AccountKind(MARKETING_EXPENSE, "Marketing expense", "debit", singleton=False,
                tracks_balance=False),
    # Money set aside for one campaign (``campaign:7``): it can pay out only what was funded.
    AccountKind(CAMPAIGN_BUDGET, "Campaign budget", "credit", singleton=False, tracks_balance=True,
                debits_must_not_exceed_credits=True),
    # What the reserve holds is all it can pay out (investor compensation).
    AccountKind(RISK_RESERVE, "Risk reserve", "credit", singleton=True, tracks_balance=True,
                debits_must_not_exceed_credits=True),
    AccountKind(SUSPENSE, "Suspense", "credit", singleton=True, tracks_balance=False),
)}

# Created by ``ensure_platform_accounts``: the books every installation has from the start.
PLATFORM_KINDS = (CUSTODY_CASH, FEE_REVENUE, MARKETING_EXPENSE, RISK_RESERVE, SUSPENSE)

# What a per-owner reference looks like: ``product:12``, ``institution:3``, ``campaign:7``.
REFERENCE_PREFIXES = ("platform", "user", "product", "loan", "institution", "campaign")


def kind_of(kind: str) -> AccountKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown account kind {kind!r}") from None


WALLET_REFERENCE_PREFIX = "user:"


def wallet_reference(user_id: int) -> str:
    return f"{WALLET_REFERENCE_PREFIX}{user_id}"


def valid_reference(reference: str) -> bool:
    prefix, _, rest = reference.partition(":")
    if reference == PLATFORM:
        return True
    return prefix in REFERENCE_PREFIXES and 0 < len(rest) <= 48 and rest.isalnum()
