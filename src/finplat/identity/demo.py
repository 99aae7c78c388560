"""Demo accounts: verified investors with bank cards, a borrower, an institution user and one
account per staff role. Every login is recorded in ``ctx.logins`` for the printed table."""

from __future__ import annotations

from datetime import date

from finplat.demo import DemoContext
from finplat.identity import admin, identifiers, kyc
from finplat.identity.models import STAFF_ROLES

DEMO_PASSWORD = "Demo-pass-2026"  # noqa: S105 - printed for demo logins on purpose
# (login, role, real name, birth date, sequence code)
_CUSTOMERS = (
    ("13800000001", "investor", "王小明", date(1985, 4, 12), 11),
    ("13800000002", "investor", "李娜", date(1990, 9, 3), 22),
    ("13800000003", "investor", "陈建国", date(1972, 1, 28), 33),
    ("13800000004", "borrower", "赵丽", date(1988, 11, 19), 44),
)
DEMO_INSTITUTION_USCC = "91350100M000100Y43"


def _card_number(seed: int) -> str:
    partial = f"622202{seed:012d}"
    return partial + identifiers.luhn_check_digit(partial)


async def _verified_customer(
    ctx: DemoContext,
    *,
    login: str,
    role: str,
    name: str,
    birth: date,
    sequence: int,
    institution_id: int | None = None,
) -> int:
    now = ctx.clock.now()
    user_id, _ = await admin.create_account(
        ctx.db,
        username=None,
        phone=login,
        email=None,
        password=DEMO_PASSWORD,
        roles=(role,),
        institution_id=institution_id,
        now=now,
        actor_id=None,
    )
    await kyc.verify(
        ctx.db,
        user_id=user_id,
        real_name=name,
        id_number=identifiers.make_resident_id("110105", birth, sequence),
        bank_card_number=_card_number(user_id * 1000 + sequence),
        bank_reserved_phone=login,
        now=now,
        minimum_age_years=18,
        provider=kyc.SimulatedIdentityProvider(),
    )
    ctx.logins[login] = {
        "password": DEMO_PASSWORD,
        "role": role,
        "user_id": user_id,
        "totp_secret": None,
    }
    return user_id


async def seed(ctx: DemoContext) -> None:
    now = ctx.clock.now()
    for login, role, name, birth, sequence in _CUSTOMERS:
        await _verified_customer(
            ctx, login=login, role=role, name=name, birth=birth, sequence=sequence
        )
    institution = await admin.create_institution(
        ctx.db, name="示例理财有限公司", uscc=DEMO_INSTITUTION_USCC, now=now, actor_id=None
    )
    institution_id = institution["id"]
    await _verified_customer(
        ctx,
        login="13800000005",
        role="institution",
        name="孙经理",
        birth=date(1980, 6, 6),
        sequence=55,
        institution_id=institution_id,
    )
    for role in sorted(STAFF_ROLES):
        login = role.replace("_", "-")
        user_id, secret = await admin.create_account(
            ctx.db,
            username=login,
            phone=None,
            email=None,
            password=DEMO_PASSWORD,
            roles=(role,),
            institution_id=None,
            now=now,
            actor_id=None,
        )
        ctx.logins[login] = {
            "password": DEMO_PASSWORD,
            "role": role,
            "user_id": user_id,
            "totp_secret": secret,
        }
