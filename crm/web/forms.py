"""Shared form helpers: submit a form to a service, put a domain error on the fields it names,
read choices."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Exhibition, Industry
from crm.services.errors import DomainError, ValidationFailed
from crm.web import database
from crm.web.errors import translate

T = TypeVar("T")


class VersionedForm(FlaskForm):
    """A form for an existing record; `version` detects a concurrent edit."""

    version = HiddenField()


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's error on the fields it names (or on the form)."""
    if isinstance(exc, ValidationFailed):
        for name, messages in exc.messages(gettext).items():
            target = getattr(form, name, None)
            for text in messages:
                if target is not None:
                    target.errors = list(target.errors) + [text]
                else:
                    form.form_errors.append(f"{name}: {text}")
        return
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = list(target.errors) + [translate(exc)]
    else:
        form.form_errors.append(translate(exc))


@dataclass(frozen=True)
class Saved(Generic[T]):
    """A successful `submit`: the action's result (often None for an update), committed."""

    value: T


def submit(form: FlaskForm, action: Callable[[Session], T],
           on_error: Callable[[FlaskForm, DomainError], None] = apply_errors) -> Saved[T] | None:
    """Validate the posted form and run the service action in one transaction.

    Returns `Saved(result)` after a commit, or None when the form must be shown again (not
    posted, invalid input, or a domain error: rolled back and shown by `on_error`, which puts it
    on the fields it names)."""
    if not form.validate_on_submit():
        return None
    s = database.session()
    try:
        value = action(s)
        s.commit()
    except DomainError as exc:
        s.rollback()
        on_error(form, exc)
        return None
    return Saved(value)


def industry_choices(blank: bool = True) -> list[tuple[str, str]]:
    rows = database.session().execute(
        select(Industry.id, Industry.name_zh, Industry.name_en)
        .where(Industry.active.is_(True)).order_by(Industry.sort_order, Industry.name_zh))
    items = [(str(i), zh) for i, zh, _en in rows]
    return [("", "—")] + items if blank else items


def exhibition_choices(blank: bool = True, *, opening_after: date | None = None,
                       limit: int | None = None) -> list[tuple[str, str]]:
    """The shows for a dropdown, newest first ("2026 上海国际汽车展 (2026-04-23)").

    `opening_after`: only editions opening on or after that day (or without dates), the
    soonest first. Plain rows, not ORM objects: a firm's history holds thousands of shows.
    """
    stmt = select(Exhibition.id, Exhibition.year, Exhibition.name_zh, Exhibition.starts_on)
    if opening_after is not None:
        stmt = (stmt.where(Exhibition.starts_on.is_(None) | (Exhibition.starts_on >= opening_after))
                .order_by(Exhibition.starts_on.is_(None), Exhibition.starts_on, Exhibition.name_zh))
    else:
        stmt = stmt.order_by(Exhibition.starts_on.is_(None), Exhibition.starts_on.desc(),
                             Exhibition.year.desc(), Exhibition.name_zh)
    rows = database.session().execute(stmt.limit(limit))
    items = [(str(i), f"{year} {name}" + (f" ({starts.isoformat()})" if starts else ""))
             for i, year, name, starts in rows]
    return [("", "—")] + items if blank else items


def optional_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class IntSelectField(SelectField):
    """A select whose empty choice means None and whose values are ids."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
