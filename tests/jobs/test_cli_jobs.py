"""`crm jobs list | run NAME` through Click's runner (`start` runs in test_scheduler.py)."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from crm.cli import main
from crm.db import make_session_factory, session_scope
from crm.models import JobDefinition, JobRun


def test_list_and_run(jobs_db, jobs_engine):
    runner = CliRunner()

    def crm(*args):
        return runner.invoke(main, list(args), env={"DATABASE_URL": jobs_db, "SECRET_KEY": "t"})

    upgraded = crm("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "Scheduled jobs: 4 added" in upgraded.output
    factory = make_session_factory(jobs_engine)
    with session_scope(factory) as s:
        s.add(JobDefinition(name="boom", callable="tests.jobs.sample.boom", cron="0 3 * * *"))

    ok = crm("jobs", "run", "expire_unaccepted_leads")
    assert ok.exit_code == 0, ok.output
    assert "succeeded" in ok.output and '{"expired": 0}' in ok.output
    failed = crm("jobs", "run", "boom")
    assert failed.exit_code == 1 and "the service broke" in failed.output
    assert crm("jobs", "run", "nobody").exit_code == 2

    listing = crm("jobs", "list")
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[0]: line for line in listing.output.splitlines()[1:]}
    assert set(lines) >= {"expire_unaccepted_leads", "show_driven_call_lists",
                          "daily_reminders", "weekly_meeting_report", "boom"}
    assert lines["expire_unaccepted_leads"].rstrip().endswith("succeeded")
    assert lines["boom"].rstrip().endswith("failed")
    assert lines["daily_reminders"].rstrip().endswith("never")
    assert "08:30:00" in lines["daily_reminders"]
    with session_scope(factory) as s:
        runs = s.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert [(r.job_name, r.triggered_by, r.status) for r in runs] == [
            ("expire_unaccepted_leads", "manual", "succeeded"), ("boom", "manual", "failed")]
