from datetime import UTC, date, datetime

from finplat.analytics import funds


def test_bucketing_uses_the_shanghai_business_day() -> None:
    rows = [
        (datetime(2026, 3, 1, 15, 59, tzinfo=UTC), 100),  # 23:59 on 1 March in Shanghai
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), 200),  # 00:00 on 2 March
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), 300),
    ]
    assert funds.bucket(rows) == {date(2026, 3, 1): (100, 1), date(2026, 3, 2): (500, 2)}


def test_assemble_fills_quiet_days_and_computes_net_inflow() -> None:
    days = funds.days_between(date(2026, 3, 1), date(2026, 3, 4))
    assert days == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    result = funds.assemble(
        days,
        {date(2026, 3, 2): (500, 2)},
        {date(2026, 3, 2): (120, 1)},
        {date(2026, 3, 1): 0, date(2026, 3, 2): 380, date(2026, 3, 3): 380},
    )
    assert [d.net_inflow_minor for d in result] == [0, 380, 0]
    assert result[1].deposit_count == 2 and result[1].withdrawal_count == 1
    assert [d.customer_balance_minor for d in result] == [0, 380, 380]
