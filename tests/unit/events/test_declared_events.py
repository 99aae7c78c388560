"""Every package that publishes declares its events; nothing is published untyped."""

import importlib
from pathlib import Path

import pytest

import finplat
from finplat.events.types import declared_topics

TYPED_PACKAGES = ("identity", "investment", "marketing", "payment", "product")


@pytest.mark.parametrize("package", TYPED_PACKAGES)
def test_package_declares_its_events_and_publishes_none_untyped(package: str) -> None:
    importlib.import_module(f"finplat.{package}.events")
    assert any(topic.startswith(f"{package}.") for topic in declared_topics())
    root = Path(finplat.__file__).parent / package
    untyped = [path.name for path in root.glob("*.py")
               if "events_service.publish(" in path.read_text(encoding="utf-8")]
    assert untyped == []


def test_the_outbox_takes_typed_events_only() -> None:
    from finplat.events import service

    assert not hasattr(service, "publish")


def test_every_product_state_has_its_event() -> None:
    from finplat.product import domain
    from finplat.product.events import BY_TOPIC

    states = {target for _, target in domain.TRANSITIONS.values() if target} | {
        domain.RAISED, domain.FAILED}
    assert {f"product.{state}" for state in states} <= set(BY_TOPIC)
