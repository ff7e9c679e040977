"""jobs.runner and crm.services.jobs: a run is recorded, a failure too, a fire runs once."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from crm.models import JobDefinition, JobRun
from crm.services import jobs as job_service
from crm.services.errors import ValidationFailed
from jobs import runner

FIRE = datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc)  # Monday 08:30 in Shanghai


def test_a_manual_run_is_recorded_with_its_result(session, factory, define, make_user):
    admin = make_user("admin")
    define("counted", "tests.jobs.sample.counted", kwargs={"label": "hi"})
    run = runner.run_job(factory, "counted", triggered_by="manual", user_id=admin.id,
                         scheduled_for=FIRE)
    stored = session.scalars(select(JobRun).where(JobRun.job_name == "counted")).one()
    assert stored.id == run.id
    assert stored.status == "succeeded" and stored.triggered_by == "manual"
    assert stored.user_id == admin.id and stored.finished_at >= stored.started_at
    # the callable got the session, the context values it named and the kwargs
    assert stored.result == {"label": "hi", "today": "2026-03-09",
                             "scheduled_for": FIRE.isoformat()}
    assert stored.error is None


def test_a_failing_job_records_the_error_and_does_not_raise(session, factory, define):
    define("boom", "tests.jobs.sample.boom")
    run = runner.run_job(factory, "boom", scheduled_for=FIRE)
    assert run.status == "failed"
    stored = session.get(JobRun, run.id)
    assert stored.status == "failed" and "the service broke" in stored.error
    assert stored.finished_at is not None


def test_a_missing_callable_is_a_failed_run(session, factory, define):
    define("weekly", "crm.services.no_such_module.generate_last_week")
    run = runner.run_job(factory, "weekly", scheduled_for=FIRE)
    assert run.status == "failed"
    assert "No module named 'crm.services.no_such_module'" in session.get(JobRun, run.id).error


def test_an_undefined_job_is_a_failed_run(session, factory):
    run = runner.run_job(factory, "nobody", scheduled_for=FIRE)
    assert run.status == "failed" and "no job named nobody" in run.error


def test_the_same_fire_runs_once(session, factory, define):
    define("tick", "tests.jobs.sample.tick")
    assert runner.run_job(factory, "tick", scheduled_for=FIRE) is not None
    assert runner.run_job(factory, "tick", scheduled_for=FIRE) is None
    assert len(session.scalars(select(JobRun).where(JobRun.job_name == "tick")).all()) == 1


def test_a_service_job_gets_its_summary(session, factory, define):
    define("expire", "crm.services.leads.expire_unaccepted", result_key="expired")
    run = runner.run_job(factory, "expire", scheduled_for=FIRE)
    assert run.status == "succeeded" and run.result == {"expired": 0}


@pytest.mark.parametrize(("value", "expected"), [
    (3, {"expired": 3}), ([1, 2], {"expired": 2}), (None, {}), ({"a": 1}, {"a": 1}),
    ({"when": FIRE}, {"when": "2026-03-09 00:30:00+00:00"}),
])
def test_summaries(value, expected):
    assert runner.summarize(value, "expired") == expected


def test_cron_expressions_are_checked_with_a_clear_error():
    assert job_service.check_cron(" 30  8 * * * ") == "30 8 * * *"
    job_service.check_cron("nightly")
    # crontab weekdays: 1 = Monday (APScheduler itself would read 1 as Tuesday)
    trigger = job_service.trigger_for("0 6 * * 1")
    fire = trigger.get_next_fire_time(None, FIRE)
    assert fire.weekday() == 0 and fire.hour == 6
    for bad in ("", "every day", "61 * * * *", "* * * *", "0 25 * * *"):
        with pytest.raises(ValidationFailed) as err:
            job_service.check_cron(bad)
        assert "cron" in err.value.errors and "five fields" in err.value.errors["cron"][0]


def test_seeding_adds_jobs_and_keeps_admin_edits(session, make_user):
    assert job_service.seed_definitions(session) == 4
    row = job_service.get_definition(session, "daily_reminders")
    assert row.callable == "crm.services.reminders.send_daily" and row.cron == "30 8 * * *"
    job_service.update_definition(session, make_user("general_manager"), "daily_reminders",
                                  cron="0 9 * * 1-5", enabled=False)
    assert job_service.seed_definitions(session) == 0
    session.refresh(row)
    assert (row.cron, row.enabled) == ("0 9 * * 1-5", False)
    assert job_service.next_fire(row) is None  # disabled


def test_only_admin_and_gm_edit_jobs(session, make_user):
    job_service.seed_definitions(session)
    with pytest.raises(Exception) as err:
        job_service.update_definition(session, make_user("executor"), "daily_reminders",
                                      enabled=False)
    assert err.value.code == "forbidden"


def test_crawl_schedules_become_jobs(session, make_user):
    assert job_service.sync_crawl_schedules(session, {"expo_a": "nightly", "expo_b": None}) == 1
    row = job_service.get_definition(session, "crawl:expo_a")
    assert row.callable == "jobs.crawl.run_source" and row.kwargs == {"source": "expo_a"}
    with pytest.raises(ValidationFailed):  # the schedule lives in the source file
        job_service.update_definition(session, make_user("admin"), "crawl:expo_a", cron="0 1 * * *")
    job_service.sync_crawl_schedules(session, {"expo_a": "weekly"})
    assert row.cron == "weekly"
    job_service.sync_crawl_schedules(session, {})
    assert session.scalars(select(JobDefinition).where(JobDefinition.name == "crawl:expo_a")).first() is None


def test_scheduled_crawl_sources_are_read_from_the_source_files(tmp_path):
    from crm.services import crawl_sources
    from jobs import crawl

    template = crawl_sources.template_text("exhibitors")
    (tmp_path / "expo_nightly.yaml").write_text(
        template.replace('schedule: "0 3 * * 1"', "schedule: nightly"), encoding="utf-8")
    (tmp_path / "expo_weekly.yaml").write_text(template, encoding="utf-8")
    (tmp_path / "expo_off.yaml").write_text(
        template.replace('schedule: "0 3 * * 1"', "enabled: false\nschedule: weekly"),
        encoding="utf-8")
    (tmp_path / "expo_never.yaml").write_text(
        template.replace('schedule: "0 3 * * 1"', ""), encoding="utf-8")
    assert crawl.schedules(str(tmp_path)) == {"expo_nightly": "nightly", "expo_weekly": "0 3 * * 1",
                                              "expo_off": None, "expo_never": None}
    bad = template.replace('schedule: "0 3 * * 1"', "schedule: sometimes")
    with pytest.raises(crawl_sources.SourceInvalid):
        crawl_sources.parse_source("expo_bad", bad)


def test_runs_left_running_by_a_dead_process_are_marked_failed(session, factory):
    import socket
    from datetime import timedelta

    host = socket.gethostname()
    dead_here = JobRun(job_name="a", scheduled_for=FIRE, started_at=FIRE, status="running",
                       triggered_by="scheduler", worker=f"{host}:999999999")
    alive_here = JobRun(job_name="b", scheduled_for=FIRE, started_at=FIRE, status="running",
                        triggered_by="scheduler", worker=f"{host}:1")  # pid 1 is always alive
    old_elsewhere = JobRun(job_name="c", scheduled_for=FIRE, started_at=FIRE, status="running",
                           triggered_by="scheduler", worker="other-host:42")
    young_elsewhere = JobRun(job_name="d", scheduled_for=FIRE, status="running",
                             started_at=FIRE + timedelta(hours=23), triggered_by="scheduler",
                             worker="other-host:43")
    session.add_all([dead_here, alive_here, old_elsewhere, young_elsewhere])
    session.flush()
    now = FIRE + timedelta(hours=24)
    assert runner.fail_interrupted_runs(factory, now=now) == 2
    session.expire_all()
    assert {r.job_name: r.status for r in session.scalars(select(JobRun))} == {
        "a": "failed", "b": "running", "c": "failed", "d": "running"}
    assert dead_here.error == runner.INTERRUPTED and dead_here.finished_at == now
