"""Figures for the telesales and supervisor dashboards: per person, per week.

Weeks run Monday to Sunday in Asia/Shanghai (the Monday meeting looks back on one). For
each person and week: calls, calls per day, reach rate (calls where someone answered),
outcomes per bucket (meeting / requirements / materials / none), leads their calls
created and how many of those leads were visited (conversion to visits).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.models import (
    Call,
    Lead,
    LeadConflict,
    LeadStatus,
    MailingTask,
    OutcomeBucket,
    User,
)
from crm.models.calls import MailingStatus
from crm.services import leads, workdays

BUCKETS = tuple(b.value for b in OutcomeBucket)


# The week rule is the calendar's; named here too because the dashboards speak in weeks.
week_start = workdays.week_start
week_bounds = workdays.week_bounds


@dataclass
class PersonWeek:
    """One person's figures for one week (Monday–Sunday, Asia/Shanghai)."""

    user_id: int | None
    week: date
    calls: int = 0
    reached: int = 0
    buckets: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    per_day: Counter = field(default_factory=Counter)
    leads_created: int = 0
    leads_visited: int = 0

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.calls if self.calls else None

    @property
    def conversion_to_visits(self) -> float | None:
        return self.leads_visited / self.leads_created if self.leads_created else None

    @property
    def days_worked(self) -> int:
        return sum(1 for n in self.per_day.values() if n)

    @property
    def calls_per_day(self) -> float | None:
        return self.calls / self.days_worked if self.days_worked else None

    def add(self, other: PersonWeek) -> None:
        self.calls += other.calls
        self.reached += other.reached
        self.buckets.update(other.buckets)
        self.outcomes.update(other.outcomes)
        self.per_day.update(other.per_day)
        self.leads_created += other.leads_created
        self.leads_visited += other.leads_visited


def call_stats(session: Session, start: date, end: date, *,
               user_ids: list[int] | None = None) -> list[PersonWeek]:
    """Per person and week, the call figures of the Shanghai days start..end (included).

    Sorted by week, then user id. A person appears in a week when they made a call or a
    lead came from their calls.
    """
    lo, hi = workdays.local_midnight(start), workdays.local_midnight(end + timedelta(days=1))
    table: dict[tuple[int | None, date], PersonWeek] = {}

    def row(user_id: int | None, at: datetime) -> PersonWeek:
        week = week_start(workdays.local_date(at))
        key = (user_id, week)
        if key not in table:
            table[key] = PersonWeek(user_id, week)
        return table[key]

    calls = select(Call.user_id, Call.at, Call.outcome, Call.bucket, Call.reached).where(
        Call.at >= lo, Call.at < hi)
    if user_ids is not None:
        calls = calls.where(Call.user_id.in_(user_ids))
    for user_id, at, outcome, bucket, reached in session.execute(calls):
        r = row(user_id, at)
        r.calls += 1
        r.reached += 1 if reached else 0
        r.buckets[bucket or OutcomeBucket.NONE.value] += 1
        r.outcomes[outcome] += 1
        r.per_day[workdays.local_date(at)] += 1
    made = (select(Lead.created_by_id, Lead.created_at, Lead.first_visit_at)
            .where(Lead.call_id.is_not(None), Lead.created_at >= lo, Lead.created_at < hi))
    if user_ids is not None:
        made = made.where(Lead.created_by_id.in_(user_ids))
    for user_id, created_at, visited_at in session.execute(made):
        r = row(user_id, created_at)
        r.leads_created += 1
        r.leads_visited += 1 if visited_at is not None else 0
    return sorted(table.values(), key=lambda r: (r.week, r.user_id or 0))


def totals(rows: list[PersonWeek]) -> dict[date, PersonWeek]:
    """The team's figures per week (sum over people)."""
    out: dict[date, PersonWeek] = {}
    for r in rows:
        out.setdefault(r.week, PersonWeek(None, r.week)).add(r)
    return out


@dataclass
class ExecutorLoad:
    user: User
    assigned: int  # waiting for acceptance
    accepted: int
    overdue: int


@dataclass
class SupervisorBoard:
    """What needs the supervisor: unassigned leads, pending acceptances, overdue, conflicts."""

    unassigned: int
    awaiting_acceptance: int
    overdue: int
    open_conflicts: int
    open_mailings: int
    executors: list[ExecutorLoad]


def supervisor_board(session: Session, today: date) -> SupervisorBoard:
    """The counts on the supervisor's dashboard for a Shanghai day."""
    by_status = dict(session.execute(select(Lead.status, func.count(Lead.id))
                                     .group_by(Lead.status)).all())
    overdue_rows = leads.overdue(session, today)
    overdue_by = Counter(lead.executor_id for lead in overdue_rows)
    per_exec: dict[int, Counter] = defaultdict(Counter)
    for executor_id, status, n in session.execute(
            select(Lead.executor_id, Lead.status, func.count(Lead.id))
            .where(Lead.executor_id.is_not(None)).group_by(Lead.executor_id, Lead.status)):
        per_exec[executor_id][status] = n
    people = [ExecutorLoad(c.user, per_exec[c.user.id][LeadStatus.ASSIGNED.value],
                           per_exec[c.user.id][LeadStatus.ACCEPTED.value],
                           overdue_by.get(c.user.id, 0))
              for c in leads.candidates(session, today)]
    return SupervisorBoard(
        unassigned=by_status.get(LeadStatus.OPEN.value, 0),
        awaiting_acceptance=by_status.get(LeadStatus.ASSIGNED.value, 0),
        overdue=len(overdue_rows),
        open_conflicts=session.scalar(select(func.count(LeadConflict.id))
                                      .where(LeadConflict.status == "open")) or 0,
        open_mailings=session.scalar(select(func.count(MailingTask.id))
                                     .where(MailingTask.status == MailingStatus.OPEN.value)) or 0,
        executors=people)


@dataclass
class AllocationRow:
    """One lead handed out in a week: its bucket and who is responsible (Monday meeting)."""

    lead: Lead
    bucket: str | None
    executor_id: int | None
    telesales_id: int | None


def allocation(session: Session, day: date) -> list[AllocationRow]:
    """The week's allocation table: leads created in the Shanghai week of `day`, by bucket."""
    lo, hi = week_bounds(day)
    rows = session.scalars(select(Lead).where(Lead.created_at >= lo, Lead.created_at < hi)
                           .options(selectinload(Lead.company), selectinload(Lead.executor),
                                    selectinload(Lead.created_by))
                           .order_by(Lead.bucket, Lead.id))
    return [AllocationRow(lead, lead.bucket, lead.executor_id, lead.created_by_id) for lead in rows]


def people(session: Session, user_ids: list[int | None]) -> dict[int, User]:
    """The users behind the ids of the figures, by id (to show their names)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def recent_weeks(day: date, count: int) -> list[date]:
    """The Mondays of the `count` weeks ending with the day's week, oldest first."""
    monday = week_start(day)
    return [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
