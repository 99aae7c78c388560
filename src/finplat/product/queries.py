"""Read side of the catalogue: public listing with filters, sorting and keyset pagination."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page, PageParams, decode_cursor, page_of
from finplat.product import domain
from finplat.product.models import Product

# sort key -> column; "-" in front means descending.
SORTS = {
    "annual_rate": Product.annual_rate,
    "term_days": Product.term_days,
    "raise_end_at": Product.raise_end_at,
    "created_at": Product.created_at,
    "risk_level": Product.risk_level,
}
SORT_CHOICES = tuple(sorted([*SORTS, *(f"-{key}" for key in SORTS)]))
_INSTANT_SORTS = {"raise_end_at", "created_at"}


def _sort_value(product: Product, key: str) -> Any:
    value = getattr(product, SORTS[key].key)
    return value.isoformat() if isinstance(value, datetime) else value


def _parse_cursor(cursor: str | None, sort: str) -> tuple[Any, int] | None:
    """The (sort value, id) a cursor of this listing carries; 422 for anything else."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    value, last_id = position.get("v"), position.get("id")
    if (
        position.get("s") != sort
        or isinstance(last_id, bool)
        or not isinstance(last_id, int)
        or not 0 <= last_id <= MAX_ID
    ):
        raise field_error("cursor", "is not a cursor of this listing")
    key = sort.lstrip("-")
    if key in _INSTANT_SORTS:
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            raise field_error("cursor", "is not a cursor this API issued") from None
        if value.tzinfo is None:
            raise field_error("cursor", "is not a cursor this API issued")
        try:  # 0001-01-01T00:00+08:00 is valid ISO 8601 but no instant in UTC
            value = value.astimezone(UTC)
        except OverflowError:
            raise field_error("cursor", "is not a cursor this API issued") from None
    elif key == "term_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise field_error("cursor", "is not a cursor this API issued")
    elif not isinstance(value, str) or len(value) > 16:
        raise field_error("cursor", "is not a cursor this API issued")
    return value, last_id


def _page(query: Select[Any], *, sort: str, page: PageParams) -> Select[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = SORTS[key]
    after = _parse_cursor(page.cursor, sort)
    if after is not None:
        value, last_id = after
        if descending:
            query = query.where(or_(column < value, and_(column == value, Product.id < last_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, Product.id > last_id)))
    order = (column.desc(), Product.id.desc()) if descending else (column.asc(), Product.id.asc())
    return query.order_by(*order).limit(page.fetch_limit)


async def list_products(
    session: AsyncSession,
    *,
    statuses: frozenset[str] | None,
    risk_level: str | None,
    product_type: str | None,
    institution_id: int | None,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Product], str | None]:
    """A page of products and the cursor of the next page (None at the end)."""
    if sort not in SORT_CHOICES:
        raise field_error("sort", f"must be one of {', '.join(SORT_CHOICES)}")
    query = select(Product)
    if statuses is not None:
        query = query.where(Product.status.in_(sorted(statuses)))
    if risk_level is not None:
        query = query.where(Product.risk_level == risk_level)
    if product_type is not None:
        query = query.where(Product.product_type == product_type)
    if institution_id is not None:
        query = query.where(Product.institution_id == institution_id)
    page = PageParams(limit=limit, cursor=cursor)
    rows = list(await session.scalars(_page(query, sort=sort, page=page)))
    result = page_of(rows, page, position=lambda last: {
        "s": sort, "v": _sort_value(last, sort.lstrip("-")), "id": last.id})
    return result.items, result.next_cursor


def is_public(product: Product) -> bool:
    return product.status in domain.PUBLIC_STATES


def _schedule_position(cursor: str | None) -> tuple[date, int] | None:
    """The (maturity date, id) a payout-schedule cursor carries; 422 for anything else."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    last_id = position.get("id")
    if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id <= MAX_ID:
        raise field_error("cursor", "is not a cursor of this listing")
    try:
        return date.fromisoformat(str(position.get("d"))), last_id
    except ValueError:
        raise field_error("cursor", "is not a cursor of this listing") from None


async def payout_schedule(
    session: AsyncSession, *, institution_id: int, page: PageParams
) -> Page[Product]:
    """An institution's products that still owe a maturity payout (raised, running or waiting
    for funds), soonest maturity first."""
    query = select(Product).where(
        Product.institution_id == institution_id,
        Product.status.in_(sorted(domain.OWING_STATES)),
        Product.maturity_date.is_not(None),
    )
    after = _schedule_position(page.cursor)
    if after is not None:
        day, last_id = after
        query = query.where(or_(Product.maturity_date > day,
                                and_(Product.maturity_date == day, Product.id > last_id)))
    rows = list(await session.scalars(
        query.order_by(Product.maturity_date, Product.id).limit(page.fetch_limit)))
    return page_of(rows, page, position=lambda last: {
        "d": last.maturity_date.isoformat() if last.maturity_date else None, "id": last.id})
