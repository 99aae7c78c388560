import pytest

from finplat.events.dispatcher import Registry


@pytest.fixture
def registry() -> Registry:
    return Registry()
