"""Visits and visit reports: planning, delegation, credit, filing, referrals, attribution."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.models import (
    ClientAttribution,
    Company,
    Lead,
    LeadSource,
    Referral,
    ReportStatus,
    VisitReport,
    VisitStatus,
)
from crm.services import attribution, visits, workdays
from crm.services.errors import Forbidden, NotFound, StaleEdit, ValidationFailed
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai


@pytest.fixture()
def people(session, make_user):
    return {"exec1": make_user("executor", "v_exec1"), "exec2": make_user("executor", "v_exec2"),
            "exec3": make_user("executor", "v_exec3"),
            "lead": make_user("execution_supervisor", "v_lead"),
            "tele": make_user("telesales", "v_tele")}


@pytest.fixture()
def client_lead(session, people):
    company = factories.company(session, "上海远航机械有限公司")
    lead = factories.lead(session, company, status="accepted", executor=people["exec1"],
                          source="telesales")
    company.owner_id = people["exec1"].id
    session.flush()
    return lead


def _plan(session, people, lead, *, at=NOW + timedelta(days=1), by="exec1"):
    return visits.plan_visit(session, people[by], lead.company_id, at, "浦东新区张江路 88 号",
                             people="王总、李工", purpose="了解明年展会计划", now=NOW)


def _complete(**over) -> visits.ReportData:
    data = dict(project_lead_name="王建国", project_lead_role="市场总监",
                project_lead_contact="13812345678", situation="明年参加三个展，预算充足",
                rating="a", budget_min="200000", budget_max="350,000", booth_area_m2="108",
                next_step="下周发方案初稿", next_step_due=date(2026, 12, 2))
    data.update(over)
    return visits.ReportData(**data)


def test_planned_time_is_read_in_shanghai_and_stored_utc(session, people, client_lead):
    visit = visits.plan_visit(session, people["exec1"], client_lead.company_id,
                              datetime(2026, 11, 26, 14, 30), "会展中心", now=NOW)
    assert visit.planned_at == datetime(2026, 11, 26, 6, 30, tzinfo=timezone.utc)
    assert visit.executor_id == visit.visitor_id == people["exec1"].id
    assert visit.lead_id == client_lead.id and visit.status == VisitStatus.PLANNED.value


def test_planning_names_the_missing_fields(session, people, client_lead):
    with pytest.raises(ValidationFailed) as refused:
        visits.plan_visit(session, people["exec1"], client_lead.company_id, None, "  ", now=NOW)
    assert set(refused.value.errors) == {"planned_at", "place"}
    with pytest.raises(Forbidden):
        visits.plan_visit(session, people["tele"], client_lead.company_id, NOW, "x", now=NOW)


def test_delegation_before_the_visit_keeps_the_credit_with_the_executor(
        session, people, client_lead):
    visit = _plan(session, people, client_lead)
    visits.delegate(session, visit, people["exec1"], people["exec2"].id, "我出差", now=NOW)
    assert visit.visitor_id == people["exec2"].id and visit.executor_id == people["exec1"].id
    assert visit.delegated and visit.delegated_at == NOW
    # The colleague goes and marks it done: the first contact is the executor's.
    visits.mark_done(session, visit, people["exec2"], now=NOW + timedelta(days=1, hours=2))
    got = attribution.attribution_of(session, client_lead.company_id, people["exec1"].id)
    assert got is not None and got.first_contact_kind == "visit"
    assert attribution.attribution_of(session, client_lead.company_id, people["exec2"].id) is None
    assert client_lead.first_visit_at == visit.planned_at
    # Both see it; a third executor does not.
    assert visits.visible_visit(session, people["exec2"], visit.id) is visit
    with pytest.raises(NotFound):
        visits.visible_visit(session, people["exec3"], visit.id)


def test_delegation_after_the_planned_time_is_refused(session, people, client_lead):
    visit = _plan(session, people, client_lead)
    with pytest.raises(visits.TooLateToDelegate) as late:
        visits.delegate(session, visit, people["exec1"], people["exec2"].id,
                        now=visit.planned_at + timedelta(minutes=1))
    assert "2026-11-26 10:00" in str(late.value) and late.value.field == "visitor_id"
    assert visit.visitor_id == people["exec1"].id
    with pytest.raises(ValidationFailed) as wrong:
        visits.delegate(session, visit, people["exec1"], people["tele"].id, now=NOW)
    assert "visitor_id" in wrong.value.errors
    with pytest.raises(visits.NotYourVisit):
        visits.delegate(session, visit, people["exec3"], people["exec2"].id, now=NOW)


def test_first_contact_attribution_is_fixed_by_the_visit(session, people, client_lead):
    company = session.get(Company, client_lead.company_id)
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=3))
    visits.mark_done(session, visit, people["exec1"], now=NOW)
    first = attribution.attribution_of(session, company.id, people["exec1"].id)
    assert first.classification == "new" and first.source == "telesales"
    assert first.first_contact_at == visit.planned_at
    # A contract recorded later does not re-decide it; a second visit neither.
    factories.cooperation(session, company, date(2026, 11, 20))
    again = _plan(session, people, client_lead, at=NOW - timedelta(hours=1))
    visits.mark_done(session, again, people["exec1"], now=NOW)
    rows = session.scalars(select(ClientAttribution).where(
        ClientAttribution.company_id == company.id)).all()
    assert [r.classification for r in rows] == ["new"]


def test_cancelled_and_future_visits_are_not_done(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW + timedelta(days=2))
    with pytest.raises(visits.WrongVisitState):
        visits.mark_done(session, visit, people["exec1"], now=NOW)
    visits.cancel(session, visit, people["exec1"], "客户改期")
    assert visit.status == VisitStatus.CANCELLED.value and visit.cancel_reason == "客户改期"
    with pytest.raises(visits.WrongVisitState):
        visits.save_draft(session, visit, people["exec1"], _complete())


def test_filing_names_each_missing_field_and_keeps_the_draft(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    draft = visits.save_draft(session, visit, people["exec1"],
                              visits.ReportData(situation="只聊了十分钟", rating="b"), now=NOW)
    assert draft.status == ReportStatus.DRAFT.value and draft.rating == "B"
    with pytest.raises(ValidationFailed) as missing:
        visits.file_report(session, visit, people["exec1"], now=NOW)
    assert set(missing.value.errors) == {
        "project_lead_name", "project_lead_role", "project_lead_contact", "budget_min",
        "budget_max", "booth_area_m2", "next_step", "next_step_due"}
    assert draft.status == ReportStatus.DRAFT.value and draft.situation == "只聊了十分钟"


def test_values_of_the_wrong_form_are_refused_by_name(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    with pytest.raises(ValidationFailed) as bad:
        visits.save_draft(session, visit, people["exec1"], _complete(
            budget_min="50万", budget_max="100", rating="D", next_step_due="下周",
            referrals=[visits.ReferralData(contact_name="赵经理")]), now=NOW)
    assert set(bad.value.errors) == {"budget_min", "rating", "next_step_due",
                                     "referrals-0-company_name"}
    with pytest.raises(ValidationFailed) as upside_down:
        visits.file_report(session, visit, people["exec1"],
                           _complete(budget_min="500000", budget_max="300000",
                                     next_step_due=date(2026, 11, 20)), now=NOW)
    assert set(upside_down.value.errors) == {"budget_max"}
    with pytest.raises(ValidationFailed) as past:
        visits.file_report(session, visit, people["exec1"],
                           _complete(next_step_due=date(2026, 11, 24)), now=NOW)
    assert set(past.value.errors) == {"next_step_due"}


def test_filing_sets_the_next_step_and_marks_the_visit_done(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    filed = visits.file_report(session, visit, people["exec1"], _complete(), now=NOW)
    report = filed.report
    assert not filed.already and report.status == ReportStatus.FILED.value
    assert report.filed_at == NOW and report.budget_max == Decimal("350000.00")
    assert visit.status == VisitStatus.DONE.value
    assert client_lead.next_step == "下周发方案初稿"
    assert client_lead.next_step_due == date(2026, 12, 2)


def test_a_duplicate_filing_stores_nothing_twice(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    data = _complete(referrals=[visits.ReferralData("苏州新锐电子科技有限公司", "周总", "13900001111")])
    first = visits.file_report(session, visit, people["exec1"], data, now=NOW)
    again = visits.file_report(session, visit, people["exec1"], data, now=NOW)
    assert again.already and again.report.id == first.report.id
    assert session.scalar(select(func.count()).select_from(VisitReport)
                          .where(VisitReport.visit_id == visit.id)) == 1
    assert session.scalar(select(func.count()).select_from(Lead)
                          .where(Lead.source == LeadSource.REFERRAL.value)) == 1
    with pytest.raises(visits.ReportFiled):
        visits.save_draft(session, visit, people["exec1"], data)


def test_a_stale_edit_is_refused_but_a_double_click_is_not(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    report = visits.save_draft(session, visit, people["exec1"], visits.ReportData(situation="一"))
    opened = report.version
    visits.save_draft(session, visit, people["exec1"], visits.ReportData(situation="二"),
                      expected_version=opened)
    # The same values again with the old version: a double click, nothing to do.
    visits.save_draft(session, visit, people["exec1"], visits.ReportData(situation="二"),
                      expected_version=opened)
    with pytest.raises(StaleEdit):
        visits.save_draft(session, visit, people["exec1"], visits.ReportData(situation="三"),
                          expected_version=opened)
    assert report.situation == "二"


def test_a_report_for_someone_elses_visit_is_refused(session, people, client_lead):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    for who in ("exec3", "lead"):
        with pytest.raises(Forbidden):
            visits.save_draft(session, visit, people[who], _complete())
        with pytest.raises(Forbidden):
            visits.file_report(session, visit, people[who], _complete(), now=NOW)
    assert visits.report_of(session, visit) is None
    # The delegated colleague may write it.
    visits.delegate(session, visit, people["exec1"], people["exec2"].id,
                    now=visit.planned_at - timedelta(hours=1))
    filed = visits.file_report(session, visit, people["exec2"], _complete(), now=NOW)
    assert filed.report.author_id == people["exec2"].id


def test_a_referral_becomes_a_company_and_a_referral_lead(session, people, client_lead):
    known = factories.company(session, "杭州海川包装材料有限公司")
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    filed = visits.file_report(session, visit, people["exec1"], _complete(referrals=[
        visits.ReferralData("宁波博远汽车零部件有限公司", "陈经理", "13700002222", "明年上海车展"),
        visits.ReferralData("杭州海川包装材料有限公司", "孙总"),
        visits.ReferralData()]), now=NOW)
    refs = session.scalars(select(Referral).where(Referral.report_id == filed.report.id)
                           .order_by(Referral.id)).all()
    assert len(refs) == 2 and all(r.company_id and r.lead_id for r in refs)
    new_company = session.get(Company, refs[0].company_id)
    assert new_company.name_zh == "宁波博远汽车零部件有限公司"
    assert [c.name for c in new_company.contacts] == ["陈经理"]
    assert refs[1].company_id == known.id  # found, not made twice
    for ref in refs:
        lead = session.get(Lead, ref.lead_id)
        assert lead.source == LeadSource.REFERRAL.value and lead.company_id == ref.company_id
    assert {lead.id for lead in filed.referral_leads} == {r.lead_id for r in refs}


def test_attachments_photos_must_be_images_and_are_kept_once(session, people, client_lead,
                                                              tmp_path):
    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=2))
    link = visits.attach_file(session, visit, people["exec1"], io.BytesIO(PNG), "booth.png",
                              "photo", folder=tmp_path)
    again = visits.attach_file(session, visit, people["exec1"], io.BytesIO(PNG), "booth.png",
                               "photo", folder=tmp_path)
    assert again.id == link.id and len(visits.report_of(session, visit).files) == 1
    with pytest.raises(visits.files.FileRefused) as refused:
        visits.attach_file(session, visit, people["exec1"], io.BytesIO(b"%PDF-1.7\n"),
                           "plan.pdf", "photo", folder=tmp_path)
    assert refused.value.field == "photos"
    plan = visits.attach_file(session, visit, people["exec1"], io.BytesIO(b"%PDF-1.7\n"),
                              "plan.pdf", "floor_plan", folder=tmp_path)
    assert plan.file.content_type == "application/pdf"
    with pytest.raises(Forbidden):
        visits.attach_file(session, visit, people["exec3"], io.BytesIO(PNG), "x.png", "photo",
                           folder=tmp_path)
    with pytest.raises(NotFound):
        visits.visible_file(session, people["exec3"], visit.id, link.id)
    assert visits.visible_file(session, people["lead"], visit.id, link.id).sha256


def test_this_week_runs_monday_to_sunday_in_shanghai(session, people, client_lead):
    monday_early = datetime(2026, 11, 23, 0, 30, tzinfo=workdays.LOCAL_TZ)  # Sun 16:30 UTC
    sunday_late = datetime(2026, 11, 29, 23, 30, tzinfo=workdays.LOCAL_TZ)
    before = datetime(2026, 11, 22, 23, 30, tzinfo=workdays.LOCAL_TZ)
    after = datetime(2026, 11, 30, 0, 30, tzinfo=workdays.LOCAL_TZ)
    made = {at: _plan(session, people, client_lead, at=at)
            for at in (monday_early, sunday_late, before, after)}
    week = visits.this_week(session, people["exec1"], NOW)
    assert [v.id for v in week] == [made[monday_early].id, made[sunday_late].id]
    delegated = made[sunday_late]
    visits.delegate(session, delegated, people["exec1"], people["exec2"].id, now=NOW)
    assert [v.id for v in visits.this_week(session, people["exec2"], NOW)] == [delegated.id]


def test_visits_without_a_filed_report_after_48_hours(session, people, client_lead):
    old = _plan(session, people, client_lead, at=NOW - timedelta(hours=49))
    recent = _plan(session, people, client_lead, at=NOW - timedelta(hours=47))
    reported = _plan(session, people, client_lead, at=NOW - timedelta(hours=60))
    visits.file_report(session, reported, people["exec1"], _complete(), now=NOW)
    cancelled = _plan(session, people, client_lead, at=NOW - timedelta(hours=72))
    visits.cancel(session, cancelled, people["exec1"])
    visits.save_draft(session, old, people["exec1"], visits.ReportData(situation="草稿"))
    due = visits.visits_without_report(session, NOW)
    ids = {v.id for v in due}
    assert old.id in ids and not ids & {recent.id, reported.id, cancelled.id}


def test_the_daily_reminder_names_visits_without_a_report(session, people, client_lead):
    from crm.services import reminders

    visit = _plan(session, people, client_lead, at=NOW - timedelta(hours=50))
    visits.delegate(session, visit, people["exec1"], people["exec2"].id,
                    now=visit.planned_at - timedelta(hours=1))
    found = [r for r in visits.report_reminders(session, NOW.date(), NOW)
             if r.key == f"visit:{visit.id}"]
    assert {r.user_id for r in found} == {people["exec1"].id, people["exec2"].id}
    assert all(r.link == f"/visits/{visit.id}/report" and "面洽报告" in r.title for r in found)
    assert "visits_without_report" in reminders.sources()


def test_demo_visits_are_made_once(session, people, client_lead):
    from crm.services import demo_visits

    people["exec1"].username, people["exec2"].username = "exec1", "exec2"
    session.flush()
    made = demo_visits.load(session, now=NOW)
    assert made == {"visits": 1}
    assert demo_visits.load(session, now=NOW) == {}
    [visit] = visits.find(session, people["exec1"], visits.VisitFilters(mine=True)).items
    assert visits.report_of(session, visit).status == ReportStatus.FILED.value
