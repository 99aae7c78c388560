"""Lending tables: loan products, applications with their credit decisions, loans (a listing
until funded), bids and the claims they become, installments, receipts and overdue history.

Every table here is written by the lending package only (docs/ARCHITECTURE.md). Rates are
canonical fixed-scale decimal text ("0.049000"), amounts integers of fen.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, EncryptedText, Instant, IntPk, JsonType, UtcDateTime

# Loan product life cycle (maker-checker, as wealth products): an institution user drafts and
# submits, a reviewer of another institution (or the platform) approves or rejects; an approved
# product takes applications until it is retired.
PRODUCT_DRAFT = "draft"
PRODUCT_PENDING_REVIEW = "pending_review"
PRODUCT_ACTIVE = "active"
PRODUCT_REJECTED = "rejected"
PRODUCT_RETIRED = "retired"

# Service fee: taken from the disbursement, or added to every installment.
FEE_UPFRONT = "upfront"
FEE_PER_INSTALLMENT = "per_installment"

# Applications: ``refused`` by the credit decision or a policy (cap, APR) at once, with its
# reason; ``pending_review`` waits for a reviewer; ``approved`` opened a loan (listing);
# ``rejected`` by the reviewer; ``withdrawn`` by the applicant before review.
APPLICATION_REFUSED = "refused"
APPLICATION_PENDING_REVIEW = "pending_review"
APPLICATION_APPROVED = "approved"
APPLICATION_REJECTED = "rejected"
APPLICATION_WITHDRAWN = "withdrawn"

# Loans: ``listed`` takes bids until funded or its window ends; ``unfunded`` (window over, every
# bid's hold voided); ``disbursed`` the borrower has the money and repays (``repaying`` is not a
# separate state: installments say where it stands); ``paid_off`` every installment settled;
# ``written_off`` by staff at M3+ (what is still owed stays on the installments).
LOAN_LISTED = "listed"
# Fully funded, but the risk control's blocking check held the payout for an officer (named as a
# held withdrawal; statuses are at most 16 characters): every bid's hold stays in place until
# the review releases it (then ``disbursed``) or refuses it (then ``refused``, holds voided).
LOAN_DISBURSEMENT_HELD = "held_for_review"
LOAN_REFUSED = "refused"
LOAN_UNFUNDED = "unfunded"
LOAN_DISBURSED = "disbursed"
LOAN_PAID_OFF = "paid_off"
LOAN_WRITTEN_OFF = "written_off"

# Bids: funds ``held`` on the investor's wallet; ``funded`` (posted at disbursement, the bid is
# now a claim); ``voided`` (window over unfunded, or cancelled).
BID_HELD = "held"
BID_FUNDED = "funded"
BID_VOIDED = "voided"

# Who holds a claim on the loan's repayments: an investor, or the risk reserve after it
# compensated the investors.
HOLDER_INVESTOR = "investor"
HOLDER_RESERVE = "reserve"

# Installments: ``scheduled`` (not due yet), ``due`` (due date reached, unpaid), ``partial``,
# ``paid``, ``overdue`` (past the grace days), ``compensated`` (the reserve paid the investors;
# the borrower still owes it to the reserve), ``written_off``.
INSTALLMENT_SCHEDULED = "scheduled"
INSTALLMENT_DUE = "due"
INSTALLMENT_PARTIAL = "partial"
INSTALLMENT_PAID = "paid"
INSTALLMENT_OVERDUE = "overdue"
INSTALLMENT_COMPENSATED = "compensated"
INSTALLMENT_WRITTEN_OFF = "written_off"

# Overdue buckets by days past due: M1 1–30, M2 31–60, M3+ beyond.
BUCKET_CURRENT = "current"
BUCKET_M1 = "M1"
BUCKET_M2 = "M2"
BUCKET_M3_PLUS = "M3+"

# How money came in: the daily collection job, the borrower's own repayment of what is due,
# early repayment of the whole loan, a recovery after the reserve took the claim over, or the
# reserve's compensation of the investors.
RECEIPT_COLLECTION = "collection"
RECEIPT_MANUAL = "manual"
RECEIPT_PREPAYMENT = "prepayment"
RECEIPT_RECOVERY = "recovery"
# The reserve paying the investors what an overdue installment owed them.
RECEIPT_COMPENSATION = "compensation"


class LoanProduct(Base):
    __tablename__ = "lending_product"

    id: Mapped[IntPk]
    institution_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    # Who may apply: "individual", "company" or "both".
    borrower_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    min_amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # The terms offered, in months (JSON list of integers, ascending).
    term_months: Mapped[list[int]] = mapped_column(JsonType, nullable=False)
    min_annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    max_annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    # The repayment methods allowed (JSON list of schedule.METHODS).
    repayment_methods: Mapped[list[str]] = mapped_column(JsonType, nullable=False)
    service_fee_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # Fraction of the principal: once (upfront) or each month (per installment).
    service_fee_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    # Penalty interest per day on overdue principal and interest (within the APR cap).
    penalty_daily_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    grace_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # Fraction of the principal paid into the risk reserve at disbursement.
    reserve_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    # Days a listing stays open for bids.
    funding_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # Fee on an early payoff, in basis points of the principal outstanding at payoff (migration
    # 0019; at most products.MAX_PREPAYMENT_FEE_RATE_BPS).
    prepayment_fee_rate_bps: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                         server_default="0")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]


class Application(Base):
    """One loan application and the credit decision taken on it (kept with its inputs)."""

    __tablename__ = "lending_application"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    # "individual", or "company" applying through its institution (USCC).
    borrower_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    institution_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    product_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("lending_product.id"), nullable=False, index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    repayment_method: Mapped[str] = mapped_column(String(24), nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    # What the applicant declared (JSON: monthly income, dependants, monthly debt payments,
    # employment, ...): personal financial data, encrypted at rest.
    declared: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # The credit decision: which scorer and model version, the features it saw (encrypted),
    # score, grade A–E, limit and rate tier, and the reasons in codes (rendered per language).
    scorer: Mapped[str] = mapped_column(String(32), nullable=False)
    model_version: Mapped[str] = mapped_column(String(32), nullable=False)
    decision_inputs: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(1), nullable=False)
    limit_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JsonType, nullable=False)
    # Why it was refused at once (a stable error code such as lending.cap_exceeded).
    refusal_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The price checked against the cap: all-in APR (IRR with fees) and the LPR in force.
    apr: Mapped[str] = mapped_column(String(16), nullable=False)
    lpr_one_year: Mapped[str] = mapped_column(String(16), nullable=False)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]

    __table_args__ = (Index("ix_lending_application_status_created_at", "status", "created_at"),)


class Loan(Base):
    """An approved application: a listing while it takes bids, then the loan being repaid.

    The terms are copied from the application and product at approval, so that a later change
    of the product never changes a contract.
    """

    __tablename__ = "lending_loan"

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("lending_application.id"), nullable=False, unique=True
    )
    product_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    borrower_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    borrower_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    institution_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    repayment_method: Mapped[str] = mapped_column(String(24), nullable=False)
    annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    grade: Mapped[str] = mapped_column(String(1), nullable=False)
    # The listing's risk level for suitability (R1..R5, from the grade).
    risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    service_fee_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    upfront_fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    installment_fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reserve_contribution_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    penalty_daily_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    grace_days: Mapped[int] = mapped_column(Integer, nullable=False)
    apr: Mapped[str] = mapped_column(String(16), nullable=False)
    lpr_one_year: Mapped[str] = mapped_column(String(16), nullable=False)
    # The product's prepayment fee when the loan was approved (a contract term: a later edit of
    # the product does not change it).
    prepayment_fee_rate_bps: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                         server_default="0")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    listed_at: Mapped[Instant]
    funding_ends_at: Mapped[Instant]
    # Bids so far (kept with the row so that a bid is one guarded UPDATE: never oversubscribed).
    funded_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bid_count: Mapped[int] = mapped_column(Integer, nullable=False)
    disbursed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The schedule's start (business date of the disbursement).
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    principal_outstanding_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bucket: Mapped[str] = mapped_column(String(8), nullable=False)
    days_past_due: Mapped[int] = mapped_column(Integer, nullable=False)
    agreement_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    agreement_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    written_off_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    write_off_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]

    __table_args__ = (
        Index("ix_lending_loan_status_funding_ends_at", "status", "funding_ends_at"),
        Index("ix_lending_loan_status_bucket", "status", "bucket"),
    )


class Bid(Base):
    """An investor's bid: a hold on their wallet; at disbursement it becomes their claim."""

    __tablename__ = "lending_bid"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("lending_loan.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    hold_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    investor_risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    risk_mismatch_acknowledged: Mapped[bool] = mapped_column(nullable=False)
    created_at: Mapped[Instant]
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_lending_bid_loan_id_status", "loan_id", "status"),)


class Claim(Base):
    """A share of a loan's repayments: an investor's funded bids, or the reserve's after it
    compensated them. Receipts are split pro rata to ``principal_minor`` (largest remainder,
    claims in id order)."""

    __tablename__ = "lending_claim"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("lending_loan.id"), nullable=False)
    holder_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # The investor (NULL for the reserve).
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    principal_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # The ledger account its repayments are paid to: the investor's wallet, or the risk reserve.
    account_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # What the claim received is not stored: it is summed from the loan's receipts when read
    # (``pro_rata.received``).
    # Set when the reserve took this claim over (the investor was paid what was due).
    transferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("loan_id", "holder_kind", "user_id"),)


