from datetime import timedelta

import pytest

from finplat.events.dispatcher import Registry, RetryPolicy


async def _noop(session, event) -> None:
    return None


async def _other(session, event) -> None:
    return None


def test_register_and_look_up_by_topic() -> None:
    registry = Registry()
    registry.register("a.happened", "z.second", _noop)
    registry.register("a.happened", "a.first", _other)
    registry.register("b.happened", "b.only", _noop)
    assert [h.name for h in registry.for_topic("a.happened")] == ["a.first", "z.second"]
    assert registry.for_topic("c.happened") == []


def test_decorator_defaults_the_name_to_the_function() -> None:
    registry = Registry()

    @registry.handler("a.happened")
    async def react(session, event) -> None:
        return None

    (registered,) = registry.for_topic("a.happened")
    assert registered.name.endswith("react") and registered.fn is react


def test_names_are_unique_but_registering_again_is_harmless() -> None:
    registry = Registry()
    registry.register("a.happened", "h", _noop)
    registry.register("a.happened", "h", _noop)
    with pytest.raises(ValueError):
        registry.register("a.happened", "h", _other)
    with pytest.raises(ValueError):
        registry.register("b.happened", "h", _noop)
    with pytest.raises(ValueError):
        registry.register("a.happened", "x" * 129, _noop)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=timedelta(seconds=10),
                         max_delay=timedelta(seconds=50))
    assert [policy.delay_after(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 50]
