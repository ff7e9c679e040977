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

    @classmethod
    def on(cls, field: str, message: str, **params: Any) -> ValidationFailed:
        """One field's error; `message` is a msgid with %(name)s parameters."""
        exc = cls({field: [message % params if params else message]})
        exc.field = field
        exc.field_message = (message, params)
        return exc

    def messages(self, gettext) -> dict[str, list[str]]:
        """The errors per field, translated with `gettext` (and their parameters)."""
        translated: dict[str, list[str]] = {}
        one = getattr(self, "field_message", None)
        for name, messages in self.errors.items():
            if one is not None and name == self.field and len(messages) == 1:
                message, params = one
                text = gettext(message)
                try:
                    translated[name] = [text % params if params else text]
                    continue
                except (KeyError, ValueError, TypeError):
                    pass
            translated[name] = [gettext(m) for m in messages]
        return translated
