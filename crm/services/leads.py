"""Leads: open them, hand them to executors (by hand or by rules), accept, follow up.

The rules of the hand-over, all in this module:

* A company has at most one open lead (a partial unique index backs this). Whoever else
  brings the same company — a telesales call, an executor registering a self-developed or
  inbound client — raises a `LeadConflict` for the supervisor instead of a duplicate.
* Only active executors (业务执行人员 or their supervisor) receive leads; never someone
  absent today, and automatic rules respect each executor's daily cap (ExecutorCap, else
  the setting leads.daily_cap). A supervisor may pass `force=True` to exceed a cap by hand.
* Every automatic assignment records why that executor was chosen (LeadAssignment.reason).
* The executor accepts within `leads.accept_hours` working hours (China's working-day
  calendar, crm.services.workdays) or `expire_unaccepted` returns the lead to the
  supervisor; every hand-over, return and reassignment stays in the history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    AssignmentKind,
    AssignmentRule,
    Call,
    ClientAttribution,
    Company,
    ExecutorAbsence,
    ExecutorCap,
    Industry,
    Lead,
    LeadAssignment,
    LeadConflict,
    LeadSource,
    LeadStatus,
    MailingTask,
    Participation,
    Role,
    RuleKind,
    Setting,
    User,
)
from crm.models.leads import OPEN_LEAD_STATUSES
from crm.services import access, fields, settings, workdays
from crm.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from crm.services.paging import Page, paginate

EXECUTOR_ROLES = frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR})
OPEN_STATUSES = tuple(s.value for s in OPEN_LEAD_STATUSES)
SOURCES = tuple(s.value for s in LeadSource)
# What an executor may register themselves (telesales leads come from calls).
REGISTERED_SOURCES = (LeadSource.SELF_DEVELOPED.value, LeadSource.INBOUND.value,
                      LeadSource.REFERRAL.value, LeadSource.OTHER_CHANNEL.value)
# Hand-overs that count towards an executor's daily cap.
COUNTED_KINDS = (AssignmentKind.MANUAL.value, AssignmentKind.RULE.value,
                 AssignmentKind.REASSIGN.value, AssignmentKind.CONFLICT.value)
CLOSE_REASONS = ("won", "lost", "duplicate", "unreachable", "other")
TEXT_MAX = fields.TEXT_MAX

ACCEPT_HOURS = settings.declare(
    "leads.accept_hours", 8,
    "Working hours an executor has to accept an assigned lead before it returns to the supervisor.",
    minimum=1, maximum=400)
DAILY_CAP = settings.declare(
    "leads.daily_cap", 5,
    "Leads an executor is given per day unless their own cap says otherwise (0: no limit).",
    minimum=0, maximum=1000)
AUTO_DEFAULT = 1
AUTO_ASSIGN = settings.declare(
    "leads.auto_assign", AUTO_DEFAULT,
    "1: a new lead goes through the assignment rules at once; 0: it waits for the supervisor.",
    minimum=0, maximum=1)
# Whether any rule is active, and the switch, in one read.
_AUTO = select(exists().where(AssignmentRule.active.is_(True)),
               select(Setting.value).where(Setting.key == AUTO_ASSIGN).scalar_subquery())


# --- errors -----------------------------------------------------------------------------

class AssigneeRefused(ValidationFailed):
    """The chosen executor cannot take the lead; the field `executor_id` says why."""

    code = "assignee_refused"

    def __init__(self, message: str, **params: Any) -> None:
        text = message % params if params else message
        super().__init__({"executor_id": [text]})
        self.message, self.params, self.field = message, params, "executor_id"
        self.args = (text,)


class NotAnExecutor(AssigneeRefused):
    code = "not_executor"


class ExecutorAbsent(AssigneeRefused):
    code = "executor_absent"


class DailyCapReached(AssigneeRefused):
    code = "daily_cap"


class NotYourLead(Forbidden):
    code = "not_your_lead"


class WrongLeadState(Conflict):
    code = "lead_state"


class AcceptDeadlinePassed(Conflict):
    """Too late to accept: the lead is on its way back to the supervisor."""

    code = "accept_expired"






# --- results ----------------------------------------------------------------------------

@dataclass
class LeadResult:
    """What opening or registering a lead did.

    `lead` is the new (or the caller's own existing) lead; `conflict` is set instead when
    someone else already follows the company, with `existing` their lead.
    """

    lead: Lead | None = None
    conflict: LeadConflict | None = None
    existing: Lead | None = None
    assignment: LeadAssignment | None = None


# --- looking leads up --------------------------------------------------------------------

_OPEN_LEAD_OF = select(Lead).where(
    Lead.company_id == bindparam("p_company"),
    text("leads.status IN ('open', 'assigned', 'accepted')"))  # the partial index's predicate


def open_lead_of(session: Session, company_id: int) -> Lead | None:
    """Return the company's open lead (open, assigned or accepted), if any."""
    return session.scalars(_OPEN_LEAD_OF, {"p_company": company_id}).first()


def visible_open_lead(session: Session, user: User, company_id: int) -> Lead | None:
    """Return the company's open lead if the user may see it (one query)."""
    return session.scalars(select(Lead).where(
        Lead.company_id == company_id, Lead.status.in_(OPEN_STATUSES),
        lead_scope(user))).first()


def lead_scope(user: User) -> ColumnElement[bool]:
    """The WHERE clause of the leads a user may see.

    Supervisors and management see every lead; executors the leads they hold or held;
    telesales the leads their calls opened.
    """
    role = Role(user.role)
    if role in access.SUPERVISORS | access.MANAGEMENT:
        return true()
    if role in EXECUTOR_ROLES:
        held = select(LeadAssignment.lead_id).where(LeadAssignment.to_user_id == user.id)
        return or_(Lead.executor_id == user.id, Lead.id.in_(held))
    if role == Role.TELESALES:
        return Lead.created_by_id == user.id
    return false()


def visible_lead(session: Session, user: User, lead_id: int) -> Lead:
    """Load a lead the user may see, or raise NotFound."""
    lead = session.scalars(select(Lead).where(Lead.id == lead_id, lead_scope(user))
                           .options(selectinload(Lead.company))).first()
    if lead is None:
        raise NotFound(N_("No such lead."))
    return lead


@dataclass
class LeadFilters:
    """What the lead list can be narrowed by."""

    status: str | None = None
    executor_id: int | None = None
    source: str | None = None
    company_id: int | None = None
    overdue: bool = False
    unassigned: bool = False
    bucket: str | None = None
    # The lead list shows overdue leads first, then the newest.
    overdue_first: bool = False


def filtered(user: User, filters: LeadFilters, today: date) -> Select[Any]:
    """The lead list's statement for this user and filters (newest first)."""
    stmt = select(Lead).where(lead_scope(user)).options(
        selectinload(Lead.company), selectinload(Lead.executor))
    if filters.status:
        stmt = stmt.where(Lead.status == filters.status)
    if filters.executor_id:
        stmt = stmt.where(Lead.executor_id == filters.executor_id)
    if filters.source:
        stmt = stmt.where(Lead.source == filters.source)
    if filters.company_id:
        stmt = stmt.where(Lead.company_id == filters.company_id)
    if filters.unassigned:
        stmt = stmt.where(Lead.status == LeadStatus.OPEN.value)
    if filters.bucket:
        stmt = stmt.where(Lead.bucket == filters.bucket)
    if filters.overdue:
        stmt = stmt.where(overdue_clause(today))
    if filters.overdue_first:
        late = overdue_clause(today)
        stmt = stmt.order_by(case((late, 0), else_=1), case((late, Lead.next_step_due), else_=None))
    return stmt.order_by(Lead.created_at.desc(), Lead.id.desc())


def find(session: Session, user: User, filters: LeadFilters, *, page: int = 1,
         per_page: int = 50, today: date | None = None) -> Page[Lead]:
    """One page of the leads the user may see."""
    today = today or workdays.local_date(utcnow())
    return paginate(session, filtered(user, filters, today), page, per_page)


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Open leads whose next step is past due (today is the Asia/Shanghai date)."""
    return (Lead.status.in_(OPEN_STATUSES) & Lead.next_step_due.is_not(None)
            & (Lead.next_step_due < today))


def overdue(session: Session, today: date, *, executor_id: int | None = None) -> list[Lead]:
    """Overdue leads, oldest due first (for the executor's and supervisor's dashboards)."""
    stmt = select(Lead).where(overdue_clause(today)).options(
        selectinload(Lead.company), selectinload(Lead.executor))
    if executor_id is not None:
        stmt = stmt.where(Lead.executor_id == executor_id)
    return list(session.scalars(stmt.order_by(Lead.next_step_due, Lead.id)))


# --- opening leads -----------------------------------------------------------------------

def _skip_waiting_calls(session: Session, company_id: int) -> None:
    # Nobody cold-calls a company an executor is about to follow.
    from crm.services import calls

    calls.skip_company_items(session, company_id, "lead_opened")


def _conflict(session: Session, existing: Lead | None, *, company_id: int, user: User,
              source: str, call: Call | None, note: str | None) -> LeadResult:
    conflict = LeadConflict(company_id=company_id,
                            lead_id=existing.id if existing is not None else None,
                            requested_by_id=user.id, source=source,
                            call_id=call.id if call is not None else None, note=note)
    session.add(conflict)
    session.flush()
    return LeadResult(conflict=conflict, existing=existing)


def _insert_lead(session: Session, lead: Lead) -> Lead:
    """Insert a lead (the caller checked there is no open one).

    Two people opening a lead for one company in the same instant are stopped by the
    unique index: the second transaction fails with an IntegrityError, which the web layer
    reports as a conflict (409) — nothing half-done is kept, and a retry finds the lead.
    """
    session.add(lead)
    session.flush()
    return lead


def open_lead(session: Session, company_id: int, *, source: str, by: User,
              bucket: str | None = None, call: Call | None = None, note: str | None = None,
              now: datetime | None = None, auto_assign: bool | None = None) -> LeadResult:
    """Open a lead for the supervisor to assign (or the rules, when leads.auto_assign is 1).

    When the company has an open lead already, records a LeadConflict instead.
    """
    now = now or utcnow()
    if source not in SOURCES:
        raise ValidationFailed.on("source", N_("Unknown lead source."))
    note = fields.one_text("note", note)
    existing = open_lead_of(session, company_id)
    if existing is None:
        lead = _insert_lead(session, Lead(
            company_id=company_id, source=source, bucket=bucket,
            call_id=call.id if call is not None else None, status=LeadStatus.OPEN.value,
            created_by_id=by.id, note=note, created_at=now, updated_at=now))
        _skip_waiting_calls(session, company_id)
        result = LeadResult(lead=lead)
        if auto_assign is None:
            has_rules, switch = session.execute(_AUTO).one()
            auto_assign = has_rules and int(AUTO_DEFAULT if switch is None else switch)
        if auto_assign:
            result.assignment = auto_assign_lead(session, lead, now=now)
        return result
    return _conflict(session, existing, company_id=company_id, user=by, source=source,
                     call=call, note=note)


def open_from_call(session: Session, company_id: int, call: Call, *, bucket: str, user: User,
                   now: datetime | None = None) -> LeadResult:
    """Open the lead a telesales outcome (meeting possible, requirements sent) asks for."""
    return open_lead(session, company_id, source=LeadSource.TELESALES.value, by=user,
                     bucket=bucket, call=call, note=call.note, now=now)


def register_client(session: Session, executor: User, company_id: int, source: str, *,
                    note: str | None = None, now: datetime | None = None) -> LeadResult:
    """Register a client an executor brought in (self-developed, inbound, referral …).

    The executor follows it at once (accepted). If someone else has an open lead for the
    company, or it is another executor's client, a LeadConflict goes to the supervisor and
    no lead is made (the executor need not see the company for that); if the executor
    has it already, their lead is returned.
    """
    access.require(executor, "lead.follow")
    now = now or utcnow()
    if source not in REGISTERED_SOURCES:
        raise ValidationFailed.on("source", N_("Pick self-developed, inbound, referral or other channel."))
    note = fields.one_text("note", note)
    company = session.get(Company, company_id)
    if company is None or company.merged_into_id is not None:
        raise NotFound(N_("No such company."))
    existing = open_lead_of(session, company.id)
    if existing is not None:
        if existing.executor_id == executor.id:
            return LeadResult(lead=existing, existing=existing)
        return _conflict(session, existing, company_id=company.id, user=executor, source=source,
                         call=None, note=note)
    if company.owner_id not in (None, executor.id):
        # Another executor's client (hidden from this one): the supervisor decides.
        return _conflict(session, None, company_id=company.id, user=executor, source=source,
                         call=None, note=note)
    lead = _insert_lead(session, Lead(
        company_id=company.id, source=source, status=LeadStatus.ACCEPTED.value,
        executor_id=executor.id, created_by_id=executor.id, assigned_at=now, accepted_at=now,
        note=note, created_at=now, updated_at=now))
    assignment = _record(session, lead, AssignmentKind.SELF, None, executor, executor, now,
                         reason=f"Registered by the executor ({source}).")
    if company.owner_id is None:
        company.owner_id = executor.id
    _skip_waiting_calls(session, company.id)
    session.flush()
    return LeadResult(lead=lead, assignment=assignment)


# --- who may take a lead ---------------------------------------------------------------

def absence_on(session: Session, user_id: int, day: date) -> ExecutorAbsence | None:
    """Return the absence covering the day, if any."""
    return session.scalars(select(ExecutorAbsence).where(
        ExecutorAbsence.user_id == user_id, ExecutorAbsence.starts_on <= day,
        ExecutorAbsence.ends_on >= day).order_by(ExecutorAbsence.ends_on.desc())).first()


def daily_cap(session: Session, user_id: int) -> int:
    """The executor's daily cap (0: no limit)."""
    own = session.get(ExecutorCap, user_id)
    return own.daily_cap if own is not None else int(settings.get(session, DAILY_CAP))


def assigned_on(session: Session, user_ids: list[int], day: date) -> dict[int, int]:
    """Leads handed to each executor on a local day (what the daily cap counts)."""
    start = workdays.local_midnight(day)
    end = workdays.local_midnight(day + timedelta(days=1))
    rows = session.execute(
        select(LeadAssignment.to_user_id, func.count(func.distinct(LeadAssignment.lead_id)))
        .where(LeadAssignment.to_user_id.in_(user_ids), LeadAssignment.at >= start,
               LeadAssignment.at < end, LeadAssignment.kind.in_(COUNTED_KINDS))
        .group_by(LeadAssignment.to_user_id))
    return {uid: n for uid, n in rows}


def open_loads(session: Session, user_ids: list[int] | None = None) -> dict[int, int]:
    """Open leads (assigned or accepted) each executor holds."""
    stmt = (select(Lead.executor_id, func.count(Lead.id))
            .where(Lead.executor_id.is_not(None),
                   Lead.status.in_((LeadStatus.ASSIGNED.value, LeadStatus.ACCEPTED.value)))
            .group_by(Lead.executor_id))
    if user_ids is not None:
        stmt = stmt.where(Lead.executor_id.in_(user_ids))
    return {uid: n for uid, n in session.execute(stmt)}


def _refusal(session: Session, user: User, day: date, *, count_cap: bool,
             extra_today: int = 0) -> AssigneeRefused | None:
    if Role(user.role) not in EXECUTOR_ROLES:
        return NotAnExecutor(N_("%(name)s is not an executor; leads go to executors only."),
                             name=user.display_name)
    if not user.active:
        return NotAnExecutor(N_("%(name)s's account is inactive."), name=user.display_name)
    absence = absence_on(session, user.id, day)
    if absence is not None:
        return ExecutorAbsent(N_("%(name)s is absent until %(until)s."),
                              name=user.display_name, until=absence.ends_on.isoformat())
    if count_cap:
        cap = daily_cap(session, user.id)
        given = assigned_on(session, [user.id], day).get(user.id, 0) + extra_today
        if cap and given >= cap:
            return DailyCapReached(N_("%(name)s has had %(count)s leads today, the daily cap."),
                                   name=user.display_name, count=given)
    return None


@dataclass
class Candidate:
    """An executor as the assignment screen and the rules see them today."""

    user: User
    open_leads: int
    today: int
    cap: int
    refusal: AssigneeRefused | None = None

    @property
    def available(self) -> bool:
        return self.refusal is None


def candidates(session: Session, day: date, user_ids: list[int] | None = None) -> list[Candidate]:
    """Every active executor (or those given) with their load, today's count and cap."""
    stmt = select(User).where(User.role.in_([r.value for r in EXECUTOR_ROLES]),
                              User.active.is_(True)).order_by(User.display_name, User.id)
    if user_ids is not None:
        stmt = select(User).where(User.id.in_(user_ids)).order_by(User.id)
    users = list(session.scalars(stmt))
    ids = [u.id for u in users]
    loads = open_loads(session, ids)
    today = assigned_on(session, ids, day)
    out = []
    for u in users:
        out.append(Candidate(u, loads.get(u.id, 0), today.get(u.id, 0), daily_cap(session, u.id),
                             _refusal(session, u, day, count_cap=True)))
    return out


# --- assignment ----------------------------------------------------------------------

def _record(session: Session, lead: Lead, kind: AssignmentKind, from_id: int | None,
            to: User | None, by: User | None, now: datetime, *, reason: str | None = None,
            rule: AssignmentRule | None = None) -> LeadAssignment:
    row = LeadAssignment(kind=kind.value, from_user_id=from_id,
                         to_user_id=to.id if to is not None else None,
                         by_user_id=by.id if by is not None else None,
                         rule_id=rule.id if rule is not None else None, reason=reason, at=now)
    lead.assignments.append(row)
    session.flush()
    return row


def _hand_over(session: Session, lead: Lead, executor: User, now: datetime) -> None:
    cal = workdays.load(session)
    lead.executor_id = executor.id
    lead.status = LeadStatus.ASSIGNED.value
    lead.assigned_at = now
    lead.accepted_at = None
    lead.accept_by = cal.add_working_hours(now, float(settings.get(session, ACCEPT_HOURS)))


def assign(session: Session, lead: Lead, executor: User, by: User, *, reason: str | None = None,
           force: bool = False, now: datetime | None = None) -> LeadAssignment:
    """Hand a lead to an executor by hand (or move it to another one: a reassignment).

    Refuses a non-executor, an inactive or absent executor (field executor_id) and, unless
    `force`, one who reached the daily cap. The executor must accept within
    leads.accept_hours working hours. Assigning to the current holder changes nothing.
    """
    access.require(by, "lead.assign")
    now = now or utcnow()
    if lead.status == LeadStatus.CLOSED.value:
        raise WrongLeadState(N_("This lead is closed."))
    reason = fields.one_text("reason", reason)
    if lead.executor_id == executor.id and lead.assignments:
        return lead.assignments[-1]
    refusal = _refusal(session, executor, workdays.local_date(now), count_cap=not force)
    if refusal is not None:
        raise refusal
    previous = lead.executor_id
    kind = AssignmentKind.REASSIGN if previous is not None else AssignmentKind.MANUAL
    _hand_over(session, lead, executor, now)
    session.flush()
    return _record(session, lead, kind, previous, executor, by, now, reason=reason)


def _last_given(session: Session, user_ids: list[int], rule: AssignmentRule | None) -> dict[int, datetime]:
    stmt = (select(LeadAssignment.to_user_id, func.max(LeadAssignment.at))
            .where(LeadAssignment.to_user_id.in_(user_ids),
                   LeadAssignment.kind.in_(COUNTED_KINDS))
            .group_by(LeadAssignment.to_user_id))
    if rule is not None:
        stmt = stmt.where(LeadAssignment.rule_id == rule.id)
    return {uid: at for uid, at in session.execute(stmt)}


def _rule_candidates(session: Session, rule: AssignmentRule, lead: Lead) -> tuple[list[int] | None, str]:
    """The executors a rule offers for this lead, and why it applies; None if it does not."""
    params = rule.params or {}
    ids = [int(i) for i in params.get("executor_ids") or []]
    company = lead.company or session.get(Company, lead.company_id)
    if rule.kind == RuleKind.INDUSTRY.value:
        wanted = {int(i) for i in params.get("industry_ids") or []}
        if company.industry_id is None or not wanted:
            return None, ""
        industry = session.get(Industry, company.industry_id)
        chain = {industry.id, industry.parent_id} if industry is not None else set()
        if not chain & wanted:
            return None, ""
        return ids, f"the company's industry is {industry.name_zh}"
    if rule.kind == RuleKind.EXHIBITION.value:
        wanted = {int(i) for i in params.get("exhibition_ids") or []}
        if not wanted:
            return None, ""
        shows = set(session.scalars(select(Participation.exhibition_id).where(
            Participation.company_id == company.id, Participation.exhibition_id.in_(wanted))))
        if not shows:
            return None, ""
        return ids, f"the company exhibits at show #{min(shows)}"
    if rule.kind in (RuleKind.ROUND_ROBIN.value, RuleKind.LEAST_LOAD.value):
        if not ids:
            ids = list(session.scalars(select(User.id).where(
                User.role == Role.EXECUTOR.value, User.active.is_(True)).order_by(User.id)))
        return ids, "every lead" if rule.kind == RuleKind.ROUND_ROBIN.value else "lightest load"
    return None, ""


def rules(session: Session) -> list[AssignmentRule]:
    """Every assignment rule, in the order they run (the admin page)."""
    return list(session.scalars(select(AssignmentRule)
                                .order_by(AssignmentRule.priority, AssignmentRule.id)))


def active_rules(session: Session) -> list[AssignmentRule]:
    return list(session.scalars(select(AssignmentRule).where(AssignmentRule.active.is_(True))
                                .order_by(AssignmentRule.priority, AssignmentRule.id)))


def auto_assign_lead(session: Session, lead: Lead, *, now: datetime | None = None) -> LeadAssignment | None:
    """Hand an open lead to an executor by the first active rule that finds one.

    Rules run by priority; each offers executors (its specialists, or everyone), drops
    the absent, inactive and capped ones, and picks by its kind: round robin takes whoever
    this rule served longest ago, the others the lightest open load (ties: longest ago).
    Returns None (the lead waits for the supervisor) when no rule finds anyone; refuses a
    lead that is not waiting for assignment (WrongLeadState).
    """
    now = now or utcnow()
    if lead.status != LeadStatus.OPEN.value:
        raise WrongLeadState(N_("Only a lead waiting for assignment can be assigned "
                                "automatically."))
    day = workdays.local_date(now)
    notes: list[str] = []
    for rule in active_rules(session):
        ids, why = _rule_candidates(session, rule, lead)
        if ids is None:
            continue
        if not ids:
            notes.append(f"rule “{rule.name}” has no executors")
            continue
        people = {c.user.id: c for c in candidates(session, day, ids)}
        skipped = [f"{c.user.display_name}: {c.refusal}" for c in people.values() if c.refusal]
        ready = [c for c in people.values() if c.available]
        if not ready:
            notes.append(f"rule “{rule.name}”: nobody available ({'; '.join(skipped)})")
            continue
        by_rule = rule if rule.kind == RuleKind.ROUND_ROBIN.value else None
        last = _last_given(session, [c.user.id for c in ready], by_rule)
        never = datetime.min.replace(tzinfo=now.tzinfo)
        if rule.kind == RuleKind.ROUND_ROBIN.value:
            pick = min(ready, key=lambda c: (last.get(c.user.id, never), ids.index(c.user.id)))
            how = "round robin: served longest ago by this rule"
        else:
            pick = min(ready, key=lambda c: (c.open_leads, last.get(c.user.id, never),
                                             ids.index(c.user.id)))
            how = "fewest open leads"
        cap = f"{pick.today + 1}/{pick.cap}" if pick.cap else f"{pick.today + 1}/no cap"
        reason = (f"Rule “{rule.name}” ({rule.kind}, priority {rule.priority}) applies: {why}. "
                  f"Picked {pick.user.display_name} by {how} — {pick.open_leads} open leads, "
                  f"lead {cap} today.")
        if skipped:
            reason += " Not available: " + "; ".join(skipped) + "."
        if notes:
            reason += " Earlier rules: " + "; ".join(notes) + "."
        _hand_over(session, lead, pick.user, now)
        session.flush()
        return _record(session, lead, AssignmentKind.RULE, None, pick.user, None, now,
                       reason=reason, rule=rule)
    return None


def accept(session: Session, lead: Lead, executor: User, *, now: datetime | None = None) -> Lead:
    """Accept a lead assigned to this executor, before its deadline; the company becomes theirs."""
    now = now or utcnow()
    if lead.executor_id != executor.id:
        raise NotYourLead(N_("This lead is not assigned to you."))
    if lead.status == LeadStatus.ACCEPTED.value:
        return lead
    if lead.status != LeadStatus.ASSIGNED.value:
        raise WrongLeadState(N_("This lead is not waiting for acceptance."))
    if lead.accept_by is not None and now > lead.accept_by:
        raise AcceptDeadlinePassed(N_("The time to accept this lead has passed; it returns "
                                      "to the supervisor."))
    lead.status = LeadStatus.ACCEPTED.value
    lead.accepted_at = now
    company = session.get(Company, lead.company_id)
    earlier = {a.from_user_id for a in lead.assignments} | {a.to_user_id for a in lead.assignments}
    if company.owner_id is None or (company.owner_id in earlier and company.owner_id != executor.id):
        company.owner_id = executor.id
    session.flush()
    return lead


def decline(session: Session, lead: Lead, executor: User, reason: str, *,
            now: datetime | None = None) -> LeadAssignment:
    """Give an assigned lead back to the supervisor, saying why."""
    now = now or utcnow()
    if lead.executor_id != executor.id:
        raise NotYourLead(N_("This lead is not assigned to you."))
    if lead.status not in (LeadStatus.ASSIGNED.value, LeadStatus.ACCEPTED.value):
        raise WrongLeadState(N_("This lead is not with you."))
    reason = fields.one_text("reason", reason, required=True)
    return _return_to_supervisor(session, lead, AssignmentKind.DECLINED, executor, now, reason)


def _return_to_supervisor(session: Session, lead: Lead, kind: AssignmentKind, by: User | None,
                          now: datetime, reason: str) -> LeadAssignment:
    previous = lead.executor_id
    lead.status = LeadStatus.OPEN.value
    lead.executor_id = None
    lead.assigned_at = lead.accept_by = lead.accepted_at = None
    session.flush()
    return _record(session, lead, kind, previous, None, by, now, reason=reason)


def expire_unaccepted(session: Session, now: datetime | None = None) -> int:
    """Return every lead not accepted by its deadline to the supervisor; return how many.

    Idempotent and safe to run from several processes (rows are locked, SKIP LOCKED on
    PostgreSQL). Run it every few minutes from the scheduler.
    """
    now = now or utcnow()
    due = list(session.scalars(
        select(Lead).where(Lead.status == LeadStatus.ASSIGNED.value, Lead.accept_by < now)
        .order_by(Lead.id).with_for_update(skip_locked=True)))
    for lead in due:
        who = lead.executor.display_name if lead.executor is not None else "?"
        deadline = lead.accept_by.astimezone(workdays.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        _return_to_supervisor(session, lead, AssignmentKind.EXPIRED, None, now,
                              f"Not accepted by {who} before {deadline} (Asia/Shanghai).")
    return len(due)


# --- follow-up -----------------------------------------------------------------------

def set_next_step(session: Session, lead: Lead, user: User, next_step: str | None,
                  due: date | None, *, expected_version: int | None = None) -> Lead:
    """Set the lead's next step and due date (its executor or a supervisor)."""
    _require_follower_or_supervisor(lead, user)
    if expected_version is not None and expected_version != lead.version:
        from crm.services.errors import StaleEdit
        raise StaleEdit(N_("Someone else changed this lead. Reload it and try again."))
    if lead.status == LeadStatus.CLOSED.value:
        raise WrongLeadState(N_("This lead is closed."))
    step = fields.one_text("next_step", next_step, required=True)
    if due is None:
        raise ValidationFailed.on("next_step_due", N_("Give the date of the next step."))
    lead.next_step, lead.next_step_due = step, due
    session.flush()
    return lead


def close(session: Session, lead: Lead, user: User, reason: str, note: str | None = None, *,
          now: datetime | None = None) -> Lead:
    """Close a lead (won, lost, duplicate …)."""
    _require_follower_or_supervisor(lead, user)
    if reason not in CLOSE_REASONS:
        raise ValidationFailed.on("close_reason", N_("Pick a reason."))
    if lead.status == LeadStatus.CLOSED.value:
        return lead
    lead.status = LeadStatus.CLOSED.value
    lead.close_reason = reason
    lead.closed_at = now or utcnow()
    if note:
        lead.note = "\n".join(filter(None, [lead.note, fields.one_text("note", note)]))
    session.flush()
    return lead


def _require_follower_or_supervisor(lead: Lead, user: User) -> None:
    if lead.executor_id == user.id:
        return
    if Role(user.role) in access.SUPERVISORS | access.MANAGEMENT:
        return
    raise NotYourLead(N_("This lead is not assigned to you."))


def record_contact(session: Session, company: Company, executor: User, kind: str,
                   at: datetime) -> ClientAttribution:
    """Note an executor's call, visit or e-mail with a company; the first one attributes it.

    Marks the lead's first contact (and first visit: the dashboards' conversion) and
    returns the new/old attribution, decided now if this is the first contact.
    """
    from crm.services import attribution

    lead = session.scalars(select(Lead).where(Lead.company_id == company.id,
                                              Lead.executor_id == executor.id)
                           .order_by(Lead.status.in_(OPEN_STATUSES).desc(), Lead.id.desc())).first()
    if lead is not None:
        if lead.first_contact_at is None or at < lead.first_contact_at:
            lead.first_contact_at = at
        if kind == "visit" and (lead.first_visit_at is None or at < lead.first_visit_at):
            lead.first_visit_at = at
    return attribution.record_first_contact(session, company, executor, kind, at, lead=lead)


# --- conflicts ------------------------------------------------------------------------

def conflicts(session: Session, *, status: str = "open") -> list[LeadConflict]:
    """Lead conflicts waiting for (or decided by) the supervisor, oldest first."""
    return list(session.scalars(select(LeadConflict).where(LeadConflict.status == status)
                                .options(selectinload(LeadConflict.company),
                                         selectinload(LeadConflict.lead),
                                         selectinload(LeadConflict.requested_by))
                                .order_by(LeadConflict.created_at, LeadConflict.id)))


def resolve_conflict(session: Session, conflict: LeadConflict, by: User, decision: str,
                     note: str | None = None, *, now: datetime | None = None) -> LeadConflict:
    """Decide a conflict: `keep` the current follower, `reassign` to the requester, `dismiss`."""
    access.require(by, "lead.assign")
    now = now or utcnow()
    if conflict.status != "open":
        raise WrongLeadState(N_("This conflict was decided already."))
    if decision not in ("keep", "reassign", "dismiss"):
        raise ValidationFailed.on("decision", N_("Pick keep, reassign or dismiss."))
    note = fields.one_text("note", note)
    if decision == "reassign":
        lead = conflict.lead
        requester = session.get(User, conflict.requested_by_id) if conflict.requested_by_id else None
        if lead is None or requester is None or not lead.is_open:
            raise WrongLeadState(N_("The lead or the requester is gone; keep or dismiss instead."))
        refusal = _refusal(session, requester, workdays.local_date(now), count_cap=False)
        if refusal is not None:
            raise refusal
        previous = lead.executor_id
        _hand_over(session, lead, requester, now)
        session.flush()
        _record(session, lead, AssignmentKind.CONFLICT, previous, requester, by, now,
                reason=note or f"Conflict #{conflict.id} decided for the requester.")
    conflict.status = "resolved"
    conflict.resolution = decision
    conflict.resolution_note = note
    conflict.resolved_by_id = by.id
    conflict.resolved_at = now
    session.flush()
    return conflict


# --- timeline -------------------------------------------------------------------------

@dataclass
class TimelineEntry:
    """One event in a lead's life, for the lead page (newest first)."""

    at: datetime
    kind: str  # created / call / assignment / attribution / mailing / conflict / closed
    user_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


def timeline(session: Session, lead: Lead) -> list[TimelineEntry]:
    """Every call, assignment, contact, mailing and conflict of the lead's company."""
    entries = [TimelineEntry(lead.created_at, "created", lead.created_by_id,
                             {"source": lead.source, "bucket": lead.bucket})]
    for call in session.scalars(select(Call).where(Call.company_id == lead.company_id)):
        entries.append(TimelineEntry(call.at, "call", call.user_id,
                                     {"outcome": call.outcome, "note": call.note,
                                      "call_id": call.id}))
    for a in lead.assignments:
        entries.append(TimelineEntry(a.at, "assignment", a.by_user_id,
                                     {"kind": a.kind, "from": a.from_user_id, "to": a.to_user_id,
                                      "reason": a.reason, "rule_id": a.rule_id}))
    for attr in session.scalars(select(ClientAttribution).where(
            ClientAttribution.company_id == lead.company_id)):
        entries.append(TimelineEntry(attr.first_contact_at, "contact", attr.executor_id,
                                     {"kind": attr.first_contact_kind,
                                      "classification": attr.classification,
                                      "source": attr.source}))
    for task in session.scalars(select(MailingTask).where(
            MailingTask.company_id == lead.company_id)):
        entries.append(TimelineEntry(task.created_at, "mailing", task.created_by_id,
                                     {"kind": task.kind, "status": task.status,
                                      "assignee": task.assignee_id}))
    for c in session.scalars(select(LeadConflict).where(LeadConflict.lead_id == lead.id)):
        entries.append(TimelineEntry(c.created_at, "conflict", c.requested_by_id,
                                     {"source": c.source, "status": c.status,
                                      "resolution": c.resolution}))
    if lead.closed_at is not None:
        entries.append(TimelineEntry(lead.closed_at, "closed", None,
                                     {"reason": lead.close_reason}))
    order = {id(e): i for i, e in enumerate(entries)}
    return sorted(entries, key=lambda e: (e.at, order[id(e)]), reverse=True)


# --- rules, caps and absences (admin pages) ------------------------------------------------

@dataclass
class RuleData:
    name: str = ""
    kind: str = RuleKind.ROUND_ROBIN.value
    params: dict[str, Any] = field(default_factory=dict)
    priority: int = 100
    active: bool = True


_PARAM_LISTS = {
    RuleKind.INDUSTRY.value: ("industry_ids", "executor_ids"),
    RuleKind.EXHIBITION.value: ("exhibition_ids", "executor_ids"),
    RuleKind.ROUND_ROBIN.value: ("executor_ids",),
    RuleKind.LEAST_LOAD.value: ("executor_ids",),
}


def save_rule(session: Session, by: User, data: RuleData,
              rule: AssignmentRule | None = None) -> AssignmentRule:
    """Create or change an assignment rule after checking its fields and executors."""
    access.require(by, "lead.rules")
    errors: dict[str, list[str]] = {}
    data.name = (data.name or "").strip()
    if not data.name or len(data.name) > 100:
        errors["name"] = [N_("Give a name of at most 100 characters.")]
    if data.kind not in _PARAM_LISTS:
        errors["kind"] = [N_("Pick a rule kind.")]
    params: dict[str, list[int]] = {}
    for key in _PARAM_LISTS.get(data.kind, ()):
        try:
            params[key] = sorted({int(v) for v in (data.params or {}).get(key) or []})
        except (TypeError, ValueError):
            errors[key] = [N_("Give a list of ids.")]
    if data.kind in (RuleKind.INDUSTRY.value, RuleKind.EXHIBITION.value):
        key = _PARAM_LISTS[data.kind][0]
        if not params.get(key):
            errors[key] = [N_("Pick at least one.")]
        if not params.get("executor_ids"):
            errors["executor_ids"] = [N_("Pick the executors this rule hands leads to.")]
    if params.get("executor_ids"):
        found = session.scalars(select(User).where(User.id.in_(params["executor_ids"]))).all()
        if len(found) != len(params["executor_ids"]) or any(
                Role(u.role) not in EXECUTOR_ROLES for u in found):
            errors["executor_ids"] = [N_("Only executors can be picked.")]
    if errors:
        raise ValidationFailed(errors)
    if rule is None:
        rule = AssignmentRule()
        session.add(rule)
    rule.name, rule.kind, rule.params = data.name, data.kind, params
    rule.priority, rule.active = int(data.priority), bool(data.active)
    session.flush()
    return rule


def set_cap(session: Session, by: User, executor: User, cap: int | None) -> ExecutorCap | None:
    """Set an executor's own daily cap (None: use the default setting)."""
    access.require(by, "lead.rules")
    row = session.get(ExecutorCap, executor.id)
    if cap is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if cap < 0 or cap > 1000:
        raise ValidationFailed.on("daily_cap", N_("Between 0 and 1000."))
    if row is None:
        row = ExecutorCap(user_id=executor.id, daily_cap=cap)
        session.add(row)
    row.daily_cap = cap
    session.flush()
    return row


def add_absence(session: Session, by: User, executor: User, starts_on: date, ends_on: date,
                reason: str | None = None) -> ExecutorAbsence:
    """Record days an executor takes no new leads (both ends included)."""
    if by.id != executor.id:
        access.require(by, "lead.rules")
    if ends_on < starts_on:
        raise ValidationFailed.on("ends_on", N_("The last day is before the first."))
    row = ExecutorAbsence(user_id=executor.id, starts_on=starts_on, ends_on=ends_on,
                          reason=fields.one_text("reason", reason), created_by_id=by.id)
    session.add(row)
    session.flush()
    return row


def absences(session: Session, *, from_day: date, user_id: int | None = None) -> list[ExecutorAbsence]:
    """Absences that end on or after a day (current and planned), soonest first."""
    stmt = select(ExecutorAbsence).where(ExecutorAbsence.ends_on >= from_day).options(
        selectinload(ExecutorAbsence.user)).order_by(ExecutorAbsence.starts_on, ExecutorAbsence.id)
    if user_id is not None:
        stmt = stmt.where(ExecutorAbsence.user_id == user_id)
    return list(session.scalars(stmt))


def remove_absence(session: Session, by: User, absence: ExecutorAbsence) -> None:
    """Delete an absence (the executor's own, or any for a rules manager)."""
    if by.id != absence.user_id:
        access.require(by, "lead.rules")
    session.delete(absence)
    session.flush()
