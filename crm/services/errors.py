"""Domain errors: one handler in the web layer turns them into a message or a JSON error.

Messages are English msgids with %(name)s parameters so the web layer can translate
them (the services never import Flask or Babel).
"""
from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class DomainError(Exception):
    """A business rule refused the request."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The record clashes with another one (a unique key, a state)."""

    status = 409
    code = "conflict"


class StaleEdit(Conflict):
    """Someone else saved the record after it was opened for editing."""

    code = "stale"


class ValidationFailed(DomainError):
    """One or more fields are invalid; `errors` maps each field to its messages."""

    status = 422
    code = "validation"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(N_("Some fields are invalid."))
        self.errors = errors
