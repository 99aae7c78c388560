"""Name normalisation and matching for watch-list screening."""

from __future__ import annotations

import pytest

from finplat.risk import screening


@pytest.mark.parametrize("name", ["张三", "張三", "Zhang San", "ZHANG  San", "zhangsan",
                                  "San Zhang", " 张 三 "])
def test_finds_zhang_san_in_every_writing(name: str) -> None:
    assert screening.similarity(name, "张三") >= screening.MATCH_THRESHOLD


@pytest.mark.parametrize("name", ["张山", "Zhang Shan", "李四", "张三丰"])
def test_does_not_confuse_other_names(name: str) -> None:
    assert screening.similarity(name, "张三") < screening.MATCH_THRESHOLD


def test_latin_names_tolerate_a_typo_and_case() -> None:
    assert screening.similarity("JOHN  SMITH", "John Smith") == 1.0
    assert screening.similarity("Jon Smith", "John Smith") >= screening.MATCH_THRESHOLD
    assert screening.similarity("Jane Smythe", "John Smith") < screening.MATCH_THRESHOLD


def test_normalize_simplifies_and_collapses() -> None:
    assert screening.normalize("  張-三 ") == "张 三"
    assert screening.syllables("張三") == ["zhang", "san"]
