"""The daily reminder (每日提醒): things past due become notifications (and e-mails).

The job `daily_reminders` (data/jobs.yaml) calls `send_daily` each morning. It asks every
registered reminder source for the reminders due today and notifies each person once per
item per day (the dedup key is "<source>:<item key>:<date>"), so running it twice in a
day sends nothing new. Where SMTP is configured each person also gets one e-mail listing
their new reminders.

Plugging in a source
--------------------
A source is a function `(session, today, now) -> iterable of Reminder`, where `today` is
the Asia/Shanghai date and `now` the UTC time. Register it with ONE line, either

- in its own module, with the decorator::

      @reminders.reminder_source("visit_report_missing")
      def visits_without_report(session, today, now): ...

  (the module must be imported somewhere, so prefer the second way), or
- here, by adding "module:function" to PLUGGED_SOURCES below; the module is imported when
  the job runs, and a source that fails to import or raises is reported in the run's
  result while the other sources still send.

Reminder.key identifies the item (e.g. "visit:17"); Reminder.kind is the source name
unless given. Sources: overdue follow-ups (here), visits without a report after 48 hours
(crm.services.visits), design requests past due (crm.services.design_requests).
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Notification, Role, User
from crm.services import leads, notifications, workdays

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """One thing to remind one person of."""

    user_id: int
    key: str  # the item, stable from day to day: "lead:42"
    title: str
    body: str | None = None
    link: str | None = None
    kind: str | None = None  # default: the source's name


ReminderSource = Callable[[Session, date, datetime], Iterable[Reminder]]
SOURCES: dict[str, ReminderSource] = {}

# Sources living in other modules, "module:function", registered under the function's
# name (or "name=module:function"). One line each.
PLUGGED_SOURCES: list[str] = [
    "design_requests_past_due=crm.services.design_requests:past_due_reminders",
    "visits_without_report=crm.services.visits:report_reminders",
]


def reminder_source(name: str) -> Callable[[ReminderSource], ReminderSource]:
    """Register a reminder source under `name` (decorator)."""

    def register(func: ReminderSource) -> ReminderSource:
        SOURCES[name] = func
        return func

    return register


def _plugged() -> tuple[dict[str, ReminderSource], dict[str, str]]:
    found: dict[str, ReminderSource] = {}
    errors: dict[str, str] = {}
    for spec in PLUGGED_SOURCES:
        name, _, path = spec.rpartition("=")
        module_name, _, attr = path.partition(":")
        try:
            func = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            errors[name or attr] = f"{type(exc).__name__}: {exc}"
            continue
        found[name or attr] = func
    return found, errors


def sources() -> dict[str, ReminderSource]:
    """Every registered source by name (the plugged ones that import)."""
    return {**SOURCES, **_plugged()[0]}


def _english(user: User | None) -> bool:
    return bool(user and (user.locale or "").startswith("en"))


def supervisors_of(session: Session, user: User) -> list[User]:
    """The execution supervisors of the user's department (all of them if it has none)."""
    stmt = select(User).where(User.active.is_(True),
                              User.role == Role.EXECUTION_SUPERVISOR.value, User.id != user.id)
    if user.department_id is not None:
        same = list(session.scalars(stmt.where(User.department_id == user.department_id)))
        if same:
            return same
    return list(session.scalars(stmt.order_by(User.id)))


@reminder_source("overdue_follow_up")
def overdue_follow_ups(session: Session, today: date, now: datetime) -> Iterable[Reminder]:
    """Leads whose next step is past due: the executor and their supervisor(s)."""
    supervisors: dict[int, list[User]] = {}
    for lead in leads.overdue(session, today):
        executor = lead.executor
        if executor is None or not executor.active:
            continue
        company = lead.company.name_zh or lead.company.name_en or f"#{lead.company_id}"
        days = (today - lead.next_step_due).days
        link = f"/companies/{lead.company_id}"
        step = lead.next_step or ""
        yield Reminder(
            executor.id, f"lead:{lead.id}",
            (f"Overdue follow-up: {company} ({days} days)" if _english(executor)
             else f"跟进逾期：{company}（逾期 {days} 天）"),
            (f"Next step: {step}, due {lead.next_step_due.isoformat()}" if _english(executor)
             else f"下一步：{step}，应于 {lead.next_step_due.isoformat()} 完成"), link)
        if executor.id not in supervisors:
            supervisors[executor.id] = supervisors_of(session, executor)
        for boss in supervisors[executor.id]:
            yield Reminder(
                boss.id, f"lead:{lead.id}",
                (f"Overdue follow-up of {executor.display_name}: {company} ({days} days)"
                 if _english(boss) else
                 f"{executor.display_name} 的跟进逾期：{company}（逾期 {days} 天）"),
                (f"Next step: {step}, due {lead.next_step_due.isoformat()}" if _english(boss)
                 else f"下一步：{step}，应于 {lead.next_step_due.isoformat()} 完成"), link)


def send_daily(session: Session, today: date | None = None, now: datetime | None = None,
               config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Notify everyone of what is due; e-mail the new notifications where SMTP is set."""
    now = now or utcnow()
    today = today or workdays.local_date(now)
    found, errors = _plugged()
    result: dict[str, Any] = {"notified": 0, "already_notified": 0, "by_source": {}}
    created: list[Notification] = []
    for name, source in {**SOURCES, **found}.items():
        count = 0
        try:
            with session.begin_nested():
                for item in source(session, today, now):
                    note = notifications.notify(
                        session, item.user_id, item.kind or name, item.title, item.body,
                        item.link, dedup_key=f"{name}:{item.key}:{today.isoformat()}")
                    if note is None:
                        result["already_notified"] += 1
                    else:
                        created.append(note)
                        count += 1
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the rest
            log.exception("reminder source %s failed", name)
            errors[name] = f"{type(exc).__name__}: {exc}"
            created = [n for n in created if n in session]
            continue
        result["by_source"][name] = count
        result["notified"] += count
    if errors:
        result["source_errors"] = errors
    smtp = notifications.SmtpSettings.from_config(config)
    if smtp is not None and created:
        report = notifications.email_digest(session, created, smtp,
                                            base_url=(config or {}).get("BASE_URL"))
        result.update(report.as_json())
    return result
