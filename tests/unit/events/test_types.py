"""Typed events: one declaration per topic, parsed back from what the outbox stores."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from finplat.events import types
from finplat.payment.events import DepositSucceeded


def test_a_stored_event_parses_back_to_its_class() -> None:
    event = DepositSucceeded(deposit_id=1, user_id=2, amount_minor=100, currency="CNY",
                             channel="bank")
    parsed = types.parse(event.topic, event.version, event.payload())
    assert parsed == event
    assert types.event_class("payment.deposit_succeeded") is DepositSucceeded


def test_unknown_topic_or_version_and_bad_payload_are_refused() -> None:
    with pytest.raises(types.UnknownEvent):
        types.parse("nobody.heard_of", 1, {})
    with pytest.raises(types.UnknownEvent):
        types.parse("payment.deposit_succeeded", 99, {})
    with pytest.raises(ValidationError):
        types.parse("payment.deposit_succeeded", 1, {"deposit_id": "x"})


def test_a_topic_is_declared_once() -> None:
    with pytest.raises(TypeError):
        class Again(types.DomainEvent):
            topic = "payment.deposit_succeeded"
            other: int
