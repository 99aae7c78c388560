"""Assertions that hold whatever the input: a failure is a bug, never a user error."""

from __future__ import annotations


class InvariantViolation(AssertionError):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantViolation(message)
