"""Field checks shared by the record services: text, numbers, choices, references, versions.

Each helper cleans one value and, when it is wrong, adds a message to `errors` under the
field's name, so a service can report every bad field at once with ValidationFailed.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm.models import Company
from crm.services.errors import N_, StaleEdit, ValidationFailed

Errors = dict[str, list[str]]
TEXT_MAX = 5000  # a note, a reason, a brief: the longest free text a form takes

STALE_MESSAGE = N_("Someone else saved this record while you were editing it. "
                   "Reload it and apply your change again.")


def clean(value: Any) -> str | None:
    """Collapse runs of white space; empty text becomes None."""
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def clean_block(value: Any) -> str | None:
    """Trim a multi-line text (notes) but keep its line breaks."""
    if value is None:
        return None
    value = "\n".join(line.rstrip() for line in str(value).strip().splitlines())
    return value or None


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def text(errors: Errors, field: str, value: Any, *, max_len: int,
         required: bool = False, block: bool = False) -> str | None:
    """Return the cleaned text; note a missing required value or one too long."""
    value = clean_block(value) if block else clean(value)
    if value is None:
        if required:
            add(errors, field, N_("This field is required."))
        return None
    if len(value) > max_len:
        add(errors, field, N_("Too long."))
    return value


def one_text(field: str, value: Any, *, max_len: int = TEXT_MAX, required: bool = False,
             block: bool = True) -> str | None:
    """Return the cleaned text of one field, or raise ValidationFailed naming it."""
    errors: Errors = {}
    cleaned = text(errors, field, value, max_len=max_len, required=required, block=block)
    if errors:
        raise ValidationFailed.on(field, errors[field][0])
    return cleaned


def decimal(errors: Errors, field: str, value: Any, *, minimum: Decimal | None = Decimal(0),
            max_digits: int = 14, places: int = 2) -> Decimal | None:
    """Parse a decimal (never a float); note text that is not a number or is below minimum."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        add(errors, field, N_("Not a number."))
        return None
    if not number.is_finite():
        add(errors, field, N_("Not a number."))
        return None
    if minimum is not None and number < minimum:
        add(errors, field, N_("Must not be negative.") if minimum == 0
            else N_("Too small."))
        return None
    if number.adjusted() < max_digits - places:  # else too large even to round
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number.adjusted() >= max_digits - places:
        add(errors, field, N_("The number is too large."))
        return None
    return abs(number) if number.is_zero() else number


def integer(errors: Errors, field: str, value: Any, *, minimum: int | None = None,
            maximum: int | None = None, required: bool = False) -> int | None:
    """Parse a whole number within bounds."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            add(errors, field, N_("This field is required."))
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        add(errors, field, N_("Not a whole number."))
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        add(errors, field, N_("Out of range."))
        return None
    return number


def choice(errors: Errors, field: str, value: Any,
           allowed: type[enum.Enum] | Iterable[str]) -> str | None:
    """Return the value if it is one of the allowed ones (an enum's values or a list)."""
    value = clean(value)
    if value is None:
        return None
    options = ({m.value for m in allowed} if isinstance(allowed, type) and issubclass(allowed, enum.Enum)
               else set(allowed))
    if value not in options:
        add(errors, field, N_("Not one of the allowed values."))
        return None
    return value


MAX_ID = 2**31 - 1  # PostgreSQL integer; a larger id cannot exist and would fail the query


def as_id(value: Any) -> int | None:
    """Return the value as a record id, or None if it cannot be one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def reference(session: Session, errors: Errors, field: str, model: type, record_id: Any,
              message: str = N_("No such record.")) -> int | None:
    """Check that a referenced row exists; return its id."""
    if record_id in (None, ""):
        return None
    record_id = as_id(record_id)
    if record_id is None or session.get(model, record_id) is None:
        add(errors, field, message)
        return None
    return record_id


def live_company(session: Session, errors: Errors, field: str, company_id: Any) -> int | None:
    """Check a company reference: it exists and was not merged into another one."""
    if company_id in (None, ""):
        return None
    company_id = as_id(company_id)
    company = session.get(Company, company_id) if company_id is not None else None
    if company is None:
        add(errors, field, N_("No such company."))
        return None
    if company.merged_into_id is not None:
        add(errors, field, N_("This company was merged into another one; choose that one."))
        return None
    return company_id


def email(errors: Errors, field: str, value: Any) -> str | None:
    """Validate an e-mail address (syntax only) and return its normalised form."""
    value = clean(value)
    if value is None:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        add(errors, field, N_("Not an e-mail address."))
        return value


def country(errors: Errors, field: str, value: Any, default: str = "CN") -> str:
    value = (clean(value) or default).upper()
    if len(value) != 2 or not value.isalpha() or not value.isascii():
        add(errors, field, N_("Use a two-letter country code such as CN."))
    return value


def check_version(record: Any, expected_version: int | None) -> None:
    """Refuse an edit of a record someone saved after it was opened for editing."""
    if expected_version is not None and expected_version != record.version:
        raise StaleEdit(STALE_MESSAGE)


def flush(session: Session) -> None:
    """Flush, turning a concurrent save caught by the version column into StaleEdit."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit(STALE_MESSAGE) from exc
