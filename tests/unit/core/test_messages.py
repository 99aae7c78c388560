"""Problem texts exist in Chinese and English: every error code raised in the source has its
Chinese text, and ``Accept-Language`` picks the language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import finplat
from finplat.core import messages

CODE = re.compile(r"[a-z_]+\.[a-z_]+")
# Constructors whose first argument (or ``code=``) is an error code.
RAISERS = {"InvalidInput", "Conflict", "NotFound", "Forbidden", "Unauthenticated", "RateLimited",
           "ServiceUnavailable", "DomainError", "_invalid", "_unauthenticated", "__init__",
           "field_error"}


def _codes_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    root = Path(finplat.__file__).parent
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in RAISERS:
                continue
            values = [node.args[0]] if node.args else []
            values += [kw.value for kw in node.keywords if kw.arg == "code"]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) \
                        and CODE.fullmatch(value.value):
                    found.setdefault(value.value, str(path.relative_to(root)))
    return found


def test_every_error_code_in_the_source_has_its_chinese_text() -> None:
    codes = _codes_in_source()
    assert len(codes) > 80
    missing = {code: where for code, where in codes.items() if code not in messages.DETAILS_ZH}
    assert not missing, f"add these codes to core/messages.py DETAILS_ZH: {missing}"


@pytest.mark.parametrize(
    ("header", "language"),
    [(None, "zh"), ("", "zh"), ("zh", "zh"), ("zh-CN", "zh"), ("zh-Hans-CN,zh;q=0.9", "zh"),
     ("en-US,zh-CN;q=0.8", "en"), ("zh-CN;q=0.5,en;q=0.9", "en"), ("fr,zh;q=0.1", "zh"),
     ("en", "en"), ("en-GB", "en"), ("de", "zh"), ("zh;q=abc", "zh"), ("en;q=abc", "zh"),
     ("*", "zh")],
)
def test_the_best_ranked_known_language_wins_and_chinese_is_the_default(
    header: str | None, language: str
) -> None:
    assert messages.negotiate(header) == language


def test_an_unknown_code_still_reads_chinese_around_its_english_detail() -> None:
    token = messages.language_var.set("zh")
    try:
        body = messages.localise({"status": 409, "code": "x.unknown", "detail": "why",
                                  "title": "Conflict"})
    finally:
        messages.language_var.reset(token)
    assert body["title"] == "与当前状态冲突" and body["detail"] == "与当前状态冲突：why"
