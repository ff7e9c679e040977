"""Visits (面洽) and visit reports (面洽客户报告): plan, delegate, make, report.

The rules, all in this module:

* The assigned executor plans a visit to a company (usually for their lead): a time entered
  in Asia/Shanghai (stored UTC), a place, whom we meet and why.
* If they cannot go, they hand it to an active colleague (an executor or the execution
  supervisor) *before* the planned time: `visitor_id` records who goes, the credit stays
  with `executor_id` (the Monday report and the new/old attribution read the executor).
* A visit marked done is the executor's contact with the client: `leads.record_contact`
  fixes the new/old attribution at the first contact and the lead's first visit.
* The report is written by the visitor or the executor only. It is kept as a draft with
  any subset of its fields; filing checks the required ones (each error names its field),
  turns each referral into a company (through the ingest write path) and a lead with
  source referral, and sets the lead's next step. One report per visit (a unique key): a
  second submit finds the first one, filing a filed report changes nothing and says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from sqlalchemy import Select, exists, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    Company,
    ImportKind,
    Lead,
    LeadSource,
    Referral,
    ReportFileKind,
    ReportStatus,
    Role,
    StoredFile,
    User,
    Visit,
    VisitReport,
    VisitReportFile,
    VisitStatus,
)
from crm.services import access, audit, files, ingest, leads, workdays, writing_turn
from crm.services.fields import TEXT_MAX
from crm.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    StaleEdit,
    ValidationFailed,
)
from crm.services.paging import Page, paginate

EXECUTOR_ROLES = leads.EXECUTOR_ROLES
SHORT_MAX = {"place": 300, "project_lead_name": 100, "project_lead_role": 100,
             "project_lead_contact": 200}
RATINGS = ("A", "B", "C")
MONEY_MAX = Decimal("1e12")
AREA_MAX = Decimal("1e8")
REPORT_OVERDUE = timedelta(hours=48)
# Form fields the attachments of each kind are sent in (errors name them).
FILE_FIELDS = {ReportFileKind.PHOTO.value: "photos",
               ReportFileKind.FLOOR_PLAN.value: "floor_plan",
               ReportFileKind.EXHIBITOR_LIST.value: "exhibitor_list",
               ReportFileKind.OTHER.value: "other_files"}
# Filing needs these; the rest of the report is optional.
REQUIRED = ("project_lead_name", "project_lead_role", "project_lead_contact", "situation",
            "rating", "budget_min", "budget_max", "booth_area_m2", "next_step",
            "next_step_due")


# --- errors -------------------------------------------------------------------------------

class NotYourVisit(Forbidden):
    """Only the visit's executor or the colleague who goes may do this."""

    code = "not_your_visit"


class WrongVisitState(Conflict):
    code = "visit_state"


class TooLateToDelegate(Conflict):
    """A visit is handed to a colleague before it happens, not after."""

    code = "delegation_too_late"


class ReportFiled(Conflict):
    """The report was filed: it is what the Monday meeting reads, so it stays as filed."""

    code = "report_filed"


def _invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    exc = ValidationFailed(errors)
    if len(errors) == 1:
        exc.field = next(iter(errors))
    return exc


def _one(field_name: str, message: str, **params: Any) -> ValidationFailed:
    return _invalid({field_name: [message % params if params else message]})


def _clean(value: Any, field_name: str, errors: dict[str, list[str]],
           limit: int = TEXT_MAX) -> str | None:
    text = str(value).strip() if value is not None else ""
    if len(text) > limit:
        errors.setdefault(field_name, []).append(N_("At most %(max)s characters.") % {"max": limit})
        return None
    return text or None


