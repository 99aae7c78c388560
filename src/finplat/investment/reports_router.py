"""HTTP edge of the sales figures: every product's sales for reviewers and auditors; an
institution's own products' sales, upcoming payouts and settlement account movements (another
institution's product is a 404). Mounted by ``investment.router``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from finplat.core.deps import DbDep, PageDep
from finplat.core.pagination import Page
from finplat.investment import reports
from finplat.investment.schemas import ProductSalesOut, SettlementLineOut, UpcomingPayoutOut
from finplat.product import queries as product_queries
from finplat.product.deps import InstitutionUser, ProductIdPath, StaffReader

router = APIRouter(tags=["investing"])

Status = Annotated[str | None, Query(max_length=16)]
Sort = Annotated[str, Query(max_length=32, description=", ".join(product_queries.SORT_CHOICES))]
MovementKind = Literal["funding", "withdrawal", "raise", "payout"]


@router.get("/admin/sales", response_model=Page[ProductSalesOut])
async def all_sales(_staff: StaffReader, db: DbDep, page: PageDep, status: Status = None,
                    sort: Sort = "-created_at") -> Page[ProductSalesOut]:
    """Every product with its state, what it sold, raise progress, investors and holders."""
    return await reports.sales_page(db, page=page, institution_id=None, status=status,
                                    sort=sort)


@router.get("/admin/products/{product_id}/sales", response_model=ProductSalesOut)
async def product_sales(product_id: ProductIdPath, _staff: StaffReader,
                        db: DbDep) -> ProductSalesOut:
    return await reports.product_sales(db, product_id=product_id, institution_id=None)


@router.get("/institution/sales", response_model=Page[ProductSalesOut])
async def own_sales(user: InstitutionUser, db: DbDep, page: PageDep, status: Status = None,
                    sort: Sort = "-created_at") -> Page[ProductSalesOut]:
    """The caller's institution's products with their sales figures."""
    return await reports.sales_page(db, page=page, institution_id=user.institution_id,
                                    status=status, sort=sort)


@router.get("/institution/products/{product_id}/sales", response_model=ProductSalesOut)
async def own_product_sales(product_id: ProductIdPath, user: InstitutionUser,
                            db: DbDep) -> ProductSalesOut:
    """One of the caller's institution's products with its sales; 404 for any other."""
    return await reports.product_sales(db, product_id=product_id,
                                       institution_id=user.institution_id)


@router.get("/institution/payouts", response_model=Page[UpcomingPayoutOut])
async def upcoming_payouts(user: InstitutionUser, db: DbDep,
                           page: PageDep) -> Page[UpcomingPayoutOut]:
    """Maturity payouts still to be made, soonest first, with the amount each will need."""
    assert user.institution_id is not None
    return await reports.upcoming_payouts(db, institution_id=user.institution_id, page=page)


@router.get("/institution/settlement/movements", response_model=Page[SettlementLineOut])
async def settlement_movements(
    user: InstitutionUser, db: DbDep, page: PageDep,
    kind: Annotated[MovementKind | None, Query(alias="type")] = None,
) -> Page[SettlementLineOut]:
    """The settlement account's fundings, withdrawals, raised money and payouts, newest first."""
    assert user.institution_id is not None
    return await reports.settlement_movements(db, institution_id=user.institution_id,
                                              page=page, kind=kind)
