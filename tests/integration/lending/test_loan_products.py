"""Loan products: the maker-checker workflow, who may review, the public list."""

import pytest

from finplat.core.errors import Conflict, Forbidden
from finplat.core.pagination import PageParams
from finplat.lending import products
from tests.integration.lending import origination_helpers as h


async def test_draft_submit_approve_retire(db, clock) -> None:
    now = clock.now()
    desk = await h.desk(db, now)
    draft = await products.create(db, author_id=desk.author_id,
                                  institution_id=desk.institution_id, terms=h.terms(),
                                  currency="CNY", now=now)
    assert draft["status"] == "draft" and draft["term_months"] == [3, 6, 12, 24]
    assert draft["min_annual_rate"] == "0.060000" and draft["service_fee_kind"] == "upfront"
    public = await products.listing(db, page=PageParams(), status="active", institution_id=None,
                                    with_review=False)
    assert public.items == []
    submitted = await products.act_as_owner(db, product_id=draft["id"],
                                            institution_id=desk.institution_id,
                                            actor_id=desk.author_id, action="submit", now=now)
    assert submitted["status"] == "pending_review"
    approved = await products.review(db, product_id=draft["id"], reviewer_id=desk.reviewer_id,
                                     reviewer_institution_id=None, approve=True, note="ok",
                                     now=now)
    assert approved["status"] == "active" and approved["reviewed_by_user_id"] == desk.reviewer_id
    public = await products.listing(db, page=PageParams(), status="active", institution_id=None,
                                    with_review=False)
    assert [p["id"] for p in public.items] == [draft["id"]]
    assert "review_note" not in public.items[0]
    retired = await products.act_as_owner(db, product_id=draft["id"],
                                          institution_id=desk.institution_id,
                                          actor_id=desk.author_id, action="retire", now=now)
    assert retired["status"] == "retired"


async def test_maker_checker(db, clock) -> None:
    now = clock.now()
    desk = await h.desk(db, now)
    draft = await products.create(db, author_id=desk.author_id,
                                  institution_id=desk.institution_id, terms=h.terms(),
                                  currency="CNY", now=now)
    with pytest.raises(Conflict) as early:  # not submitted yet
        await products.review(db, product_id=draft["id"], reviewer_id=desk.reviewer_id,
                              reviewer_institution_id=None, approve=True, note=None, now=now)
    assert early.value.code == "lending.product_invalid_state"
    await products.act_as_owner(db, product_id=draft["id"], institution_id=desk.institution_id,
                                actor_id=desk.author_id, action="submit", now=now)
    with pytest.raises(Forbidden) as author:
        await products.review(db, product_id=draft["id"], reviewer_id=desk.author_id,
                              reviewer_institution_id=desk.institution_id, approve=True,
                              note=None, now=now)
    assert author.value.code == "lending.self_review"
    with pytest.raises(Forbidden) as colleague:
        await products.review(db, product_id=draft["id"], reviewer_id=desk.reviewer_id,
                              reviewer_institution_id=desk.institution_id, approve=True,
                              note=None, now=now)
    assert colleague.value.code == "lending.self_review"
    rejected = await products.review(db, product_id=draft["id"], reviewer_id=desk.reviewer_id,
                                     reviewer_institution_id=None, approve=False,
                                     note="费率过高", now=now)
    assert rejected["status"] == "rejected" and rejected["review_note"] == "费率过高"
    # A rejected product can be submitted again.
    again = await products.act_as_owner(db, product_id=draft["id"],
                                        institution_id=desk.institution_id,
                                        actor_id=desk.author_id, action="submit", now=now)
    assert again["status"] == "pending_review"


async def test_another_institution_sees_nothing(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    other = await h.desk(db, now)
    with pytest.raises(products.LoanProductNotFound):
        await products.act_as_owner(db, product_id=product["id"],
                                    institution_id=other.institution_id,
                                    actor_id=other.author_id, action="retire", now=now)
    with pytest.raises(products.LoanProductNotFound):
        await products.view(db, product_id=product["id"], institution_id=other.institution_id,
                            public=False, staff=False)
