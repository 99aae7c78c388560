"""The signed-in user's inbox: ``/me/notifications``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.identity.deps import CurrentUser
from finplat.notification import messages
from finplat.notification import service as notification_service
from finplat.notification.schemas import InboxOut, UnreadOut

router = APIRouter(tags=["notification"])
MessageId = Annotated[int, Path(gt=0, le=MAX_ID)]
# Not bounded here: an over-long header is read in part (``messages.locale_from``), never refused.
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


@router.get("/me/notifications", response_model=InboxOut)
async def inbox(user: CurrentUser, db: DbDep, page: PageDep,
                accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """Newest first, in the language of ``Accept-Language`` (zh-CN by default, or en)."""
    return await notification_service.inbox(db, user_id=user.user_id, limit=page.limit,
                                             cursor=page.cursor,
                                             locale=messages.locale_from(accept_language))


@router.get("/me/notifications/unread-count", response_model=UnreadOut)
async def unread_count(user: CurrentUser, db: DbDep) -> dict[str, int]:
    return {"unread": await notification_service.unread_count(db, user_id=user.user_id)}


@router.post("/me/notifications/read-all", status_code=204)
async def read_all(user: CurrentUser, db: DbDep, clock: ClockDep) -> Response:
    await notification_service.mark_all_read(db, user_id=user.user_id, now=clock.now())
    return Response(status_code=204)


@router.post("/me/notifications/{message_id}/read", status_code=204)
async def read_one(message_id: MessageId, user: CurrentUser, db: DbDep,
                   clock: ClockDep) -> Response:
    """Someone else's message is 404 ``notification.not_found``."""
    await notification_service.mark_read(db, user_id=user.user_id, message_id=message_id,
                                         now=clock.now())
    return Response(status_code=204)
