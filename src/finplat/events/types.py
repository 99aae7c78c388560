"""Typed domain events: one frozen model per topic, declared in ``<package>/events.py``.

An event names what happened, in the past tense, with the facts its consumers need and nothing
personal beyond ids (payloads are stored in the outbox and read by every consumer). Each topic
has exactly one payload shape per ``version``; a change that consumers could misread is a new
version, and handlers are given the model parsed from the stored payload and version.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_BY_TOPIC: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Base of every event. Subclasses set ``topic`` (``<package>.<what_happened>``) and, when
    their payload changes incompatibly, a higher ``version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        topic = cls.__dict__.get("topic")
        if topic is None:
            return  # an abstract intermediate class
        if not isinstance(topic, str) or "." not in topic or len(topic) > 64:
            raise TypeError(f"{cls.__qualname__}.topic must be '<package>.<event>', <= 64 chars")
        existing = _BY_TOPIC.get(topic)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"topic {topic!r} is declared twice: {existing} and {cls}")
        _BY_TOPIC[topic] = cls

    def payload(self) -> dict[str, Any]:
        """What the outbox stores: JSON-ready values."""
        return self.model_dump(mode="json")


class UnknownEvent(LookupError):
    """A stored topic or version that no declared event class matches."""


def event_class(topic: str) -> type[DomainEvent] | None:
    return _BY_TOPIC.get(topic)


def parse(topic: str, version: int, payload: dict[str, Any]) -> DomainEvent:
    """The typed event stored as ``(topic, version, payload)``. Raises ``UnknownEvent`` for an
    undeclared topic or another version, ``pydantic.ValidationError`` for a payload that does not
    match its declaration."""
    cls = _BY_TOPIC.get(topic)
    if cls is None or cls.version != version:
        raise UnknownEvent(f"no event class for {topic!r} version {version}")
    return cls.model_validate(payload)


def declared_topics() -> dict[str, type[DomainEvent]]:
    return dict(_BY_TOPIC)
