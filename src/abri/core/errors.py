"""Errors raised by services; interfaces turn them into messages for the user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class AbriError(Exception):
    """Base class of errors a service raises on purpose."""


class NotFound(AbriError):
    """The record does not exist, or the user may not see it: the two look the same."""


class PermissionDenied(AbriError):
    """The user may see the record but not do this to it.

    ``errors`` may carry, field by field, this refusal and every other problem found with it,
    so that a form shows them all at once (the API answers 403 with the message).
    """

    def __init__(self, message: object = "", *, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        self.errors: dict[str, list[str]] = {
            field: [str(m) for m in messages] for field, messages in (errors or {}).items()
        }
        super().__init__(message)


class Conflict(AbriError):
    """The record changed since the user read it: nothing was written; they should read it again."""


class ValidationFailed(AbriError):
    """Input was refused; ``errors`` maps each field (or ``__all__``) to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str] | str]) -> None:
        self.errors: dict[str, list[str]] = {
            field: [str(messages)] if isinstance(messages, str) else [str(m) for m in messages]
            for field, messages in errors.items()
        }
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items()))
