"""Lending origination over HTTP: a loan product through review, an application decided and
approved, a listing with its disclosure, bids that fill it, the agreement for the parties."""

from typing import Any

from tests import factories
from tests.integration.lending import origination_helpers as h
from tests.integration.product.helpers import institution_headers, staff_headers

PRODUCT = {
    "name": "安心贷",
    "borrower_kind": "individual",
    "min_amount_minor": 100_000,
    "max_amount_minor": 5_000_000,
    "term_months": [6, 12],
    "min_annual_rate": "0.06",
    "max_annual_rate": "0.12",
    "repayment_methods": ["equal_installment", "equal_principal"],
    "service_fee_kind": "upfront",
    "service_fee_rate": "0.005",
    "penalty_daily_rate": "0.0003",
    "grace_days": 3,
    "reserve_rate": "0.002",
    "funding_window_days": 5,
}


async def _product(app, client, db, now) -> tuple[dict[str, Any], dict[str, str]]:  # type: ignore[no-untyped-def]
    institution, _user, _inst = await institution_headers(app, db, now, uscc=h.uscc())
    reviewer, _ = await staff_headers(app, db, now)
    created = await client.post("/api/v1/lending/products", headers=institution, json=PRODUCT)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert (await client.post(f"/api/v1/lending/products/{pid}/submit",
                              headers=institution)).json()["status"] == "pending_review"
    queue = (await client.get("/api/v1/admin/lending/products?status=pending_review",
                              headers=reviewer)).json()["items"]
    assert [p["id"] for p in queue] == [pid]
    approved = await client.post(f"/api/v1/admin/lending/products/{pid}/approve",
                                 headers=reviewer, json={"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    return approved.json(), reviewer


async def test_from_product_to_disbursement(app, client, db, clock) -> None:
    now = clock.now()
    product, reviewer = await _product(app, client, db, now)
    public = (await client.get("/api/v1/loan-products")).json()["items"]
    assert [p["id"] for p in public] == [product["id"]]

    borrower_id = await h.borrower(db, now)
    borrower = factories.bearer_for(app, borrower_id)
    body = {"product_id": product["id"], "amount_minor": 1_000_000, "term_months": 12,
            "repayment_method": "equal_installment", "purpose": "购车",
            "monthly_income_minor": 2_000_000, "dependants": 1,
            "monthly_debt_payments_minor": 0}  # as the borrower's grade was chosen
    applied = await client.post("/api/v1/loans/applications", json=body,
                                headers={**borrower, "Accept-Language": "zh-CN"})
    assert applied.status_code == 201, applied.text
    application = applied.json()
    assert application["status"] == "pending_review"
    assert set(application["credit"]) >= {"score", "grade", "limit_minor", "reasons"}
    mine = (await client.get("/api/v1/me/loans/applications", headers=borrower)).json()
    assert [a["id"] for a in mine["items"]] == [application["id"]]

    approved = await client.post(f"/api/v1/admin/loans/{application['id']}/approve",
                                 headers=reviewer)
    assert approved.status_code == 200, approved.text
    loan_id = approved.json()["loan_id"]

    lenders = [await h.investor_for(db, now) for _ in range(2)]
    first = factories.bearer_for(app, lenders[0])
    listings = (await client.get("/api/v1/loans", headers=first)).json()["items"]
    assert [item["id"] for item in listings] == [loan_id]
    shown = listings[0]
    assert shown["borrower"]["masked_name"] == "李*" and shown["purpose"] == "购车"
    assert shown["borrower"]["record"]["overdue_installments"] == 0
    assert shown["remaining_minor"] == 1_000_000 and shown["grade"] == application["credit"][
        "grade"]

    placed = await client.post(f"/api/v1/loans/{loan_id}/bids", json={"amount_minor": 600_000},
                               headers={**first, "Idempotency-Key": "bid-1"})
    assert placed.status_code == 201, placed.text
    replay = await client.post(f"/api/v1/loans/{loan_id}/bids", json={"amount_minor": 600_000},
                               headers={**first, "Idempotency-Key": "bid-1"})
    assert replay.json() == placed.json()
    second = factories.bearer_for(app, lenders[1])
    filled = await client.post(f"/api/v1/loans/{loan_id}/bids",
                               json={"amount_minor": 400_000, "acknowledge_risk_mismatch": True},
                               headers={**second, "Idempotency-Key": "bid-2"})
    assert filled.status_code == 201 and filled.json()["disbursed"] is True

    detail = (await client.get(f"/api/v1/loans/{loan_id}", headers=second)).json()
    assert detail["status"] == "disbursed" and detail["agreement_sha256"]
    for headers in (borrower, first, second, reviewer):
        found = await client.get(f"/api/v1/loans/{loan_id}/agreement", headers=headers)
        assert found.status_code == 200 and found.json()["sha256"] == detail["agreement_sha256"]
    page = await client.get(f"/api/v1/loans/{loan_id}/agreement?format=html", headers=borrower)
    assert page.headers["content-type"].startswith("text/html")
    assert "借款协议" in page.text
    stranger = factories.bearer_for(app, await factories.make_user(db, now=now))
    for path in (f"/api/v1/loans/{loan_id}/agreement", f"/api/v1/loans/{loan_id}"):
        assert (await client.get(path, headers=stranger)).status_code == 404


async def test_refusals_and_bad_input(app, client, db, clock) -> None:
    now = clock.now()
    product, reviewer = await _product(app, client, db, now)
    borrower_id = await h.borrower(db, now, grades=("E",))
    borrower = factories.bearer_for(app, borrower_id)
    body = {"product_id": product["id"], "amount_minor": 1_000_000, "term_months": 12,
            "repayment_method": "equal_installment", "purpose": "经营周转",
            "monthly_income_minor": 2_000_000, "dependants": 1}
    refused = await client.post("/api/v1/loans/applications", json=body,
                                headers={**borrower, "Accept-Language": "zh-CN"})
    assert refused.status_code == 201
    assert refused.json()["refusal"]["code"] == "lending.grade_refused"
    assert "信用评级" in refused.json()["refusal"]["detail"]
    english = await client.get(f"/api/v1/me/loans/applications/{refused.json()['id']}",
                               headers={**borrower, "Accept-Language": "en"})
    assert "grade" in english.json()["refusal"]["detail"]
    term = await client.post("/api/v1/loans/applications", json={**body, "term_months": 24},
                             headers={**borrower, "Accept-Language": "zh-CN"})
    assert term.status_code == 422 and term.json()["code"] == "lending.term_not_offered"
    assert term.json()["detail"] == "该借款产品不提供此期限"
    for bad in ({**body, "amount_minor": "100"}, {**body, "repayment_method": "weekly"},
                {**body, "purpose": ""}, {**body, "unknown": 1}):
        response = await client.post("/api/v1/loans/applications", json=bad, headers=borrower)
        assert response.status_code == 422, bad
    bad_product = {**PRODUCT, "min_annual_rate": "0.2", "max_annual_rate": "0.1"}
    institution, _user, _inst = await institution_headers(app, db, now, uscc=h.uscc())
    assert (await client.post("/api/v1/lending/products", headers=institution,
                              json=bad_product)).status_code == 422
    # Who may do what.
    assert (await client.post("/api/v1/lending/products", headers=borrower,
                              json=PRODUCT)).json()["code"] == "lending.institution_required"
    assert (await client.post(f"/api/v1/admin/loans/{refused.json()['id']}/approve",
                              headers=borrower)).status_code == 403
    assert (await client.post(f"/api/v1/admin/loans/{refused.json()['id']}/approve",
                              headers=reviewer)).json()["code"] == (
        "lending.application_invalid_state")
    assert (await client.get("/api/v1/loans")).status_code == 401
    missing = await client.post("/api/v1/loans/999/bids", json={"amount_minor": 100_000},
                                headers={**borrower, "Idempotency-Key": "k"})
    assert missing.status_code == 404
