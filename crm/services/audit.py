"""Record every change to business records in the audit log, whoever made it.

The log is written by a session hook, so no write path can forget it. Who made the
change comes from `acting_as()`, which the web layer, the CLI and jobs set.
"""
from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import (
    AuditEntry,
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKindLink,
    CompanyPhone,
    CompetitorProfile,
    Contact,
    CountryPavilion,
    Department,
    Exhibition,
    Hall,
    Industry,
    MediaProfile,
    Participation,
    Setting,
    User,
    Venue,
)

AUDITED = (
    Company, CompanyAlias, CompanyEmail, CompanyKindLink, CompanyPhone, CompetitorProfile,
    Contact, CountryPavilion, Department, Exhibition, Hall, Industry, MediaProfile,
    Participation, Setting, User, Venue,
)
# Calls, leads and attribution: configuration, leads and decisions (not the high-volume
# calls and queue items, which are a log themselves).
from crm.models import (  # noqa: E402
    AssignmentRule, CallList, CallOutcome, ClientAttribution, Cooperation, ExecutorAbsence,
    ExecutorCap, Lead, LeadConflict, MailingTask,
)

AUDITED = AUDITED + (AssignmentRule, CallList, CallOutcome, ClientAttribution, Cooperation,
                     ExecutorAbsence, ExecutorCap, Lead, LeadConflict, MailingTask)
NEVER_LOGGED = {"password_hash", "created_at", "updated_at", "version", "failed_logins",
                "last_login_at"}

_actor: ContextVar[int | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute the changes made inside the block to this user."""
    token = _actor.set(user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> int | None:
    return _actor.get()


def record(session: Session, action: str, entity: str, entity_id: int | None,
           *, company_id: int | None = None, before: dict | None = None,
           after: dict | None = None) -> None:
    """Log an event that is not a plain row change (login, merge, export …)."""
    session.add(AuditEntry(user_id=current_actor(), action=action, entity=entity,
                           entity_id=entity_id, company_id=company_id,
                           before=before, after=after))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _columns(obj) -> list[str]:
    return [a.key for a in inspect(obj).mapper.column_attrs if a.key not in NEVER_LOGGED]


def _snapshot(obj) -> dict[str, Any]:
    return {key: _plain(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.has_changes():
            before[key] = _plain(history.deleted[0]) if history.deleted else None
            after[key] = _plain(history.added[0]) if history.added else None
    return before, after


def _entity_id(obj) -> int | None:
    # The identity map key is not set yet in after_flush for new rows; read the columns.
    mapper = inspect(obj).mapper
    key = mapper.primary_key_from_instance(obj)
    if len(key) == 1 and isinstance(key[0], int):
        return key[0]
    return getattr(obj, "company_id", None)


def _company_of(obj) -> int | None:
    if isinstance(obj, Company):
        return obj.id
    return getattr(obj, "company_id", None)


def _entries(session: Session) -> list[dict[str, Any]]:
    actor = current_actor()
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj, action: str, before, after) -> None:
        rows.append({"at": now, "user_id": actor, "action": action,
                     "entity": obj.__tablename__, "entity_id": _entity_id(obj),
                     "company_id": _company_of(obj), "before": before, "after": after})

    for obj in session.new:
        if isinstance(obj, AUDITED):
            add(obj, "create", None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, AUDITED) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                add(obj, "update", before, after)
    # Deletes are logged per row by _log_delete: that also sees delete-orphan cascades,
    # which never appear in session.deleted.
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _flush_context) -> None:
    # After the flush new rows have ids while attribute history is still intact.
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def _log_delete(_mapper, connection, target) -> None:
    connection.execute(insert(AuditEntry.__table__), [{
        "at": utcnow(), "user_id": current_actor(), "action": "delete",
        "entity": target.__tablename__, "entity_id": _entity_id(target),
        "company_id": _company_of(target), "before": _snapshot(target), "after": None}])


for _model in AUDITED:
    event.listen(_model, "after_delete", _log_delete)
