"""Business settings: values the business tunes, stored in the database over coded defaults.

Each setting is declared once with its default and what it means (`declare`); the database
row, when there is one, wins. An admin page can list `declared()` and call `put`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Setting
from crm.services.errors import N_, ValidationFailed


@dataclass(frozen=True)
class Declared:
    key: str
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None


_DECLARED: dict[str, Declared] = {}


def declare(key: str, default: Any, description: str, *, minimum: float | None = None,
            maximum: float | None = None) -> str:
    """Declare a setting with its default; return the key."""
    _DECLARED[key] = Declared(key, default, description, minimum, maximum)
    return key


def declared() -> list[Declared]:
    """Every declared setting, by key."""
    return [_DECLARED[k] for k in sorted(_DECLARED)]


def get(session: Session, key: str) -> Any:
    """Return the stored value of a setting, or its default."""
    row = session.get(Setting, key)
    if row is not None:
        return row.value
    return _DECLARED[key].default


def get_many(session: Session, prefix: str) -> dict[str, Any]:
    """Return every declared setting under a prefix ("matching.") with its current value."""
    values = {k: d.default for k, d in _DECLARED.items() if k.startswith(prefix)}
    for row in session.scalars(select(Setting).where(Setting.key.startswith(prefix))):
        values[row.key] = row.value
    return values


def put(session: Session, key: str, value: Any, *, user_id: int | None = None) -> Setting:
    """Store a setting's value, checked against its declared range."""
    spec = _DECLARED.get(key)
    if spec is None:
        raise ValidationFailed({key: [N_("Unknown setting.")]})
    if isinstance(spec.default, (int, float)) and not isinstance(spec.default, bool):
        try:
            value = type(spec.default)(value)
        except (TypeError, ValueError):
            raise ValidationFailed({key: [N_("Enter a number.")]}) from None
        if (spec.minimum is not None and value < spec.minimum) or (
                spec.maximum is not None and value > spec.maximum):
            raise ValidationFailed({key: [N_("Out of range.")]})
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=value, updated_by_id=user_id)
        session.add(row)
    else:
        row.value = value
        row.updated_by_id = user_id
    session.flush()
    return row
