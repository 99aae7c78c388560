"""Agreement templates are versioned: a new loan's agreement is rendered from the current
version (2: with the prepayment fee rate and the early repayment rule, in Chinese and English),
and an agreement issued from an earlier version keeps that version, its HTML and its hash."""

from __future__ import annotations

import hashlib
import re

import pytest

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.lending import agreement
from finplat.lending.models import Loan
from tests.integration.lending import origination_helpers as h
from tests.integration.lending.helpers import loan_of


async def _issued(db: Database, clock: FrozenClock, *, fee_bps: int) -> tuple[Loan, dict]:
    now = clock.now()
    product = await h.active_product(db, now, prepayment_fee_rate_bps=fee_bps)
    made = await h.disbursed_loan(db, now, product=product)
    loan = await loan_of(db, made["loan_id"])
    found = await agreement.read(db, loan_id=loan.id, user_id=made["borrower_id"], staff=False)
    return loan, found


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_a_new_agreement_states_the_prepayment_fee_and_rule(
    db: Database, clock: FrozenClock,
) -> None:
    loan, found = await _issued(db, clock, fee_bps=150)
    assert agreement.TEMPLATE_VERSION == "2"
    assert found["template_version"] == loan.agreement_version == "2"
    assert found["sha256"] == loan.agreement_sha256
    assert found["sha256"] == hashlib.sha256(found["html"].encode()).hexdigest()
    text = _text(found["html"])
    assert "提前还款手续费率" in text and "Prepayment fee rate" in text
    assert "1.50%" in text
    assert "提前还款 / Early repayment" in text
    assert "剩余本金 + 截至还款日的利息" in text
    assert "the principal outstanding + interest to the payoff date" in text
    assert "在起息日当日提前还款的，不收取提前还款手续费" in text
    assert "A loan repaid on its start date pays no prepayment fee" in text
    # The cap the fee is held within: 4 × the LPR stored on the loan.
    cap = f"{float(loan.lpr_one_year) * 4 * 100:.4f}%"
    assert f"4 倍，即 {cap}" in text
    assert f"4 × the one-year LPR at the contract date, i.e. {cap}" in text


async def test_a_loan_without_a_prepayment_fee_says_so(db: Database,
                                                       clock: FrozenClock) -> None:
    _loan, found = await _issued(db, clock, fee_bps=0)
    assert "<td>0.00%</td>" in found["html"]


async def test_an_agreement_issued_from_version_1_keeps_its_version_and_hash(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(agreement, "TEMPLATE_VERSION", "1")
        old_loan, old = await _issued(db, clock, fee_bps=150)
    new_loan, new = await _issued(db, clock, fee_bps=150)
    assert old["template_version"] == old_loan.agreement_version == "1"
    assert old["sha256"] == old_loan.agreement_sha256
    assert old["sha256"] == hashlib.sha256(old["html"].encode()).hexdigest()
    assert "提前还款手续费率" not in old["html"]
    # Read again after the new version was used: the stored page, unchanged.
    again = await agreement.read(db, loan_id=old_loan.id, user_id=0, staff=True)
    assert (again["html"], again["sha256"], again["template_version"]) == (
        old["html"], old["sha256"], "1")
    assert new["template_version"] == new_loan.agreement_version == "2"
    assert "提前还款手续费率" in new["html"]
