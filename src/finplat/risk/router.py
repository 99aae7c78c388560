"""Risk control over HTTP: ``/admin/risk/...`` for risk officers (rules, alerts, cases, held
payouts, reports), ``/me/risk/holds`` for a customer's payouts waiting for review."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response

from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page, cursor_id, encode_cursor
from finplat.identity.deps import CurrentUser, Principal, require_roles
from finplat.payment import runtime as payment_runtime
from finplat.risk import admin, cases, model_card, reviews
from finplat.risk.schemas import (
    AlertOut,
    CaseAssign,
    CaseClose,
    CaseNote,
    CaseOpen,
    CaseOut,
    Decision,
    DriftOut,
    HeldPayoutOut,
    HoldOut,
    ModelCardOut,
    ReportOut,
    ReportRequest,
    RuleChange,
    RuleOut,
    RuleVersionOut,
    SnoozeOut,
    SnoozeRequest,
)

router = APIRouter(tags=["risk"])
Officer = Annotated[Principal, Depends(require_roles("risk_officer", "admin"))]
Reader = Annotated[Principal, Depends(require_roles("risk_officer", "admin", "auditor"))]
Id = Annotated[int, Path(gt=0, le=MAX_ID)]
RuleCode = Annotated[str, Path(min_length=1, max_length=48, pattern=r"^[a-z_]+$")]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]
ADMIN = "/admin/risk"


def _page(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    more = len(items) > limit
    kept = items[:limit]
    return {"items": kept, "next_cursor": encode_cursor({"id": kept[-1]["id"]}) if more else None}


@router.get(f"{ADMIN}/rules", response_model=list[RuleOut])
async def list_rules(_: Reader, db: DbDep, clock: ClockDep) -> list[dict[str, Any]]:
    """Every rule with its parameters; blocking rules run before payouts."""
    return await admin.list_rules(db, now=clock.now())


@router.patch(f"{ADMIN}/rules/{{code}}", response_model=RuleOut)
async def change_rule(code: RuleCode, body: RuleChange, officer: Officer, db: DbDep,
                      clock: ClockDep) -> dict[str, Any]:
    """Enable or disable a rule, change its severity or parameters: a new version."""
    return await admin.change_rule(db, code=code, changes=body.model_dump(exclude_unset=True),
                                   actor_id=officer.user_id, now=clock.now())


@router.get(f"{ADMIN}/rules/{{code}}/versions", response_model=list[RuleVersionOut])
async def rule_versions(code: RuleCode, _: Reader, db: DbDep) -> list[dict[str, Any]]:
    return await admin.rule_versions(db, code=code)


@router.post(f"{ADMIN}/rules/{{code}}/snoozes", status_code=201, response_model=SnoozeOut)
async def snooze(code: RuleCode, body: SnoozeRequest, officer: Officer, db: DbDep,
                 clock: ClockDep) -> dict[str, Any]:
    """Silence a rule for one customer until an instant."""
    return await admin.snooze_rule(db, code=code, user_id=body.user_id, until_at=body.until_at,
                                   reason=body.reason, actor_id=officer.user_id,
                                   now=clock.now())


@router.get(f"{ADMIN}/alerts", response_model=Page[AlertOut])
async def list_alerts(
    _: Reader, db: DbDep, page: PageDep,
    status: Annotated[Literal["open", "in_case", "closed"] | None, Query()] = None,
    user_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
) -> dict[str, Any]:
    """Newest first."""
    items = await admin.list_alerts(db, status=status, user_id=user_id,
                                    after_id=cursor_id(page.cursor), limit=page.limit + 1)
    return _page(items, page.limit)


@router.get(f"{ADMIN}/alerts/{{alert_id}}", response_model=AlertOut)
async def get_alert(alert_id: Id, _: Reader, db: DbDep) -> dict[str, Any]:
    return await admin.get_alert(db, alert_id=alert_id)


@router.post(f"{ADMIN}/cases", status_code=201, response_model=CaseOut)
async def open_case(body: CaseOpen, officer: Officer, db: DbDep,
                    clock: ClockDep) -> dict[str, Any]:
    """A case over open alerts of one customer."""
    return await admin.case_step(db, cases.open_case, now=clock.now(), alert_ids=body.alert_ids,
                                 assignee_id=body.assignee_id, actor_id=officer.user_id)


@router.get(f"{ADMIN}/cases", response_model=Page[CaseOut])
async def list_cases(
    _: Reader, db: DbDep, page: PageDep, clock: ClockDep,
    status: Annotated[Literal["open", "investigating", "closed", "reported"] | None,
                      Query()] = None,
) -> dict[str, Any]:
    items = await admin.list_cases(db, status=status, after_id=cursor_id(page.cursor),
                                   limit=page.limit + 1, now=clock.now())
    return _page(items, page.limit)


@router.get(f"{ADMIN}/cases/{{case_id}}", response_model=CaseOut)
async def get_case(case_id: Id, _: Reader, db: DbDep, clock: ClockDep) -> dict[str, Any]:
    return await admin.get_case(db, case_id=case_id, now=clock.now())


@router.post(f"{ADMIN}/cases/{{case_id}}/assign", response_model=CaseOut)
async def assign_case(case_id: Id, body: CaseAssign, officer: Officer, db: DbDep,
                      clock: ClockDep) -> dict[str, Any]:
    return await admin.case_step(db, cases.assign, now=clock.now(), case_id=case_id,
                                 assignee_id=body.assignee_id, actor_id=officer.user_id)


@router.post(f"{ADMIN}/cases/{{case_id}}/investigate", response_model=CaseOut)
async def investigate(case_id: Id, officer: Officer, db: DbDep,
                      clock: ClockDep) -> dict[str, Any]:
    return await admin.case_step(db, cases.start, now=clock.now(), case_id=case_id,
                                 actor_id=officer.user_id)


@router.post(f"{ADMIN}/cases/{{case_id}}/close", response_model=CaseOut)
async def close_case(case_id: Id, body: CaseClose, officer: Officer, db: DbDep,
                     clock: ClockDep) -> dict[str, Any]:
    return await admin.case_step(db, cases.close, now=clock.now(), case_id=case_id,
                                 resolution=body.resolution, reason=body.reason,
                                 actor_id=officer.user_id)


@router.post(f"{ADMIN}/cases/{{case_id}}/report", response_model=CaseOut)
async def report_case(case_id: Id, officer: Officer, db: DbDep,
                      clock: ClockDep) -> dict[str, Any]:
    """Mark a confirmed case reported (its suspicious-transaction report filed)."""
    return await admin.case_step(db, cases.report, now=clock.now(), case_id=case_id,
                                 actor_id=officer.user_id)


@router.post(f"{ADMIN}/cases/{{case_id}}/notes", status_code=201, response_model=CaseOut)
async def add_note(case_id: Id, body: CaseNote, officer: Officer, db: DbDep,
                   clock: ClockDep) -> dict[str, Any]:
    return await admin.add_note(db, case_id=case_id, author_id=officer.user_id, body=body.body,
                                now=clock.now())


@router.get(f"{ADMIN}/reviews", response_model=Page[HeldPayoutOut])
async def pending_reviews(_: Reader, db: DbDep, page: PageDep) -> dict[str, Any]:
    """Payouts held by a blocking rule, oldest first."""
    items = await admin.pending_reviews(db, after_id=cursor_id(page.cursor),
                                        limit=page.limit + 1)
    return _page(items, page.limit)


@router.post(f"{ADMIN}/reviews/{{review_id}}/{{decision}}", response_model=HeldPayoutOut)
async def decide(review_id: Id, decision: Literal["release", "refuse"], body: Decision,
                 officer: Officer, request: Request, db: DbDep,
                 clock: ClockDep) -> dict[str, Any]:
    """Release (to the channel) or refuse (hold voided) a held withdrawal, once: a second
    decision is 409 ``risk.review_decided``."""
    return await reviews.decide(db=db, channels=payment_runtime.channels_of(request.app.state),
                                review_id=review_id, decision=decision,
                                officer_id=officer.user_id, note=body.note, now=clock.now())


@router.post(f"{ADMIN}/reports", status_code=201, response_model=ReportOut)
async def generate_report(body: ReportRequest, officer: Officer, db: DbDep,
                          clock: ClockDep) -> dict[str, Any]:
    """Build the large-value or suspicious-transaction report of a business date."""
    if body.date > clock.now().date():
        raise field_error("date", "must not be in the future")
    return await admin.generate_report(db, report_type=body.type, day=body.date,
                                       file_format=body.format, actor_id=officer.user_id,
                                       now=clock.now())


@router.get(f"{ADMIN}/reports", response_model=list[ReportOut])
async def list_reports(_: Reader, db: DbDep) -> list[dict[str, Any]]:
    return await admin.list_reports(db, limit=100)


@router.get(f"{ADMIN}/reports/{{report_id}}/download")
async def download_report(report_id: Id, reader: Reader, db: DbDep, clock: ClockDep) -> Response:
    """The file itself (CSV or JSON): full ID numbers, for the regulator; the read is audited."""
    content, file_format, day, report_type = await admin.report_file(
        db, report_id=report_id, actor_id=reader.user_id, now=clock.now())
    media = "text/csv" if file_format == "csv" else "application/json"
    name = f"{report_type}-{day.isoformat()}.{file_format}"
    return Response(content=content, media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(f"{ADMIN}/model", response_model=ModelCardOut)
async def risk_model(_: Reader) -> dict[str, Any]:
    """The credit scorecard in force: training data, metrics, bins with WOE and points,
    grades with their limits and rates (docs/RISK_MODEL.md)."""
    return model_card.card_view(model_card.model_in_force())


@router.get(f"{ADMIN}/drift", response_model=DriftOut)
async def risk_drift(_: Reader, db: DbDep, clock: ClockDep,
                days: Annotated[int, Query(ge=1, le=365)] = 30) -> dict[str, Any]:
    """PSI of the score and of each feature: the credit decisions of the last ``days`` days
    against the training distribution stored in the model (< 0.1 stable, 0.1 to < 0.25 watch,
    >= 0.25 shifted; no decision in the window: no_data)."""
    return await model_card.model_drift(db, days=days, now=clock.now())


@router.get("/me/risk/holds", response_model=list[HoldOut])
async def my_holds(user: CurrentUser, db: DbDep,
                   accept_language: AcceptLanguage = None) -> list[dict[str, Any]]:
    """My payouts waiting for a risk review, and why, in my language."""
    language = "en" if (accept_language or "").lower().startswith("en") else "zh"
    return await admin.holds_of(db, user_id=user.user_id, language=language)
