"""Design requests (设计需求): the executor asks, the design department delivers proposals.

The rules, all here:

* An executor opens a request for a client with a brief, the show and its date, the booth
  (area, size), a budget range (min ≤ max) and a due date that is not in the past.
* Designers see the queue (by due date), take a request and deliver proposals: numbered
  versions 1, 2, 3 … each with at least one file.
* Nothing delivered by the due date: the request is *missed* and the executor owes an
  explanation (设计方案未按要求提交的解释), nagged for on the request page and the desk
  until given; the Monday meeting report shows it.
* Row level: executors see their own requests, designers the department's queue,
  supervisors and management every request.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    Company,
    DesignProposal,
    DesignProposalFile,
    DesignRequest,
    DesignRequestFile,
    DesignStatus,
    StoredFile,
    User,
)
from crm.services import access, fields, files, leads, workdays
from crm.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed

TEXT_MAX = fields.TEXT_MAX
MONEY_MAX = Decimal("9999999999.99")
WAITING = (DesignStatus.OPEN.value, DesignStatus.IN_PROGRESS.value)
ACCEPT = files.ANY_BUSINESS_FILE
# One upload as the web layer hands it over: the stream and the name the browser sent.
Upload = tuple[BinaryIO, str]






def _today() -> date:
    return workdays.local_date(utcnow())


# --- who sees what ----------------------------------------------------------------------

def request_scope(user: User) -> ColumnElement[bool]:
    """The WHERE clause of the requests a user may see.

    Supervisors and management see all; designers the department's queue (every request);
    executors the requests they owe (or opened).
    """
    if access.can(user, "design.view_all") or access.can(user, "design.work"):
        return true()
    if access.can(user, "design.request"):
        return or_(DesignRequest.executor_id == user.id, DesignRequest.created_by_id == user.id)
    return false()


def visible_request(session: Session, user: User, request_id: int) -> DesignRequest:
    """Load a request the user may see, or raise NotFound."""
    found = session.scalars(
        select(DesignRequest).where(DesignRequest.id == request_id, request_scope(user))
        .options(selectinload(DesignRequest.files).selectinload(DesignRequestFile.file),
                 selectinload(DesignRequest.proposals).selectinload(DesignProposal.files)
                 .selectinload(DesignProposalFile.file),
                 selectinload(DesignRequest.company))).first()
    if found is None:
        raise NotFound(N_("No such design request."))
    return found


def visible_file(session: Session, user: User, request_id: int, file_id: int) -> StoredFile:
    """A file of a request (the client's or a proposal's) the user may download."""
    req = visible_request(session, user, request_id)
    ids = {f.file_id for f in req.files} | {f.file_id for p in req.proposals for f in p.files}
    if file_id not in ids:
        raise NotFound(N_("No such file."))
    return session.get(StoredFile, file_id)


# --- the state of a request ---------------------------------------------------------------

def is_missed(req: DesignRequest, today: date) -> bool:
    """Tell whether nothing was delivered by the due date (today: the Shanghai date)."""
    if req.status == DesignStatus.CANCELLED.value and req.explanation is None:
        # Cancelled before anything was owed: the cancel reason says why.
        return False
    if req.delivered_at is not None:
        return workdays.local_date(req.delivered_at) > req.due_on
    return req.due_on < today


def needs_explanation(req: DesignRequest, today: date) -> bool:
    """Tell whether the executor still owes the explanation of a missed request."""
    return (req.status != DesignStatus.CANCELLED.value and is_missed(req, today)
            and not req.explanation)


# --- opening a request --------------------------------------------------------------------

@dataclass
class RequestData:
    """What the executor types into the request form."""

    company_id: int | None
    brief: str | None
    due_on: date | None
    title: str | None = None
    exhibition_id: int | None = None
    show_starts_on: date | None = None
    booth_area_m2: Decimal | None = None
    booth_size: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    lead_id: int | None = None


def _money(value: Decimal | None, field_name: str) -> Decimal | None:
    if value is None:
        return None
    if value < 0 or value > MONEY_MAX:
        raise ValidationFailed.on(field_name, N_("Enter an amount between 0 and %(max)s."), max=MONEY_MAX)
    return value.quantize(Decimal("0.01"))


def _check(session: Session, user: User, data: RequestData, today: date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str, **params: Any) -> None:
        errors.setdefault(name, []).append(message % params if params else message)

    values: dict[str, Any] = {}
    for name, required, limit in (("brief", True, TEXT_MAX), ("title", False, 200),
                                  ("booth_size", False, 60)):
        try:
            values[name] = fields.one_text(name, getattr(data, name), required=required,
                                            max_len=limit)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if data.company_id is None:
        fail("company_id", N_("Pick the company."))
    else:
        company = session.get(Company, data.company_id)
        if company is None or company.merged_into_id is not None:
            fail("company_id", N_("No such company."))
        else:
            values["company"] = company
    if data.due_on is None:
        fail("due_on", N_("This field is required."))
    elif data.due_on < today:
        fail("due_on", N_("The due date cannot be in the past."))
    for name in ("budget_min", "budget_max"):
        try:
            values[name] = _money(getattr(data, name), name)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    low, high = values.get("budget_min"), values.get("budget_max")
    if low is not None and high is not None and low > high:
        fail("budget_max", N_("The budget's maximum must not be below its minimum."))
    if data.booth_area_m2 is not None and not Decimal("0") < data.booth_area_m2 < Decimal("100000"):
        fail("booth_area_m2", N_("Enter an area above 0 m²."))
    if errors:
        raise ValidationFailed(errors)
    return values


def open_request(session: Session, executor: User, data: RequestData,
                 uploads: Sequence[Upload] = (), *, folder: str | Path,
                 max_bytes: int = files.DEFAULT_MAX_BYTES,
                 today: date | None = None, now: datetime | None = None) -> DesignRequest:
    """Open a design request for the design department, with the client's files."""
    access.require(executor, "design.request")
    now = now or utcnow()
    today = today or workdays.local_date(now)
    values = _check(session, executor, data, today)
    company = values["company"]
    lead_id = data.lead_id
    if lead_id is None:
        lead = leads.open_lead_of(session, company.id)
        lead_id = lead.id if lead is not None and lead.executor_id == executor.id else None
    req = DesignRequest(
        company_id=company.id, lead_id=lead_id, exhibition_id=data.exhibition_id,
        executor_id=executor.id, created_by_id=executor.id,
        title=values["title"] or company.display_name[:200], brief=values["brief"],
        show_starts_on=data.show_starts_on, booth_area_m2=data.booth_area_m2,
        booth_size=values["booth_size"], budget_min=values["budget_min"],
        budget_max=values["budget_max"], due_on=data.due_on, status=DesignStatus.OPEN.value,
        created_at=now, updated_at=now)
    session.add(req)
    session.flush()
    for stored in _store_all(session, executor, uploads, folder, max_bytes, "files"):
        req.files.append(DesignRequestFile(file_id=stored.id, added_at=now))
    session.flush()
    return req