def as_utc(moment: datetime) -> datetime:
    """A time as stored: naive times are read as Asia/Shanghai (what people type)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=workdays.LOCAL_TZ)
    return moment.astimezone(timezone.utc)


# --- seeing visits ------------------------------------------------------------------------

def _visits() -> Select[Any]:
    return select(Visit).options(selectinload(Visit.company), selectinload(Visit.executor),
                                 selectinload(Visit.visitor), selectinload(Visit.report))


def visible_visit(session: Session, user: User, visit_id: int) -> Visit:
    """Load a visit the user may see, or raise NotFound (never reveal that it exists)."""
    visit = session.scalars(_visits().where(Visit.id == visit_id,
                                            access.visit_scope(user))).first()
    if visit is None:
        raise NotFound(N_("No such visit."))
    return visit


@dataclass
class VisitFilters:
    status: str | None = None
    mine: bool = False  # only visits the user is the executor or visitor of
    executor_id: int | None = None
    company_id: int | None = None


def find(session: Session, user: User, filters: VisitFilters | None = None, *, page: int = 1,
         per_page: int = 50) -> Page[Visit]:
    """One page of the visits the user may see, the latest planned first."""
    filters = filters or VisitFilters()
    stmt = _visits().where(access.visit_scope(user))
    if filters.status:
        stmt = stmt.where(Visit.status == filters.status)
    if filters.mine:
        stmt = stmt.where(or_(Visit.executor_id == user.id, Visit.visitor_id == user.id))
    if filters.executor_id:
        stmt = stmt.where(Visit.executor_id == filters.executor_id)
    if filters.company_id:
        stmt = stmt.where(Visit.company_id == filters.company_id)
    return paginate(session, stmt.order_by(Visit.planned_at.desc(), Visit.id.desc()),
                    page, per_page)


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week (Asia/Shanghai) that holds `day`."""
    monday = workdays.week_start(day)
    return monday, monday + timedelta(days=6)


def this_week(session: Session, user: User, now: datetime | None = None) -> list[Visit]:
    """This week's visits (Monday–Sunday, Asia/Shanghai) the user makes or is credited with."""
    start, end = workdays.week_bounds(workdays.local_date(now or utcnow()))
    return list(session.scalars(
        _visits().where(or_(Visit.executor_id == user.id, Visit.visitor_id == user.id),
                        Visit.planned_at >= start, Visit.planned_at < end)
        .order_by(Visit.planned_at, Visit.id)))


def visits_without_report(session: Session, now: datetime | None = None, *,
                          user_id: int | None = None) -> list[Visit]:
    """Visits 48 hours past their planned time without a filed report (not cancelled).

    A source of the daily reminder: each visit reminds its visitor and its executor.
    With `user_id`, only the visits that user makes or is credited with.
    """
    now = now or utcnow()
    filed = exists().where(VisitReport.visit_id == Visit.id,
                           VisitReport.status == ReportStatus.FILED.value)
    stmt = _visits().where(Visit.status != VisitStatus.CANCELLED.value,
                           Visit.planned_at <= now - REPORT_OVERDUE, not_(filed))
    if user_id is not None:
        stmt = stmt.where(or_(Visit.executor_id == user_id, Visit.visitor_id == user_id))
    return list(session.scalars(stmt.order_by(Visit.planned_at, Visit.id)))


