"""The inbox over HTTP: list in the reader's language, unread count, mark read."""

from datetime import timedelta

from finplat.payment.events import DepositSucceeded
from tests.factories import bearer_for, make_user
from tests.integration.notification.helpers import dispatch_all, record
from tests.integration.payment.fixtures import bank, channels, investor, post_callback
from tests.integration.payment.helpers import deposit

__all__ = ["bank", "channels", "investor", "post_callback"]
API = "/api/v1"


async def _deposits(db, clock, user_id: int, count: int) -> None:
    for n in range(count):
        await record(db, DepositSucceeded(deposit_id=n + 1, user_id=user_id,
                                          amount_minor=100 * (n + 1), currency="CNY",
                                          channel="bank"),
                     now=clock.now() + timedelta(seconds=n))
    await dispatch_all(db, now=clock.now() + timedelta(minutes=1))


async def test_inbox_journey(app, client, db, clock) -> None:
    user_id = await make_user(db, now=clock.now(), verified=False)
    other_id = await make_user(db, now=clock.now(), verified=False)
    me, other = bearer_for(app, user_id), bearer_for(app, other_id)
    await _deposits(db, clock, user_id, 3)

    count = await client.get(f"{API}/me/notifications/unread-count", headers=me)
    assert (count.status_code, count.json()) == (200, {"unread": 3})
    first = await client.get(f"{API}/me/notifications", params={"limit": 2},
                             headers={**me, "Accept-Language": "en-US,en;q=0.9"})
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["unread"] == 3 and page["next_cursor"]
    assert [i["body"] for i in page["items"]] == [
        "Your deposit of ¥3.00 is in your wallet.", "Your deposit of ¥2.00 is in your wallet."]
    assert set(page["items"][0]) == {"id", "topic", "title", "body", "created_at", "read_at"}
    rest = await client.get(f"{API}/me/notifications",
                            params={"limit": 2, "cursor": page["next_cursor"]}, headers=me)
    assert [i["title"] for i in rest.json()["items"]] == ["充值成功"]
    assert rest.json()["next_cursor"] is None

    newest = page["items"][0]["id"]
    assert (await client.post(f"{API}/me/notifications/{newest}/read", headers=me)
            ).status_code == 204
    assert (await client.post(f"{API}/me/notifications/{newest}/read", headers=me)
            ).status_code == 204
    mine = await client.post(f"{API}/me/notifications/{newest}/read", headers=other)
    assert mine.status_code == 404 and mine.json()["code"] == "notification.not_found"
    assert mine.headers["content-type"].startswith("application/problem+json")
    listed = (await client.get(f"{API}/me/notifications", headers=me)).json()
    assert listed["unread"] == 2 and listed["items"][0]["read_at"] is not None

    assert (await client.post(f"{API}/me/notifications/read-all", headers=me)).status_code == 204
    count = await client.get(f"{API}/me/notifications/unread-count", headers=me)
    assert count.json() == {"unread": 0}
    assert (await client.get(f"{API}/me/notifications", headers=other)).json() == {
        "items": [], "next_cursor": None, "unread": 0}


async def test_inbox_bad_input(app, client, db, clock) -> None:
    me = bearer_for(app, await make_user(db, now=clock.now(), verified=False))
    assert (await client.get(f"{API}/me/notifications")).status_code == 401
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"},
                   {"cursor": "eyJpZCI6MX0="}, {"cursor": "eyJhdCI6IngiLCJpZCI6MX0="}):
        answer = await client.get(f"{API}/me/notifications", params=params, headers=me)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for path in ("0", "-1", str(2**63), "abc"):
        answer = await client.post(f"{API}/me/notifications/{path}/read", headers=me)
        assert answer.status_code == 422, (path, answer.text)
    assert (await client.post(f"{API}/me/notifications/99/read", headers=me)).status_code == 404
    long_header = ",".join(["fr;q=0.1"] * 200) + ",en"
    answer = await client.get(f"{API}/me/notifications",
                              headers={**me, "Accept-Language": long_header})
    assert answer.status_code == 200


async def test_a_real_deposit_lands_in_the_inbox(client, db, clock, investor, bank,
                                                  post_callback) -> None:
    answer = await deposit(client, investor["headers"], 150_000)
    assert answer.status_code == 201, answer.text
    await bank.deliver_pending(post_callback)
    report = await dispatch_all(db, now=clock.now())
    assert report.failed == 0
    inbox = (await client.get(f"{API}/me/notifications", headers=investor["headers"])).json()
    assert [(i["topic"], i["title"], i["body"]) for i in inbox["items"]] == [
        ("payment.deposit_succeeded", "充值成功", "您充值的 ¥1,500.00 已到账。")]
