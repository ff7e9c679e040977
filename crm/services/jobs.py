"""Scheduled jobs as data: definitions seeded from data/jobs.yaml, cron checks, run history.

A job is a row of `job_definitions` naming a service function by its dotted path and a cron
expression in Asia/Shanghai. The scheduler process (jobs/scheduler.py) turns the enabled
rows into APScheduler jobs; jobs/runner.py carries out one run and records it as a
`JobRun`. Crawl sources with a `schedule` (crawlers/sources/*.yaml) become jobs named
`crawl:<source>` here too (origin "crawl"; their cron lives in the source file).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import JobDefinition, JobOrigin, JobRun, User
from crm.services import access
from crm.services.errors import N_, NotFound, ValidationFailed
from crm.services.reference import DATA_DIR, ReferenceDataError, load_yaml

JOBS_FILE = DATA_DIR / "jobs.yaml"
DEFAULT_TIMEZONE = "Asia/Shanghai"
CRAWL_PREFIX = "crawl:"
CRAWL_CALLABLE = "jobs.crawl.run_source"

# Words accepted where a cron expression is expected (crawl sources: nightly, weekly).
CRON_ALIASES = {
    "hourly": "0 * * * *",
    "daily": "0 3 * * *",
    "nightly": "0 2 * * *",
    "weekly": "0 3 * * sun",
}
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
CRON_HELP = N_('Give a cron expression of five fields (minute hour day month weekday), '
               'e.g. "30 8 * * *" for 08:30 every day, or one of: hourly, daily, nightly, '
               'weekly.')




# --- cron -------------------------------------------------------------------------------

def _weekday_field(value: str) -> str:
    # Crontab counts weekdays from Sunday = 0; APScheduler 3 from Monday = 0. Use names.
    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"weekday {number} is out of range 0-7")
        return _WEEKDAYS[number]

    return re.sub(r"(?<![/\d])\d+", name, value)


def trigger_for(cron: str, timezone: str = DEFAULT_TIMEZONE):
    """Return the APScheduler CronTrigger of a cron expression; ValidationFailed if bad."""
    from apscheduler.triggers.cron import CronTrigger

    expr = (cron or "").strip()
    expr = CRON_ALIASES.get(expr.lower(), expr)
    fields = expr.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValidationFailed.on("cron", CRON_HELP)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on("timezone", N_("Unknown time zone.")) from None
    second, minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_weekday_field(weekday), timezone=zone)
    except (ValueError, TypeError):
        raise ValidationFailed.on("cron", CRON_HELP) from None


def check_cron(cron: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """Return the cron expression tidied, or raise ValidationFailed naming the field."""
    trigger_for(cron, timezone)
    return " ".join((cron or "").split())


def next_fire(definition: JobDefinition, now: datetime | None = None) -> datetime | None:
    """When the job would fire next (None when disabled)."""
    if not definition.enabled:
        return None
    now = now or utcnow()
    try:
        trigger = trigger_for(definition.cron, definition.timezone)
    except ValidationFailed:
        return None
    return trigger.get_next_fire_time(None, now)


# --- definitions --------------------------------------------------------------------------

def read_jobs_file(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Return the job entries of data/jobs.yaml, checked (names, callables, cron)."""
    path = Path(path or JOBS_FILE)
    try:
        entries = (load_yaml(path) or {}).get("jobs") or []
    except Exception as exc:  # noqa: BLE001 - a YAML or I/O error names the file
        raise ReferenceDataError(f"{path}: {exc}") from exc
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        for key in ("name", "callable", "cron"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ReferenceDataError(f"{path}: jobs[{i}].{key} is missing")
        if entry["name"] in seen:
            raise ReferenceDataError(f"{path}: jobs[{i}].name {entry['name']!r} repeats")
        try:
            trigger_for(entry["cron"], entry.get("timezone", DEFAULT_TIMEZONE))
        except ValidationFailed as exc:
            raise ReferenceDataError(f"{path}: jobs[{i}].cron: {exc.errors}") from None
        seen.add(entry["name"])
    return entries


def seed_definitions(session: Session, path: str | Path | None = None) -> int:
    """Add the file's missing jobs and update the code-owned fields of the others.

    What an administrator edits (cron, enabled) is kept; callable, arguments and
    descriptions follow the file. Returns how many jobs were added.
    """
    existing = {d.name: d for d in session.scalars(select(JobDefinition))}
    added = 0
    for entry in read_jobs_file(path):
        row = existing.get(entry["name"])
        if row is None:
            row = JobDefinition(name=entry["name"], cron=check_cron(entry["cron"]),
                                enabled=bool(entry.get("enabled", True)),
                                origin=JobOrigin.FILE.value)
            session.add(row)
            added += 1
        row.callable = entry["callable"]
        row.kwargs = entry.get("kwargs") or None
        row.timezone = entry.get("timezone", DEFAULT_TIMEZONE)
        row.description_zh = entry.get("description_zh")
        row.description_en = entry.get("description_en")
        row.result_key = entry.get("result_key")
    session.flush()
    return added


def sync_crawl_schedules(session: Session, schedules: dict[str, str | None]) -> int:
    """Make one job per scheduled crawl source ({source: cron or None}); return changes.

    The cron comes from the source file every time; `enabled` is kept as an administrator
    set it. A source whose schedule was removed loses its job.
    """
    rows = {d.name: d for d in session.scalars(
        select(JobDefinition).where(JobDefinition.origin == JobOrigin.CRAWL.value))}
    changes = 0
    for source, cron in sorted(schedules.items()):
        name = CRAWL_PREFIX + source
        row = rows.pop(name, None)
        if not cron:
            if row is not None:
                session.delete(row)
                changes += 1
            continue
        try:
            cron = check_cron(cron)
        except ValidationFailed:
            continue  # the source editor refuses bad schedules; an old file is skipped
        if row is None:
            row = JobDefinition(name=name, callable=CRAWL_CALLABLE, kwargs={"source": source},
                                cron=cron, enabled=True, origin=JobOrigin.CRAWL.value,
                                timezone=DEFAULT_TIMEZONE,
                                description_zh=f"定时采集 {source}",
                                description_en=f"Scheduled crawl of {source}")
            session.add(row)
            changes += 1
        elif row.cron != cron:
            row.cron = cron
            changes += 1
    for row in rows.values():  # the source file is gone
        session.delete(row)
        changes += 1
    session.flush()
    return changes


def definitions(session: Session) -> list[JobDefinition]:
    return list(session.scalars(select(JobDefinition).order_by(JobDefinition.origin.desc(),
                                                               JobDefinition.name)))


def get_definition(session: Session, name: str) -> JobDefinition:
    row = session.scalars(select(JobDefinition).where(JobDefinition.name == name)).first()
    if row is None:
        raise NotFound(N_("No job %(name)s."), name=name)
    return row


def update_definition(session: Session, by: User, name: str, *, cron: str | None = None,
                      enabled: bool | None = None) -> JobDefinition:
    """Change a job's cron expression or switch it on or off (admin, general manager)."""
    access.require(by, "jobs.manage")
    row = get_definition(session, name)
    if cron is not None and " ".join(cron.split()) != row.cron:
        if row.origin == JobOrigin.CRAWL.value:
            raise ValidationFailed.on("cron", N_("A crawl's schedule is edited in its source file "
                                      "(Crawls → edit source)."))
        row.cron = check_cron(cron, row.timezone)
    if enabled is not None:
        row.enabled = enabled
    session.flush()
    return row


# --- runs ------------------------------------------------------------------------------

def last_runs(session: Session) -> dict[str, JobRun]:
    """The latest run of every job, by job name."""
    latest = (select(JobRun.job_name, func.max(JobRun.id).label("id"))
              .group_by(JobRun.job_name).subquery())
    runs = session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id))
    return {run.job_name: run for run in runs}


@dataclass
class RunFilters:
    job: str | None = None
    status: str | None = None


def runs_query(filters: RunFilters) -> Select[Any]:
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if filters.job:
        stmt = stmt.where(JobRun.job_name == filters.job)
    if filters.status:
        stmt = stmt.where(JobRun.status == filters.status)
    return stmt


def runs(session: Session, filters: RunFilters, *, page: int = 1, per_page: int = 50):
    """One page of the run history, newest first."""
    from crm.services.paging import paginate

    return paginate(session, runs_query(filters), page, per_page)
