"""Demo data for the scheduler: the job list, this morning's reminder run and its notifications."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import JobRun, JobRunStatus, Lead, LeadStatus
from crm.services import jobs, leads, reminders, workdays


def load(session: Session) -> None:
    """Seed the jobs and record a daily-reminder run of today 08:30 (idempotent)."""
    jobs.seed_definitions(session)
    now = utcnow()
    today = workdays.local_date(now)
    due = datetime.combine(today, time(8, 30), tzinfo=workdays.LOCAL_TZ)
    if session.scalar(select(JobRun.id).where(JobRun.job_name == "daily_reminders",
                                              JobRun.scheduled_for == due)) is not None:
        return
    if not leads.overdue(session, today):
        # One follow-up the executor let slip, so the bell has something to show.
        late = session.scalars(select(Lead).where(Lead.status == LeadStatus.ACCEPTED.value,
                                                  Lead.executor_id.is_not(None))
                               .order_by(Lead.id).limit(1)).first()
        if late is not None:
            late.next_step = late.next_step or "电话回访，确认报价"
            late.next_step_due = today - timedelta(days=2)
            session.flush()
    result = reminders.send_daily(session, today, now)
    session.add(JobRun(job_name="daily_reminders", scheduled_for=due, started_at=now,
                       finished_at=utcnow(), status=JobRunStatus.SUCCEEDED.value,
                       result=result, triggered_by="scheduler", worker="demo"))
    session.flush()
