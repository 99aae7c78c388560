"""Cursor ids: only what a BIGINT id column can hold (a forged cursor beyond it made every list
endpoint answer 500: the database driver could not bind the number)."""

from __future__ import annotations

import pytest

from finplat.core.errors import InvalidInput
from finplat.core.fields import MAX_ID
from finplat.core.pagination import cursor_id, encode_cursor


@pytest.mark.parametrize("value", [0, 1, MAX_ID])
def test_ids_a_bigint_holds_pass(value: int) -> None:
    assert cursor_id(encode_cursor({"id": value})) == value


@pytest.mark.parametrize("value", [MAX_ID + 1, 2**70, -1, -(2**63) - 1, True, 1.5, "7"])
def test_anything_else_is_invalid_input(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        cursor_id(encode_cursor({"id": value}))
    assert refused.value.problem()["errors"][0]["field"] == "cursor"