def report_reminders(session: Session, today: date, now: datetime):
    """Reminder source (crm.services.reminders): visits 48 hours old without a filed report.

    Reminds the colleague who went and, when it was delegated, the credited executor.
    """
    from crm.services.reminders import Reminder

    for visit in visits_without_report(session, now):
        company = visit.company.display_name
        when = visit.planned_at.astimezone(workdays.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        link = f"/visits/{visit.id}/report"
        for user in {visit.visitor_id: visit.visitor, visit.executor_id: visit.executor}.values():
            if user is None or not user.active:
                continue
            english = (user.locale or "").startswith("en")
            title = (f"Visit report missing: {company} ({when})" if english
                     else f"面洽报告未提交：{company}（{when}）")
            body = ("File the visit report (48 hours have passed)." if english
                    else "面洽已过 48 小时，请提交面洽客户报告。")
            yield Reminder(user.id, f"visit:{visit.id}", title, body, link)


def delegation_candidates(session: Session, visit: Visit) -> list[User]:
    """Active colleagues a visit may be handed to (executors and execution supervisors)."""
    return list(session.scalars(select(User).where(
        User.active.is_(True), User.role.in_([r.value for r in EXECUTOR_ROLES]),
        User.id != visit.visitor_id).order_by(User.display_name)))


# --- planning, delegating, making ---------------------------------------------------------

def _lead_for(session: Session, company: Company, executor: User) -> Lead | None:
    return session.scalars(select(Lead).where(
        Lead.company_id == company.id, Lead.executor_id == executor.id,
        Lead.status.in_(leads.OPEN_STATUSES)).order_by(Lead.id.desc())).first()


def plan_visit(session: Session, by: User, company_id: int, planned_at: datetime | None,
               place: str | None, *, people: str | None = None, purpose: str | None = None,
               lead_id: int | None = None, executor: User | None = None,
               now: datetime | None = None) -> Visit:
    """Plan a visit to a company, credited to `executor` (default: the one who plans it).

    `planned_at` may be naive: it is then read as Asia/Shanghai time.
    """
    access.require(by, "visit.plan")
    executor = executor or by
    if executor.id != by.id and Role(by.role) not in access.SUPERVISORS | access.MANAGEMENT:
        raise NotYourVisit(N_("Plan your own visits; a supervisor plans for others."))
    if not executor.active or Role(executor.role) not in EXECUTOR_ROLES:
        raise _one("executor_id", N_("Pick an active executor."))
    company = access.visible_company(session, by, company_id)
    errors: dict[str, list[str]] = {}
    place = _clean(place, "place", errors, SHORT_MAX["place"])
    people = _clean(people, "people", errors)
    purpose = _clean(purpose, "purpose", errors)
    if planned_at is None:
        errors.setdefault("planned_at", []).append(N_("Give the date and time of the visit."))
    if not place and "place" not in errors:
        errors.setdefault("place", []).append(N_("This field is required."))
    lead = None
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        if lead is None or lead.company_id != company.id:
            errors.setdefault("lead_id", []).append(N_("This lead is not the company's."))
    if errors:
        raise _invalid(errors)
    lead = lead or _lead_for(session, company, executor)
    now = now or utcnow()
    visit = Visit(company_id=company.id, lead_id=lead.id if lead is not None else None,
                  executor_id=executor.id, visitor_id=executor.id,
                  planned_at=as_utc(planned_at), place=place, people=people, purpose=purpose,
                  status=VisitStatus.PLANNED.value, created_by_id=by.id,
                  created_at=now, updated_at=now)
    session.add(visit)
    session.flush()
    return visit


def _require_executor_or_supervisor(visit: Visit, user: User) -> None:
    if user.id == visit.executor_id:
        return
    if Role(user.role) in access.SUPERVISORS | access.MANAGEMENT:
        return
    raise NotYourVisit(N_("Only the visit's executor or a supervisor may do this."))


def _require_goer(visit: Visit, user: User) -> None:
    if user.id not in (visit.executor_id, visit.visitor_id):
        raise NotYourVisit(N_("This is someone else's visit: only its executor or the "
                              "colleague who went may do this."))


def require_report_writer(visit: Visit, user: User) -> None:
    """Refuse (Forbidden) unless the user may write this visit's report."""
    access.require(user, "visit.report")
    _require_goer(visit, user)


def delegate(session: Session, visit: Visit, by: User, to_user_id: int | None,
             note: str | None = None, *, now: datetime | None = None) -> Visit:
    """Hand a planned visit to a colleague who goes instead; the credit stays with the executor.

    Only before the planned time. Delegating to the executor takes the visit back.
    """
    _require_executor_or_supervisor(visit, by)
    now = now or utcnow()
    if visit.status != VisitStatus.PLANNED.value:
        raise WrongVisitState(N_("Only a planned visit can be handed to a colleague."))
    if now >= visit.planned_at:
        local = visit.planned_at.astimezone(workdays.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        raise TooLateToDelegate(N_("The visit was planned for %(when)s: a colleague is "
                                   "arranged before the visit, not after. Record who went "
                                   "in the report instead."), field="visitor_id", when=local)
    colleague = session.get(User, to_user_id) if to_user_id else None
    if colleague is None or not colleague.active or Role(colleague.role) not in EXECUTOR_ROLES:
        raise _one("visitor_id", N_("Pick an active colleague from business execution."))
    errors: dict[str, list[str]] = {}
    note = _clean(note, "delegation_note", errors)
    if errors:
        raise _invalid(errors)
    visit.visitor_id = colleague.id
    if colleague.id == visit.executor_id:
        visit.delegated_at, visit.delegation_note = None, None
    else:
        visit.delegated_at, visit.delegation_note = now, note
    session.flush()
    return visit


def mark_done(session: Session, visit: Visit, by: User, *, now: datetime | None = None) -> Visit:
    """Record that the visit took place: the executor's contact with the client.

    The first contact fixes the new/old attribution (credited to the executor, whoever
    went) and the lead's first visit. Marking a done visit again changes nothing.
    """
    _require_goer(visit, by)
    now = now or utcnow()
    if visit.status == VisitStatus.DONE.value:
        return visit
    if visit.status == VisitStatus.CANCELLED.value:
        raise WrongVisitState(N_("This visit was cancelled."))
    if workdays.local_date(visit.planned_at) > workdays.local_date(now):
        raise WrongVisitState(N_("The visit is planned for a later day; mark it done once it "
                                 "took place."))
    visit.status = VisitStatus.DONE.value
    visit.done_at = now
    session.flush()
    met_at = min(visit.planned_at, now)
    executor = session.get(User, visit.executor_id)
    leads.record_contact(session, visit.company, executor, "visit", met_at)
    return visit


def cancel(session: Session, visit: Visit, by: User, reason: str | None = None) -> Visit:
    """Cancel a planned visit (its executor or a supervisor), with an optional reason."""
    _require_executor_or_supervisor(visit, by)
    if visit.status == VisitStatus.CANCELLED.value:
        return visit
    if visit.status != VisitStatus.PLANNED.value:
        raise WrongVisitState(N_("The visit took place; it cannot be cancelled."))
    errors: dict[str, list[str]] = {}
    reason = _clean(reason, "cancel_reason", errors)
    if errors:
        raise _invalid(errors)
    visit.status = VisitStatus.CANCELLED.value
    visit.cancel_reason = reason
    session.flush()
    return visit


# --- the report ---------------------------------------------------------------------------

@dataclass
class ReferralData:
    """A company the client referred us to (客户介绍)."""

    company_name: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    note: str | None = None

    @property
    def blank(self) -> bool:
        return not any((v or "").strip() for v in
                       (self.company_name, self.contact_name, self.phone, self.note))


@dataclass
class ReportData:
    """What a report form sends: text as typed (numbers and dates as text or values).

    `referrals` None leaves the stored referrals as they are; a list replaces them.
    """

    project_lead_name: str | None = None
    project_lead_role: str | None = None
    project_lead_contact: str | None = None
    situation: str | None = None
    budget_min: Decimal | str | None = None
    budget_max: Decimal | str | None = None
    booth_area_m2: Decimal | str | None = None
    shows_planned: str | None = None
    decision_process: str | None = None
    competing_builders: str | None = None
    rating: str | None = None
    value_note: str | None = None
    big_clients: str | None = None
    next_step: str | None = None
    next_step_due: date | str | None = None
    referrals: list[ReferralData] | None = None


REPORT_FIELDS = tuple(f.name for f in fields(ReportData) if f.name != "referrals")


def _decimal(value: Any, field_name: str, errors: dict[str, list[str]],
             limit: Decimal) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        errors.setdefault(field_name, []).append(N_("Enter a number."))
        return None
    if not number.is_finite() or number < 0 or number >= limit:
        errors.setdefault(field_name, []).append(N_("Enter a number."))
        return None
    return number.quantize(Decimal("0.01"))


def _date(value: Any, field_name: str, errors: dict[str, list[str]]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(field_name, []).append(N_("Enter a date (YYYY-MM-DD)."))
        return None


def _parse(data: ReportData) -> tuple[dict[str, Any], list[ReferralData] | None]:
    """Check the values' form (not whether they are given); raise naming every bad field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in REPORT_FIELDS:
        raw = getattr(data, name)
        if name in ("budget_min", "budget_max"):
            values[name] = _decimal(raw, name, errors, MONEY_MAX)
        elif name == "booth_area_m2":
            values[name] = _decimal(raw, name, errors, AREA_MAX)
        elif name == "next_step_due":
            values[name] = _date(raw, name, errors)
        elif name == "rating":
            rating = (raw or "").strip().upper() or None
            if rating is not None and rating not in RATINGS:
                errors.setdefault(name, []).append(N_("Pick A, B or C."))
            values[name] = rating
        else:
            values[name] = _clean(raw, name, errors, SHORT_MAX.get(name, TEXT_MAX))
    if (values.get("budget_min") is not None and values.get("budget_max") is not None
            and values["budget_min"] > values["budget_max"]):
        errors.setdefault("budget_max", []).append(
            N_("The highest budget is below the lowest."))
    referrals = None
    if data.referrals is not None:
        referrals = []
        for i, ref in enumerate(r for r in data.referrals if not r.blank):
            prefix = f"referrals-{i}-"
            item = ReferralData(
                company_name=_clean(ref.company_name, prefix + "company_name", errors, 300),
                contact_name=_clean(ref.contact_name, prefix + "contact_name", errors, 100),
                phone=_clean(ref.phone, prefix + "phone", errors, 60),
                note=_clean(ref.note, prefix + "note", errors))
            if not item.company_name and prefix + "company_name" not in errors:
                errors.setdefault(prefix + "company_name", []).append(
                    N_("Give the referred company's name."))
            referrals.append(item)
    if errors:
        raise _invalid(errors)
    return values, referrals


def report_of(session: Session, visit: Visit) -> VisitReport | None:
    """The visit's report (draft or filed), if one was started."""
    return session.scalars(select(VisitReport).where(VisitReport.visit_id == visit.id)
                           .options(selectinload(VisitReport.files)
                                    .selectinload(VisitReportFile.file),
                                    selectinload(VisitReport.referrals))).first()


def _report_for_writing(session: Session, visit: Visit, user: User,
                        now: datetime) -> VisitReport:
    access.require(user, "visit.report")
    _require_goer(visit, user)
    if visit.status == VisitStatus.CANCELLED.value:
        raise WrongVisitState(N_("This visit was cancelled."))
    report = report_of(session, visit)
    if report is not None:
        return report
    report = VisitReport(visit_id=visit.id, author_id=user.id,
                         status=ReportStatus.DRAFT.value, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        # A second submit in the same instant made it: write into that one.
        found = report_of(session, visit)
        if found is None:
            raise
        return found
    return report


def _same(report: VisitReport, values: dict[str, Any],
          referrals: list[ReferralData] | None) -> bool:
    if any(getattr(report, k) != v for k, v in values.items()):
        return False
    if referrals is None:
        return True
    stored = [(r.company_name, r.contact_name, r.phone, r.note) for r in report.referrals]
    return stored == [(r.company_name, r.contact_name, r.phone, r.note) for r in referrals]


def save_draft(session: Session, visit: Visit, user: User, data: ReportData, *,
               expected_version: int | None = None, now: datetime | None = None) -> VisitReport:
    """Keep what was typed so far (any fields); refuse values of the wrong form, naming them.

    With `expected_version`, a report changed since the form was opened is refused
    (StaleEdit) — unless the same values are sent again (a double click): then nothing
    changes.
    """
    now = now or utcnow()
    values, referrals = _parse(data)
    report = _report_for_writing(session, visit, user, now)
    if report.status == ReportStatus.FILED.value:
        raise ReportFiled(N_("This report was filed already; nothing was changed."))
    if expected_version is not None and expected_version != report.version:
        if _same(report, values, referrals):
            return report
        raise StaleEdit(N_("Someone else saved this report after you opened it. Reload it "
                           "and apply your change again."))
    for name, value in values.items():
        setattr(report, name, value)
    if referrals is not None and not _same(report, {}, referrals):
        report.referrals = [Referral(company_name=r.company_name, contact_name=r.contact_name,
                                     phone=r.phone, note=r.note) for r in referrals]
    report.updated_at = now
    session.flush()
    return report


def attach_file(session: Session, visit: Visit, user: User, stream: BinaryIO, filename: str,
                kind: str, *, folder: str | Path, max_bytes: int = files.DEFAULT_MAX_BYTES,
                now: datetime | None = None) -> VisitReportFile:
    """Attach a floor plan, exhibitor list, photo or other file to the visit's report.

    Photos must be images. The error names the form field of the kind (photos, floor_plan,
    exhibitor_list, other_files). The same file sent twice is attached once.
    """
    if kind not in FILE_FIELDS:
        raise _one("kind", N_("Unknown kind of attachment."))
    report = _report_for_writing(session, visit, user, now or utcnow())
    if report.status == ReportStatus.FILED.value:
        raise ReportFiled(N_("This report was filed already; nothing was changed."))
    accept = files.IMAGES if kind == ReportFileKind.PHOTO.value else files.ANY_BUSINESS_FILE
    stored = files.store(session, user, stream, filename, folder=folder, accept=accept,
                         max_bytes=max_bytes, field=FILE_FIELDS[kind])
    for link in report.files:
        if link.kind == kind and link.file.sha256 == stored.sha256:
            session.delete(stored)  # the bytes are shared by content: nothing on disk to undo
            session.flush()
            return link
    link = VisitReportFile(report_id=report.id, file_id=stored.id, kind=kind)
    session.add(link)
    session.flush()
    session.refresh(report, ["files"])
    return link


def remove_file(session: Session, visit: Visit, user: User, link_id: int) -> None:
    """Take an attachment off a draft report (the stored bytes stay for other records)."""
    access.require(user, "visit.report")
    _require_goer(visit, user)
    report = report_of(session, visit)
    link = next((f for f in (report.files if report else []) if f.id == link_id), None)
    if link is None:
        raise NotFound(N_("No such file."))
    if report.status == ReportStatus.FILED.value:
        raise ReportFiled(N_("This report was filed already; nothing was changed."))
    session.delete(link)
    session.flush()


def visible_file(session: Session, user: User, visit_id: int, link_id: int) -> StoredFile:
    """A report's file, for a user who may see the visit; else NotFound."""
    visit = visible_visit(session, user, visit_id)
    link = session.scalars(select(VisitReportFile).join(VisitReport).where(
        VisitReportFile.id == link_id, VisitReport.visit_id == visit.id)
        .options(selectinload(VisitReportFile.file))).first()
    if link is None:
        raise NotFound(N_("No such file."))
    return link.file


@dataclass
class Filed:
    """What filing did: the report, whether it was filed before, the referrals' leads."""

    report: VisitReport
    already: bool = False
    referral_leads: list[Lead] = field(default_factory=list)


def missing_fields(report: VisitReport, today: date) -> dict[str, list[str]]:
    """The errors filing would give: required fields left empty, a past next-step date."""
    errors: dict[str, list[str]] = {}
    for name in REQUIRED:
        if getattr(report, name) in (None, ""):
            errors[name] = [N_("This field is required.")]
    if report.next_step_due is not None and report.next_step_due < today:
        errors.setdefault("next_step_due", []).append(
            N_("The next step's date is in the past."))
    if (report.budget_min is not None and report.budget_max is not None
            and report.budget_min > report.budget_max):
        errors.setdefault("budget_max", []).append(
            N_("The highest budget is below the lowest."))
    return errors


def file_report(session: Session, visit: Visit, user: User, data: ReportData | None = None, *,
                expected_version: int | None = None, now: datetime | None = None) -> Filed:
    """File the report: check the required fields, make the referrals leads, set the next step.

    With `data`, it is saved first (as `save_draft`). Filing a filed report is a no-op
    (`Filed.already`). The visit is marked done if it was still planned.
    """
    now = now or utcnow()
    existing = report_of(session, visit)
    if existing is not None and existing.status == ReportStatus.FILED.value:
        _require_goer(visit, user)
        return Filed(existing, already=True)
    if data is not None:
        report = save_draft(session, visit, user, data, expected_version=expected_version,
                            now=now)
    else:
        report = _report_for_writing(session, visit, user, now)
    errors = missing_fields(report, workdays.local_date(now))
    if errors:
        raise _invalid(errors)
    if visit.status == VisitStatus.PLANNED.value:
        mark_done(session, visit, user, now=now)
    report.status = ReportStatus.FILED.value
    report.filed_at = now
    session.flush()
    made = _referrals_to_leads(session, report, user, now)
    lead = visit.lead if visit.lead_id else None
    if lead is not None and lead.is_open and lead.executor_id == visit.executor_id:
        executor = session.get(User, visit.executor_id)
        leads.set_next_step(session, lead, executor, report.next_step, report.next_step_due)
    return Filed(report, referral_leads=made)


def _referrals_to_leads(session: Session, report: VisitReport, user: User,
                        now: datetime) -> list[Lead]:
    """Each referral: its company found or made through ingest, and a referral lead."""
    pending = [r for r in report.referrals if r.company_id is None]
    if not pending:
        return []
    # A person's click: wait briefly for an import at work, then say so (the draft stays).
    writing_turn.take(session, wait_seconds=writing_turn.SHORT_WAIT_SECONDS)
    rows = [SimpleNamespace(row=i, sheet=None, company_zh=r.company_name, name=r.contact_name,
                            mobile=r.phone, notes=r.note)
            for i, r in enumerate(pending, start=1)]
    source = ingest.Source(kind=ImportKind.CONTACTS.value,
                           file_name=f"visit_report:{report.id}", user_id=user.id)
    with audit.acting_as(user.id):
        result = ingest.ingest_contacts(session, rows, source=source)
    company_of = {o.row: o.company_id for o in result.outcomes if o.company_id}
    made = []
    for i, ref in enumerate(pending, start=1):
        company_id = company_of.get(i)
        if company_id is None:
            continue  # not a usable company name; the referral stays as typed
        ref.company_id = company_id
        note = f"客户介绍（面洽报告 #{report.id}）" + (f"：{ref.note}" if ref.note else "")
        opened = leads.open_lead(session, company_id, source=LeadSource.REFERRAL.value, by=user,
                                 note=note[:leads.TEXT_MAX], now=now)
        lead = opened.lead or opened.existing
        if lead is not None:
            ref.lead_id = lead.id
        if opened.lead is not None:
            made.append(opened.lead)
    session.flush()
    return made


def report_status(visit: Visit) -> str:
    """none / draft / filed: what the desk shows next to a visit."""
    if visit.report is None:
        return "none"
    return visit.report.status

