from datetime import UTC, datetime, timedelta, timezone

from finplat.audit.service import compute_hash

FIELDS = dict(previous_hash="0" * 64, sequence=1, actor_id=7, action="ledger.hold",
              target_type="account", target_id="42", summary={"b": 1, "a": [1, 2]},
              request_id="r1", ip="203.0.113.1",
              created_at=datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=UTC))


def test_hash_is_stable_and_covers_every_field() -> None:
    base = compute_hash(**FIELDS)
    assert len(base) == 64 and base == compute_hash(**FIELDS)
    changes = dict(previous_hash="1" * 64, sequence=2, actor_id=8, action="ledger.release",
                   target_type="hold", target_id="43", summary={"b": 2, "a": [1, 2]},
                   request_id="r2", ip="203.0.113.2",
                   created_at=FIELDS["created_at"] + timedelta(seconds=1))
    for name, value in changes.items():
        assert compute_hash(**{**FIELDS, name: value}) != base, name


def test_hash_ignores_key_order_offsets_and_sub_second_precision() -> None:
    base = compute_hash(**FIELDS)
    assert compute_hash(**{**FIELDS, "summary": {"a": [1, 2], "b": 1}}) == base
    shanghai = FIELDS["created_at"].astimezone(timezone(timedelta(hours=8)))
    assert compute_hash(**{**FIELDS, "created_at": shanghai}) == base
    # MySQL/MariaDB keep whole seconds only; the chain must verify there too.
    truncated = FIELDS["created_at"].replace(microsecond=0)
    assert compute_hash(**{**FIELDS, "created_at": truncated}) == base
