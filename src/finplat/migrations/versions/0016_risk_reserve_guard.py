"""risk reserve: it pays out only what it holds (debits never above credits)

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The chart now opens the reserve with the rule; an installation that opened it before
    # gets the rule here (the reserve has paid nothing out so far, so it already holds).
    op.execute(sa.text(
        "UPDATE ledger_account SET debits_must_not_exceed_credits = :yes "
        "WHERE kind = 'risk_reserve' AND debits_posted + debits_pending <= credits_posted"
    ).bindparams(yes=True))


def downgrade() -> None:
    op.execute(sa.text(
        "UPDATE ledger_account SET debits_must_not_exceed_credits = :no "
        "WHERE kind = 'risk_reserve'"
    ).bindparams(no=False))