def _store_all(session: Session, user: User, uploads: Iterable[Upload], folder: str | Path,
               max_bytes: int, field_name: str) -> list[StoredFile]:
    return files.store_all(session, user, uploads, folder=folder, max_bytes=max_bytes,
                         field=field_name)


# --- the design department ------------------------------------------------------------------

def queue(session: Session, user: User, *, include_done: bool = False) -> list[DesignRequest]:
    """The design queue: waiting requests, the earliest due first."""
    stmt = (select(DesignRequest).where(request_scope(user))
            .options(selectinload(DesignRequest.company), selectinload(DesignRequest.designer),
                     selectinload(DesignRequest.executor))
            .order_by(DesignRequest.due_on, DesignRequest.id))
    if not include_done:
        stmt = stmt.where(DesignRequest.status.in_(WAITING))
    return list(session.scalars(stmt))


def take(session: Session, req: DesignRequest, designer: User) -> DesignRequest:
    """A designer takes a waiting request (refused when a colleague holds it)."""
    access.require(designer, "design.work")
    if req.status not in WAITING:
        raise Conflict(N_("This request is not waiting for a designer."))
    if req.designer_id not in (None, designer.id):
        raise Conflict(N_("Another designer is working on this request."))
    req.designer_id = designer.id
    req.status = DesignStatus.IN_PROGRESS.value
    session.flush()
    return req


def deliver(session: Session, req: DesignRequest, designer: User, uploads: Sequence[Upload],
            note: str | None = None, *, folder: str | Path,
            max_bytes: int = files.DEFAULT_MAX_BYTES,
            now: datetime | None = None) -> DesignProposal:
    """Deliver the next version of the proposal (at least one file)."""
    access.require(designer, "design.work")
    now = now or utcnow()
    if req.status == DesignStatus.CANCELLED.value:
        raise Conflict(N_("This request was cancelled."))
    note = fields.one_text("note", note)
    if not uploads:
        raise ValidationFailed.on("files", N_("Attach at least one file of the proposal."))
    number = (session.scalar(select(func.max(DesignProposal.number))
                             .where(DesignProposal.request_id == req.id)) or 0) + 1
    proposal = DesignProposal(request_id=req.id, number=number, designer_id=designer.id,
                              note=note, delivered_at=now)
    session.add(proposal)
    session.flush()
    for stored in _store_all(session, designer, uploads, folder, max_bytes, "files"):
        proposal.files.append(DesignProposalFile(file_id=stored.id))
    if req.designer_id is None:
        req.designer_id = designer.id
    req.status = DesignStatus.DELIVERED.value
    if req.delivered_at is None:
        req.delivered_at = now
    session.flush()
    return proposal


