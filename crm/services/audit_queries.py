"""Read the audit log: filters, and which entries each role may see.

The log is written by crm.services.audit; this module only reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from crm.models import AuditEntry, Company, Role, User
from crm.services import access
from crm.services.audit import AUDITED
from crm.services.paging import Page, paginate

DISPLAY_TIMEZONE = "Asia/Shanghai"
# Actions written by audit.record() beside the automatic create / update / delete.
KNOWN_ACTIONS = ("create", "update", "delete", "login", "lock", "unlock", "password_reset",
                 "export", "merge")


@dataclass
class AuditFilters:
    """What the audit list can be narrowed by; dates are local calendar days, inclusive."""

    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def entity_names() -> list[str]:
    """Return the tables whose changes are logged, for the entity filter."""
    return sorted({model.__tablename__ for model in AUDITED})


def day_start_utc(day: date, tz: str = DISPLAY_TIMEZONE) -> datetime:
    """Return the UTC instant at which a calendar day begins in the given time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def visible_entries(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause of the audit entries this user may read.

    GM and admin read everything; a supervisor reads the entries about companies they can
    see and the entries made by people of their department; others read nothing.
    """
    role = Role(user.role)
    if role in access.MANAGEMENT:
        return true()
    if role not in access.SUPERVISORS or not access.can(user, "audit.view"):
        return false()
    companies = select(Company.id).where(access.company_scope(user))
    if user.department_id is not None:
        colleagues = select(User.id).where(User.department_id == user.department_id)
        by_colleague = AuditEntry.user_id.in_(colleagues)
    else:
        by_colleague = AuditEntry.user_id == user.id
    return or_(AuditEntry.company_id.in_(companies), by_colleague)


def filtered(user: User, filters: AuditFilters, tz: str = DISPLAY_TIMEZONE) -> Select[Any]:
    """Return the select of visible entries that pass the filters, newest first."""
    stmt = select(AuditEntry).where(visible_entries(user))
    if filters.user_id is not None:
        stmt = stmt.where(AuditEntry.user_id == filters.user_id)
    if filters.entity:
        stmt = stmt.where(AuditEntry.entity == filters.entity)
    if filters.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.at >= day_start_utc(filters.date_from, tz))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEntry.at < day_start_utc(filters.date_to + timedelta(days=1), tz))
    return stmt.order_by(AuditEntry.id.desc())


def find(session: Session, user: User, filters: AuditFilters, page: int = 1,
         per_page: int = 50, tz: str = DISPLAY_TIMEZONE) -> Page[AuditEntry]:
    """Return one page of the audit entries the user may read that pass the filters."""
    stmt = filtered(user, filters, tz).options(selectinload(AuditEntry.user))
    return paginate(session, stmt, page, per_page)
