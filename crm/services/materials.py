"""Materials (寄发资料): send the standard pack or targeted materials, then follow up.

A "send materials" call outcome opens a mailing task (crm.services.calls): telesales send
the standard pack (统一资料); for a key client an executor writes targeted materials
(针对性资料) and tries for a meeting. Each task records what was sent (content), how (post,
courier, e-mail, WeChat), the tracking number, the date sent, when to follow up and what
the follow-up brought. The rules for mailing tasks live here; crm.services.calls delegates.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import MailingTask, Role, User
from crm.models.calls import MailingKind, MailingMethod, MailingStatus
from crm.services import access, fields, workdays
from crm.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed

METHODS = tuple(m.value for m in MailingMethod)
KINDS = tuple(k.value for k in MailingKind)
STATUSES = tuple(s.value for s in MailingStatus)
TEXT_MAX = fields.TEXT_MAX
EXECUTOR_ROLES = frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR})






# --- who sees what ----------------------------------------------------------------------

def task_scope(user: User) -> ColumnElement[bool]:
    """Supervisors and management see every task; telesales and executors their own."""
    if access.can(user, "materials.all"):
        return true()
    if access.can(user, "materials.work"):
        return MailingTask.assignee_id == user.id
    return false()


def visible_task(session: Session, user: User, task_id: int) -> MailingTask:
    task = session.scalars(select(MailingTask).where(MailingTask.id == task_id, task_scope(user))
                           .options(selectinload(MailingTask.company))).first()
    if task is None:
        raise NotFound(N_("No such mailing task."))
    return task


def tasks(session: Session, user: User, *, status: str | None = MailingStatus.OPEN.value,
          kind: str | None = None, unassigned: bool = False,
          mine: bool = False) -> list[MailingTask]:
    """Mailing tasks the user sees, the earliest due first.

    `mine` keeps the user's own tasks (for a supervisor who also sends); `unassigned`
    the targeted tasks waiting for a supervisor to pick an executor.
    """
    stmt = (select(MailingTask).where(task_scope(user))
            .options(selectinload(MailingTask.company), selectinload(MailingTask.assignee))
            .order_by(MailingTask.due_on.is_(None), MailingTask.due_on, MailingTask.id))
    if status:
        stmt = stmt.where(MailingTask.status == status)
    if kind:
        stmt = stmt.where(MailingTask.kind == kind)
    if unassigned:
        stmt = stmt.where(MailingTask.assignee_id.is_(None))
    elif mine:
        stmt = stmt.where(MailingTask.assignee_id == user.id)
    return list(session.scalars(stmt))


def follow_ups_due(session: Session, user: User, today: date) -> list[MailingTask]:
    """Sent tasks of the user whose follow-up date has come."""
    return list(session.scalars(
        select(MailingTask).where(task_scope(user), MailingTask.assignee_id == user.id,
                                  MailingTask.status == MailingStatus.SENT.value,
                                  MailingTask.follow_up_on.is_not(None),
                                  MailingTask.follow_up_on <= today)
        .options(selectinload(MailingTask.company)).order_by(MailingTask.follow_up_on)))


def _sender_or_supervisor(task: MailingTask, user: User) -> None:
    if task.assignee_id == user.id or access.can(user, "materials.all"):
        return
    raise Forbidden(N_("This mailing is someone else's."))


# --- sending and following up -------------------------------------------------------------

def mark_sent(session: Session, task: MailingTask, user: User, method: str,
              tracking_no: str | None = None, *, content: str | None = None,
              sent_on: date | None = None, follow_up_on: date | None = None,
              now: datetime | None = None) -> MailingTask:
    """Record that the materials went out: what, how, tracking number, when; when to follow up."""
    _sender_or_supervisor(task, user)
    now = now or utcnow()
    today = workdays.local_date(now)
    if method not in METHODS:
        raise ValidationFailed.on("method", N_("Pick post, courier, e-mail or WeChat."))
    tracking_no = fields.one_text("tracking_no", tracking_no, max_len=60)
    content = fields.one_text("content", content)
    if task.kind == MailingKind.TARGETED.value and not (content or task.content):
        raise ValidationFailed.on("content", N_("Say what targeted materials were sent."))
    if sent_on is not None and sent_on > today:
        raise ValidationFailed.on("sent_on", N_("The date sent cannot be in the future."))
    sent_day = sent_on or today
    if follow_up_on is not None and follow_up_on < sent_day:
        raise ValidationFailed.on("follow_up_on", N_("Follow up on or after the day it was sent."))
    if task.status != MailingStatus.OPEN.value:
        raise Conflict(N_("This mailing is not open."))
    task.method, task.tracking_no = method, tracking_no
    if content:
        task.content = content
    task.follow_up_on = follow_up_on
    # A past date sent is kept as noon of that day in Shanghai (the hour is not asked).
    task.sent_at = now if sent_on in (None, today) else _noon(sent_on)
    task.status = MailingStatus.SENT.value
    session.flush()
    return task


def _noon(day: date) -> datetime:
    return workdays.local_midnight(day) + timedelta(hours=12)


def record_follow_up(session: Session, task: MailingTask, user: User, note: str | None, *,
                     now: datetime | None = None) -> MailingTask:
    """Record what the follow-up after sending brought (a meeting, no interest …)."""
    _sender_or_supervisor(task, user)
    note = fields.one_text("follow_up_note", note, required=True)
    if task.status != MailingStatus.SENT.value:
        raise Conflict(N_("Follow up once the materials were sent."))
    task.follow_up_note = note
    task.followed_up_at = now or utcnow()
    task.status = MailingStatus.FOLLOWED_UP.value
    session.flush()
    return task


def hand_to(session: Session, task: MailingTask, executor: User, by: User) -> MailingTask:
    """A supervisor hands a targeted task (a key client) to an executor."""
    access.require(by, "materials.all")
    if task.kind != MailingKind.TARGETED.value:
        raise Conflict(N_("Only targeted materials are handed to an executor."))
    if task.status != MailingStatus.OPEN.value:
        raise Conflict(N_("This mailing is not open."))
    if not executor.active or Role(executor.role) not in EXECUTOR_ROLES:
        raise ValidationFailed.on("assignee_id", N_("Pick an active executor."))
    task.assignee_id = executor.id
    session.flush()
    return task


def cancel(session: Session, task: MailingTask, user: User, reason: str | None) -> MailingTask:
    """Drop a task that is still open (the client declined, a duplicate …)."""
    _sender_or_supervisor(task, user)
    reason = fields.one_text("reason", reason, required=True)
    if task.status != MailingStatus.OPEN.value:
        raise Conflict(N_("This mailing is not open."))
    task.note = f"{task.note}\n{reason}" if task.note else reason
    task.status = MailingStatus.CANCELLED.value
    session.flush()
    return task


def executors(session: Session) -> list[User]:
    """Active executors a targeted task can be handed to."""
    return list(session.scalars(select(User).where(
        User.active.is_(True), User.role.in_([r.value for r in EXECUTOR_ROLES]))
        .order_by(User.display_name)))


def created_between(session: Session, lo: datetime, hi: datetime) -> list[MailingTask]:
    """Tasks opened in [lo, hi) (UTC), for the Monday meeting's allocation table."""
    return list(session.scalars(
        select(MailingTask).where(MailingTask.created_at >= lo, MailingTask.created_at < hi)
        .options(selectinload(MailingTask.company), selectinload(MailingTask.assignee))
        .order_by(MailingTask.created_at, MailingTask.id)))

