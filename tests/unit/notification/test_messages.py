"""Rendering inbox messages: languages, money, unknown keys."""

import pytest

from finplat.notification import messages
from finplat.notification.messages import EN, ZH


@pytest.mark.parametrize(("header", "locale"), [
    (None, ZH), ("", ZH), ("en", EN), ("en-US,en;q=0.9", EN), ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
    ("fr-FR, en;q=0.5", EN), ("en;q=0.2, zh;q=0.8", ZH), ("de", ZH), ("en;q=0", ZH),
    ("en;q=abc", ZH), (";;,,", ZH), ("*", ZH),
])
def test_locale_from_accept_language(header, locale) -> None:
    assert messages.locale_from(header) == locale


@pytest.mark.parametrize(("minor", "text"), [
    (0, "¥0.00"), (5, "¥0.05"), (123_456, "¥1,234.56"), (100_000_000, "¥1,000,000.00"),
    (-250, "-¥2.50"),
])
def test_money(minor, text) -> None:
    assert messages.money(minor) == text


def test_every_message_renders_in_both_languages() -> None:
    params = {"amount_minor": 123_456, "fee_minor": 200, "currency": "CNY", "product_id": 3,
              "product_name": "稳健30天", "principal_minor": 100_000, "yield_minor": 321,
              "reason": "raise_failed"}
    for key in messages.MESSAGES:
        zh_title, zh_body = messages.render(key, params, ZH)
        en_title, en_body = messages.render(key, params, EN)
        assert zh_title and en_title and zh_title != en_title
        assert "¥" in zh_body and "¥" in en_body
        # No Chinese in English texts except the product's own name.
        assert en_body.replace("稳健30天", "").replace("¥", "").isascii()


def test_unknown_key_and_missing_product_name() -> None:
    assert messages.render("from_the_future", {}, EN) == ("Notice", "You have a new message.")
    _, body = messages.render("order_confirmed", {"amount_minor": 100, "product_id": 4}, EN)
    assert "product #4" in body and "¥1.00" in body
    _, body = messages.render("order_refunded", {"amount_minor": 100, "product_id": 4,
                                                 "reason": "delisted"}, ZH)
    assert body.startswith("产品 #4已下架")
