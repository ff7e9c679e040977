"""The executor's desk (我的工作台): what an executor works on today, in one read.

My leads by next-step date (overdue first), this week's visits (mine and those delegated
to me) with their report status, the materials I am to send, and my open design requests
(when the design-requests feature is installed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import Lead, MailingTask, User, Visit
from crm.services import calls, leads, visits, workdays


@dataclass
class Desk:
    today: date
    leads: list[Lead]
    overdue: int
    visits: list[Visit]
    week: tuple[date, date]
    mailings: list[MailingTask]
    design_requests: list[Any] | None = None  # None: the design feature is not installed
    without_report: list[Visit] = field(default_factory=list)


def my_leads(session: Session, user: User, today: date) -> list[Lead]:
    """The user's open leads: overdue first, then by next-step date (none last)."""
    late = leads.overdue_clause(today)
    return list(session.scalars(
        select(Lead).where(Lead.executor_id == user.id, Lead.status.in_(leads.OPEN_STATUSES))
        .options(selectinload(Lead.company))
        .order_by(case((late, 0), else_=1), Lead.next_step_due.is_(None), Lead.next_step_due,
                  Lead.id)))


def _design_requests(session: Session, user: User, today: date) -> list[Any] | None:
    try:
        from crm.services import design_requests
    except ImportError:  # the design feature is not installed
        return None
    listing = getattr(design_requests, "open_requests_for", None)
    return listing(session, user, today) if listing is not None else None


def desk(session: Session, user: User, now: datetime | None = None) -> Desk:
    """Everything the desk page shows for this user."""
    now = now or utcnow()
    today = workdays.local_date(now)
    mine = my_leads(session, user, today)
    late = visits.visits_without_report(session, now, user_id=user.id)
    return Desk(today=today, leads=mine, overdue=sum(1 for x in mine if x.is_overdue(today)),
                visits=visits.this_week(session, user, now), week=visits.week_of(today),
                mailings=calls.mailing_tasks(session, user),
                design_requests=_design_requests(session, user, today), without_report=late)
