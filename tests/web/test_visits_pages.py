"""Visit pages: the desk, the report form's bad uploads, filing twice, file permissions."""
from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.models import ReportStatus, VisitReport
from crm.services import visits, writing_turn
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%test\n"


@pytest.fixture()
def setup(app, session, make_user, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    exec1 = make_user("executor", "w_exec1")
    others = {"exec3": make_user("executor", "w_exec3"),
              "boss": make_user("execution_supervisor", "w_boss"),
              "tele": make_user("telesales", "w_tele")}
    company = factories.company(session, "上海星河展示器材有限公司", owner_id=exec1.id)
    lead = factories.lead(session, company, status="accepted", executor=exec1)
    visit = visits.plan_visit(session, exec1, company.id, utcnow() - timedelta(hours=1),
                              "虹桥会展中心", purpose="谈明年展台")
    session.flush()
    return {"exec1": exec1, "visit": visit, "lead": lead, "company": company, **others}


def _form(**over):
    data = {"project_lead_name": "王建国", "project_lead_role": "市场总监",
            "project_lead_contact": "13812345678", "situation": "客户明年参加三个展会",
            "rating": "A", "budget_min": "200000", "budget_max": "350000",
            "booth_area_m2": "108", "next_step": "下周发方案初稿",
            "next_step_due": (utcnow() + timedelta(days=7)).date().isoformat(),
            "referrals-0-company_name": "", "referrals-1-company_name": ""}
    data.update(over)
    return data


def _reports(session, visit):
    return session.scalar(select(func.count()).select_from(VisitReport)
                          .where(VisitReport.visit_id == visit.id))


def test_the_desk_is_the_executors_start_page(client, login, setup):
    login(setup["exec1"])
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/desk/")
    page = client.get("/desk/").get_data(as_text=True)
    assert f'data-visit="{setup["visit"].id}"' in page and "上海星河展示器材有限公司" in page
    assert f'data-lead="{setup["lead"].id}"' in page
    form = client.get(f"/visits/{setup['visit'].id}/report").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert 'accept="image/*"' in form and 'capture="environment"' in form
    assert 'inputmode="decimal"' in form and 'type="date"' in form
    assert "Each file at most 20 MB." in form


def test_an_upload_over_the_limit_keeps_the_form(app, client, login, setup, session):
    app.config["UPLOAD_MAX_FILE_BYTES"] = 1024
    login(setup["exec1"])
    big = PNG + b"\x00" * 4096
    data = _form(situation="客户说预算今年翻倍", photos=[(io.BytesIO(big), "展台.png")])
    response = client.post(f"/visits/{setup['visit'].id}/report", data=data,
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "展台.png is larger than" in html
    assert 'data-field="photos"' in html
    assert "客户说预算今年翻倍" in html and 'value="13812345678"' in html
    assert _reports(session, setup["visit"]) == 0


def test_a_wrong_type_of_photo_is_refused_by_name(client, login, setup, session):
    login(setup["exec1"])
    response = client.post(f"/visits/{setup['visit'].id}/report", data=_form(
        situation="带回了平面图", photos=[(io.BytesIO(PDF), "floor.pdf")]),
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "floor.pdf is not a kind of file this form takes." in html
    assert "带回了平面图" in html and _reports(session, setup["visit"]) == 0


def test_filing_with_gaps_keeps_a_draft_and_names_the_fields(client, login, setup, session):
    login(setup["exec1"])
    response = client.post(f"/visits/{setup['visit'].id}/report", data=_form(
        project_lead_name="", budget_max="", file="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="project_lead_name"' in html and 'data-field="budget_max"' in html
    assert "Saved as a draft" in html
    report = visits.report_of(session, setup["visit"])
    assert report.status == ReportStatus.DRAFT.value and report.situation == "客户明年参加三个展会"


def test_filing_while_an_import_writes_keeps_a_draft_and_says_why(client, login, setup, session,
                                                                  monkeypatch):
    def busy(*_args, **_kwargs):
        raise writing_turn.busy_error()
    monkeypatch.setattr(visits, "file_report", busy)
    login(setup["exec1"])
    response = client.post(f"/visits/{setup['visit'].id}/report", data=_form(file="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Another import or revert is writing to the company database" in html
    assert "Draft saved." in html and "Complete the marked fields" not in html
    report = visits.report_of(session, setup["visit"])
    assert report.status == ReportStatus.DRAFT.value and report.situation == "客户明年参加三个展会"


def test_filing_twice_stores_one_report(client, login, setup, session):
    login(setup["exec1"])
    url = f"/visits/{setup['visit'].id}/report"
    first = client.post(url, data=_form(file="1", photos=[(io.BytesIO(PNG), "booth.png")]),
                        content_type="multipart/form-data")
    assert first.status_code == 302
    again = client.post(url, data=_form(file="1", photos=[(io.BytesIO(PNG), "booth.png")]),
                        content_type="multipart/form-data", follow_redirects=True)
    assert "This report was filed already; nothing was changed." in again.get_data(as_text=True)
    assert _reports(session, setup["visit"]) == 1
    report = visits.report_of(session, setup["visit"])
    assert report.status == ReportStatus.FILED.value
    assert [f.kind for f in report.files] == ["photo"]


def test_attachments_are_served_only_to_those_who_see_the_visit(app, client, login, setup,
                                                                  session, tmp_path):
    link = visits.attach_file(session, setup["visit"], setup["exec1"], io.BytesIO(PNG),
                              "booth.png", "photo", folder=tmp_path)
    session.flush()
    url = f"/visits/{setup['visit'].id}/files/{link.id}"
    login(setup["exec1"])
    own = client.get(url)
    assert own.status_code == 200 and own.data == PNG and own.mimetype == "image/png"
    for who, status in (("exec3", 404), ("tele", 403), ("boss", 200)):
        c = app.test_client()
        login(setup[who], c=c)
        assert c.get(url).status_code == status, who
    # Someone else's visit: not shown to another executor, not writable by the supervisor.
    c = app.test_client()
    login(setup["exec3"], c=c)
    assert c.get(f"/visits/{setup['visit'].id}/report").status_code == 404
    c = app.test_client()
    login(setup["boss"], c=c)
    refused = c.post(f"/visits/{setup['visit'].id}/report", data=_form())
    assert refused.status_code == 403
    assert _reports(session, setup["visit"]) == 1  # the attach above made the one draft
    assert visits.report_of(session, setup["visit"]).situation is None


def test_planning_and_delegating_from_the_pages(client, login, setup, session):
    from crm.models import Visit

    exec2 = factories.user(session, "executor", "w_exec2", display_name="李明")
    login(setup["exec1"])
    form = client.get(f"/visits/new?lead_id={setup['lead'].id}").get_data(as_text=True)
    assert 'type="datetime-local"' in form and "上海星河展示器材有限公司" in form
    shanghai = ZoneInfo("Asia/Shanghai")
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(shanghai).strftime("%Y-%m-%dT15:00")
    made = client.post("/visits/new", data={
        "company_id": setup["company"].id, "planned_at": tomorrow, "place": "客户总部",
        "lead_id": setup["lead"].id})
    assert made.status_code == 302
    visit = session.get(Visit, int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert visit.planned_at.astimezone(shanghai).hour == 15  # entered in Shanghai time
    handed = client.post(f"/visits/{visit.id}/delegate",
                         data={"visitor_id": exec2.id, "delegation_note": "出差"},
                         follow_redirects=True)
    assert "the credit stays with W_Exec1" in handed.get_data(as_text=True)
    session.refresh(visit)
    assert visit.visitor_id == exec2.id and visit.executor_id == setup["exec1"].id
    # The visit an hour ago can no longer be handed over: the message is on the form.
    late = client.post(f"/visits/{setup['visit'].id}/delegate", data={"visitor_id": exec2.id})
    assert late.status_code == 422
    assert "a colleague is arranged before the visit, not after" in late.get_data(as_text=True)
    missing = client.post("/visits/new", data={"company_id": setup["company"].id, "place": ""})
    assert missing.status_code == 422 and 'data-field="planned_at"' in missing.get_data(as_text=True)


def test_the_desk_warns_of_a_report_48_hours_late(client, login, setup, session):
    late = visits.plan_visit(session, setup["exec1"], setup["company"].id,
                             utcnow() - timedelta(hours=49), "客户工厂")
    session.flush()
    login(setup["exec1"])
    page = client.get("/desk/").get_data(as_text=True)
    start = page.index('id="reports-missing"')
    warning = page[start:page.index("</div>", start)]
    assert f'/visits/{late.id}/report' in warning
    assert f'/visits/{setup["visit"].id}/report"' not in warning  # only an hour old


def test_the_visit_list_shows_each_user_the_visits_they_may_see(app, login, setup):
    marker = f'data-visit="{setup["visit"].id}"'
    for who, sees in (("exec1", True), ("exec3", False), ("boss", True)):
        c = app.test_client()
        login(setup[who], c=c)
        assert (marker in c.get("/visits/").get_data(as_text=True)) is sees, who
    c = app.test_client()
    login(setup["boss"], c=c)
    assert marker not in c.get("/visits/?all=0").get_data(as_text=True)  # the boss's own
