"""The job pages (admin and GM): definitions, enable/disable, cron errors, run now, history;
and the notification bell and list."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from crm import create_app
from crm.models import JobDefinition, JobRun
from crm.services import jobs as job_service
from crm.services import notifications
from tests.conftest import migrated_database


def _seed(session):
    job_service.seed_definitions(session)
    session.add(JobDefinition(name="boom", callable="tests.jobs.sample.boom", cron="0 3 * * *"))
    session.flush()


def test_only_admin_and_gm_see_the_jobs(session, make_user, login, client):
    _seed(session)
    login(make_user("market_supervisor"))
    assert client.get("/admin/jobs/").status_code == 403
    assert client.post("/admin/jobs/boom/run").status_code == 403
    assert session.scalars(select(JobRun)).first() is None


def test_jobs_page_lists_definitions_with_next_fire(session, make_user, login, client):
    _seed(session)
    login(make_user("general_manager"))
    page = client.get("/admin/jobs/").get_data(as_text=True)
    for name in ("expire_unaccepted_leads", "show_driven_call_lists", "daily_reminders",
                 "weekly_meeting_report"):
        assert f'id="job-{name}"' in page
    assert "30 8 * * *" in page and "08:30:00" in page  # next fire, Asia/Shanghai
    assert 'href="/admin/jobs/"' in client.get("/").get_data(as_text=True)  # nav entry


def test_disable_and_edit_cron(session, make_user, login, client):
    _seed(session)
    login(make_user("admin"))
    response = client.post("/admin/jobs/daily_reminders/edit", data={"cron": "0 9 * * 1-5"})
    assert response.status_code == 302
    row = job_service.get_definition(session, "daily_reminders")
    session.refresh(row)
    assert (row.cron, row.enabled) == ("0 9 * * 1-5", False)


def test_a_bad_cron_is_refused_with_a_clear_error(session, make_user, login, client):
    _seed(session)
    login(make_user("admin"))
    response = client.post("/admin/jobs/daily_reminders/edit",
                           data={"cron": "every morning", "enabled": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-field="cron"' in page and "five fields" in page
    assert 'value="every morning"' in page  # what was typed stays
    row = job_service.get_definition(session, "daily_reminders")
    session.refresh(row)
    assert row.cron == "30 8 * * *"


def test_run_now_records_a_manual_run_shown_in_the_history(session, make_user, login, client):
    _seed(session)
    admin = make_user("admin")
    login(admin)
    response = client.post("/admin/jobs/expire_unaccepted_leads/run")
    assert response.status_code == 302 and "/admin/jobs/runs/" in response.location
    run = session.scalars(select(JobRun).where(JobRun.job_name == "expire_unaccepted_leads")).one()
    assert (run.status, run.triggered_by, run.user_id) == ("succeeded", "manual", admin.id)
    assert run.result == {"expired": 0}
    client.post("/admin/jobs/boom/run")
    detail = client.get(client.post("/admin/jobs/boom/run").location).get_data(as_text=True)
    assert "the service broke" in detail
    failed = client.get("/admin/jobs/?status=failed").get_data(as_text=True)
    assert failed.count('class="run-failed"') == 2 and 'class="run-succeeded"' not in failed
    only = client.get("/admin/jobs/?job=expire_unaccepted_leads").get_data(as_text=True)
    assert only.count('class="run-succeeded"') == 1 and "run-failed" not in only


def test_bell_counts_unread_and_opening_marks_read(session, make_user, login, client):
    user, other = make_user("executor"), make_user("executor")
    note = notifications.notify(session, user, "test", "跟进逾期：测试公司", "下一步", "/companies/1")
    mine_not = notifications.notify(session, other, "test", "别人的")
    login(user)
    home = client.get("/notifications/").get_data(as_text=True)
    assert 'id="bell"' in home and '<sup class="badge">1</sup>' in home
    assert "跟进逾期：测试公司" in home and "别人的" not in home
    assert client.post(f"/notifications/{mine_not.id}/open").status_code == 404
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 302 and response.location.endswith("/companies/1")
    session.refresh(note)
    assert note.read_at is not None
    assert 'class="badge"' not in client.get("/notifications/").get_data(as_text=True)


@pytest.fixture()
def own_database(tmp_path):
    """A database of the app's own (no shared test connection), so a job can run in a
    thread of its own as in production."""
    yield from migrated_database(tmp_path, "jobs.sqlite3")


def test_run_now_goes_on_in_the_background_and_its_page_follows_it(own_database, tmp_path):
    from tests import factories
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": own_database,
                      "WTF_CSRF_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en"})
    flag = tmp_path / "go"
    factory = app.extensions["db_sessions"]
    with factory() as s:
        admin = factories.user(s, "admin")
        s.add(JobDefinition(name="waits", callable="tests.jobs.sample.until_flag",
                            cron="0 3 * * *", kwargs={"flag": str(flag)}))
        s.commit()
        username = admin.username
    client = app.test_client()
    assert client.post("/login", data={"username": username,
                                       "password": factories.PASSWORD}).status_code == 302
    response = client.post("/admin/jobs/waits/run")
    assert response.status_code == 302  # the request returns while the job runs
    page = client.get(response.location).get_data(as_text=True)
    assert "running" in page and 'hx-trigger="every 2s"' in page
    flag.touch()
    deadline = time.monotonic() + 20
    while True:
        fragment = client.get(response.location, headers={"HX-Request": "true"})
        text = fragment.get_data(as_text=True)
        if "succeeded" in text or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "succeeded" in text and "hx-trigger" not in text
    assert "<html" not in text  # the fragment the page swaps in
    with factory() as s:
        run = s.scalars(select(JobRun).where(JobRun.job_name == "waits")).one()
        assert (run.status, run.triggered_by, run.result) == ("succeeded", "manual",
                                                              {"waited": True})
        assert run.finished_at is not None
    app.extensions["db_sessions"].kw["bind"].dispose()
