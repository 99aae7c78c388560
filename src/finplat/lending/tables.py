"""The servicing tables as SQLAlchemy Core tables, and the columns servicing reads of them."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from finplat.lending.models import BucketMove, Claim, Installment, Loan, Receipt

LOAN = cast(Table, Loan.__table__)
INSTALLMENT = cast(Table, Installment.__table__)
CLAIM = cast(Table, Claim.__table__)
RECEIPT = cast(Table, Receipt.__table__)
BUCKET_MOVE = cast(Table, BucketMove.__table__)
RECEIPT_SOURCE = "lending_receipt"
REPAYMENT_CODE = "loan_repayment"

LOAN_COLUMNS = tuple(LOAN.c[name] for name in (
    "id", "borrower_user_id", "currency", "status", "grace_days", "principal_outstanding_minor",
    "bucket", "days_past_due", "penalty_daily_rate", "lpr_one_year", "start_date", "version",
    "application_id", "apr", "prepayment_fee_rate_bps"))
INSTALLMENT_COLUMNS = tuple(INSTALLMENT.c[name] for name in (
    "id", "loan_id", "number", "due_date", "principal_minor", "interest_minor", "fee_minor",
    "penalty_minor", "paid_principal_minor", "paid_interest_minor", "paid_fee_minor",
    "paid_penalty_minor", "status", "penalty_accrued_through", "compensated_at", "paid_at",
    "version"))
CLAIM_COLUMNS = tuple(CLAIM.c[name] for name in (
    "id", "loan_id", "holder_kind", "user_id", "principal_minor", "account_id"))