# --- the executor's side --------------------------------------------------------------------

def may_manage(req: DesignRequest, user: User) -> bool:
    """Tell whether the user may explain or cancel: the request's executor or a supervisor."""
    if req.executor_id == user.id and access.can(user, "design.request"):
        return True
    return access.can(user, "design.view_all")


def _owner_or_supervisor(req: DesignRequest, user: User) -> None:
    if may_manage(req, user):
        return
    raise Forbidden(N_("Only the executor of this request or a supervisor may do this."))


def explain(session: Session, req: DesignRequest, user: User, explanation: str | None, *,
            now: datetime | None = None) -> DesignRequest:
    """Record why nothing was delivered by the due date (the Monday meeting shows it)."""
    _owner_or_supervisor(req, user)
    now = now or utcnow()
    if not is_missed(req, workdays.local_date(now)):
        raise Conflict(N_("This request is not missed: no explanation is owed."))
    req.explanation = fields.one_text("explanation", explanation, required=True)
    req.explained_at, req.explained_by_id = now, user.id
    session.flush()
    return req


def cancel(session: Session, req: DesignRequest, user: User, reason: str | None, *,
           now: datetime | None = None) -> DesignRequest:
    """Cancel a request that is still waiting (the client dropped it, for example)."""
    _owner_or_supervisor(req, user)
    if req.status not in WAITING:
        raise Conflict(N_("Only a request still waiting for a proposal can be cancelled."))
    if needs_explanation(req, workdays.local_date(now or utcnow())):
        # Cancelling does not wipe out a missed due date: explain it first.
        raise Conflict(N_("The due date was missed: enter the explanation before cancelling."))
    req.cancel_reason = fields.one_text("reason", reason, required=True)
    req.status = DesignStatus.CANCELLED.value
    session.flush()
    return req


def mine(session: Session, user: User) -> list[DesignRequest]:
    """Every request the user owes, the most recent due date first."""
    return list(session.scalars(
        select(DesignRequest).where(DesignRequest.executor_id == user.id)
        .options(selectinload(DesignRequest.company), selectinload(DesignRequest.designer))
        .order_by(DesignRequest.due_on.desc(), DesignRequest.id.desc())))


def open_requests_for(session: Session, executor: User, today: date | None = None
                      ) -> list[DesignRequest]:
    """The executor's requests needing attention (for the desk): waiting, or missed and
    still unexplained; earliest due first."""
    today = today or _today()
    rows = session.scalars(
        select(DesignRequest).where(DesignRequest.executor_id == executor.id,
                                    DesignRequest.status != DesignStatus.CANCELLED.value,
                                    DesignRequest.explanation.is_(None))
        .options(selectinload(DesignRequest.company))
        .order_by(DesignRequest.due_on, DesignRequest.id))
    return [r for r in rows if r.status in WAITING or needs_explanation(r, today)]


def past_due(session: Session, today: date) -> list[DesignRequest]:
    """Requests past their due date with nothing delivered (for the daily reminder)."""
    return list(session.scalars(
        select(DesignRequest).where(DesignRequest.status.in_(WAITING),
                                    DesignRequest.due_on < today)
        .options(selectinload(DesignRequest.company), selectinload(DesignRequest.executor))
        .order_by(DesignRequest.due_on, DesignRequest.id)))


def missed_between(session: Session, first: date, last: date, today: date) -> list[DesignRequest]:
    """Requests due between the two dates (inclusive) that were missed, for the report."""
    rows = session.scalars(
        select(DesignRequest).where(DesignRequest.due_on >= first, DesignRequest.due_on <= last)
        .options(selectinload(DesignRequest.company))
        .order_by(DesignRequest.due_on, DesignRequest.id))
    return [r for r in rows if is_missed(r, today)]


def past_due_reminders(session: Session, today: date, now: datetime):
    """Reminder source (crm.services.reminders): past-due requests, to the executor and
    the designer holding them."""
    from crm.services.reminders import Reminder

    for req in past_due(session, today):
        company = req.company.display_name
        days = (today - req.due_on).days
        english = (req.executor.locale or "").startswith("en") if req.executor else False
        title = (f"Design request past due: {company} ({days} days)" if english
                 else f"设计需求逾期：{company}（逾期 {days} 天）")
        body = (f"Due {req.due_on.isoformat()}: enter the explanation if no proposal comes."
                if english else f"应于 {req.due_on.isoformat()} 交付；如无方案，请填写说明。")
        link = f"/design/{req.id}"
        yield Reminder(req.executor_id, f"design:{req.id}", title, body, link)
        if req.designer_id is not None:
            yield Reminder(req.designer_id, f"design:{req.id}", title, None, link)