class Installment(Base):
    __tablename__ = "lending_installment"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("lending_loan.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    principal_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    interest_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Penalty interest accrued so far (the overdue job adds to it each day, within the cap).
    penalty_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_principal_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_interest_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_penalty_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # The last business date penalty was accrued for (the daily job runs once per date).
    penalty_accrued_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    compensated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[Instant]

    __table_args__ = (
        UniqueConstraint("loan_id", "number"),
        Index("ix_lending_installment_due_date_status", "due_date", "status"),
    )


class Receipt(Base):
    """Money received from the borrower (or paid by the reserve) and where it went: one ledger
    entry with one posting per claim holder."""

    __tablename__ = "lending_receipt"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("lending_loan.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    principal_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    interest_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    penalty_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Per installment: [{"installment_id", "principal_minor", "interest_minor", ...}].
    allocation: Mapped[list[dict[str, int]]] = mapped_column(JsonType, nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    # The business key the ledger entry carries (unique there: a receipt is booked once).
    source: Mapped[str] = mapped_column(String(96), nullable=False, unique=True)
    entry_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[Instant]

    __table_args__ = (Index("ix_lending_receipt_loan_id_created_at", "loan_id", "created_at"),)


class BucketMove(Base):
    """The history of a loan's overdue bucket: one row each time it moves."""

    __tablename__ = "lending_bucket_move"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("lending_loan.id"), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    from_bucket: Mapped[str] = mapped_column(String(8), nullable=False)
    to_bucket: Mapped[str] = mapped_column(String(8), nullable=False)
    days_past_due: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("loan_id", "business_date"),)


class Borrower(Base):
    """One row per borrower (``user:7`` or ``institution:3``), locked by every application of
    that borrower so that two concurrent applications cannot both pass the outstanding cap
    (migration 0015: the cap sums rows of three tables, which no single row lock covers)."""

    __tablename__ = "lending_borrower"

    id: Mapped[IntPk]
    borrower_key: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    created_at: Mapped[Instant]


# An agreement of a 360-month loan lists 360 installments: more than MariaDB's TEXT (64 KiB).
AgreementHtml = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


class Agreement(Base):
    """The loan agreement as rendered at disbursement (migration 0015): the exact HTML whose
    SHA-256 is on the loan and in the audit chain, so that what a party reads later is what
    was hashed, whatever later changes to a template or a name."""

    __tablename__ = "lending_agreement"

    id: Mapped[IntPk]
    loan_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("lending_loan.id"), nullable=False, unique=True
    )
    template_version: Mapped[str] = mapped_column(String(16), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    html: Mapped[str] = mapped_column(AgreementHtml, nullable=False)
    created_at: Mapped[Instant]
