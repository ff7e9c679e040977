"""Assignment administration: rules as data, daily caps and absences, all in the audit log."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.db import utcnow
from crm.models import AssignmentRule, AuditEntry, ExecutorAbsence, ExecutorCap
from crm.services import leads, workdays
from tests import factories


@pytest.fixture()
def people(session, make_user):
    workdays.seed_calendar(session)
    return {
        "sup": make_user("execution_supervisor", "execlead1", display_name="赵主管"),
        "a": make_user("executor", "exec1", display_name="刘洋"),
        "b": make_user("executor", "exec2", display_name="陈伟"),
    }


def _audit(session, entity: str, entity_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)))


def _rule_ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-rule="(\d+)"', body)]


def test_create_edit_disable_and_reorder_rules_audited(session, people, login, client):
    login(people["sup"])
    assert client.get("/assignment/rules/new").status_code == 200
    # An industry rule without industries or executors: field errors, nothing saved.
    response = client.post("/assignment/rules/new", data={
        "name": "医疗专员", "kind": "industry", "priority": "10", "active": "y"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-field="industry_ids"' in body and 'data-field="executor_ids"' in body
    assert session.scalars(select(AssignmentRule)).all() == []
    assert client.post("/assignment/rules/new", data={
        "name": "轮流分配", "kind": "round_robin", "priority": "20", "active": "y",
        "executor_ids": [str(people["a"].id), str(people["b"].id)]}).status_code == 303
    assert client.post("/assignment/rules/new", data={
        "name": "最少负载", "kind": "least_load", "priority": "30", "active": "y"}).status_code == 303
    first, second = leads.rules(session)
    assert (first.name, first.params["executor_ids"]) == ("轮流分配", sorted([people["a"].id, people["b"].id]))
    assert [e.action for e in _audit(session, "assignment_rules", first.id)] == ["create"]
    assert _audit(session, "assignment_rules", first.id)[0].user_id == people["sup"].id

    # Edit: only executors may be picked.
    response = client.post(f"/assignment/rules/{first.id}/edit", data={
        "name": "轮流分配", "kind": "round_robin", "priority": "20", "active": "y",
        "executor_ids": [str(people["a"].id), "999999"]})
    assert response.status_code == 422 and "Only executors can be picked." in response.get_data(as_text=True)
    assert client.post(f"/assignment/rules/{first.id}/edit", data={
        "name": "轮流（刘洋）", "kind": "round_robin", "priority": "20", "active": "y",
        "executor_ids": [str(people["a"].id)]}).status_code == 303
    session.refresh(first)
    assert (first.name, first.params["executor_ids"]) == ("轮流（刘洋）", [people["a"].id])

    # Switch off, then move the second rule above the first.
    assert client.post(f"/assignment/rules/{first.id}/toggle").status_code == 303
    session.refresh(first)
    assert first.active is False
    assert _audit(session, "assignment_rules", first.id)[-1].after == {"active": False}
    assert client.post(f"/assignment/rules/{second.id}/move/up").status_code == 303
    page = client.get("/assignment/").get_data(as_text=True)
    assert _rule_ids(page) == [second.id, first.id]
    assert [r.id for r in leads.rules(session)] == [second.id, first.id]


def test_daily_cap_set_and_cleared(session, people, make_user, login, client):
    login(people["sup"])
    assert client.post(f"/assignment/caps/{people['a'].id}", data={"daily_cap": "2"}).status_code == 303
    assert session.get(ExecutorCap, people["a"].id).daily_cap == 2
    assert leads.daily_cap(session, people["a"].id) == 2
    entries = _audit(session, "executor_caps", people["a"].id)
    assert entries and entries[-1].user_id == people["sup"].id
    response = client.post(f"/assignment/caps/{people['a'].id}", data={"daily_cap": "-1"},
                           follow_redirects=True)
    assert "Between 0 and 1000." in response.get_data(as_text=True)
    assert session.get(ExecutorCap, people["a"].id).daily_cap == 2
    assert client.post(f"/assignment/caps/{people['a'].id}", data={"daily_cap": ""}).status_code == 303
    session.expire_all()
    assert session.get(ExecutorCap, people["a"].id) is None
    # Only executors have caps.
    tele = make_user("telesales", "tele1")
    response = client.post(f"/assignment/caps/{tele.id}", data={"daily_cap": "3"},
                           follow_redirects=True)
    assert "Pick an executor." in response.get_data(as_text=True)
    assert session.get(ExecutorCap, tele.id) is None


def test_absence_added_refuses_assignment_then_removed(session, people, login, client):
    today = workdays.local_date(utcnow())
    login(people["sup"])
    response = client.post("/assignment/absences", data={
        "absence-executor_id": str(people["a"].id), "absence-starts_on": (today + timedelta(days=2)).isoformat(),
        "absence-ends_on": today.isoformat()}, follow_redirects=True)
    assert "The last day is before the first." in response.get_data(as_text=True)
    assert session.scalars(select(ExecutorAbsence)).all() == []
    assert client.post("/assignment/absences", data={
        "absence-executor_id": str(people["a"].id), "absence-starts_on": today.isoformat(),
        "absence-ends_on": (today + timedelta(days=2)).isoformat(),
        "absence-reason": "出差"}).status_code == 303
    absence = session.scalars(select(ExecutorAbsence)).one()
    assert (absence.user_id, absence.reason, absence.created_by_id) == (
        people["a"].id, "出差", people["sup"].id)
    assert _audit(session, "executor_absences", absence.id)[0].action == "create"
    page = client.get("/assignment/").get_data(as_text=True)
    assert f'data-absence="{absence.id}"' in page and "is absent until" in page
    company = factories.company(session, "宁波甲机械有限公司")
    lead = leads.open_lead(session, company.id, source="telesales", by=people["sup"],
                           auto_assign=False).lead
    refused = client.post(f"/leads/{lead.id}/assign", data={"assign-executor_id": str(people["a"].id)})
    assert refused.status_code == 422 and "is absent until" in refused.get_data(as_text=True)
    assert client.post(f"/assignment/absences/{absence.id}/remove").status_code == 303
    assert session.scalars(select(ExecutorAbsence)).all() == []
    assert [e.action for e in _audit(session, "executor_absences", absence.id)] == ["create", "delete"]


def test_only_rule_managers_reach_the_page(session, people, make_user, login, client, app):
    login(people["a"])
    assert client.get("/assignment/").status_code == 403
    assert client.post("/assignment/rules/new", data={"name": "x", "kind": "round_robin"}).status_code == 403
    assert session.scalars(select(AssignmentRule)).all() == []
    sup = login(people["sup"], c=app.test_client())
    home = sup.get("/leads/").get_data(as_text=True)
    assert 'href="/assignment/"' in home


def test_rule_forms_need_csrf(session, people, csrf_app):
    c = csrf_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    assert c.post("/login", data={"username": "execlead1", "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    assert c.post("/assignment/rules/new", data={"name": "轮流", "kind": "round_robin"}).status_code == 400
    page = c.get("/assignment/rules/new").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert c.post("/assignment/rules/new", data={"name": "轮流", "kind": "round_robin", "priority": "10",
                                                 "active": "y", "csrf_token": token}).status_code == 303
    assert [r.name for r in leads.rules(session)] == ["轮流"]


def test_working_day_calendar_is_kept_up_to_date_from_the_page(session, people, login, client,
                                                                app, monkeypatch):
    from datetime import date

    from crm.models import CalendarDay
    from crm.web.assignment import routes

    monkeypatch.setattr(routes, "_today", lambda: date(2026, 11, 27))
    login(people["sup"])
    # Next year's schedule is due and missing: the assignment page says so.
    index = client.get("/assignment/").get_data(as_text=True)
    assert 'id="calendar-due"' in index and "2027" in index
    page = client.get("/assignment/calendar").get_data(as_text=True)
    assert "2027" in page and 'id="holiday-form"' in page
    # A holiday longer than any official one: refused on the field, input kept, nothing saved.
    bad = client.post("/assignment/calendar/holidays", data={
        "holiday-name": "春节", "holiday-first_day": "2027-02-01",
        "holiday-last_day": "2027-03-01"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'data-field="holiday-last_day"' in body and 'value="春节"' in body
    assert session.scalar(select(CalendarDay).where(CalendarDay.day == date(2027, 2, 1))) is None
    ok = client.post("/assignment/calendar/holidays", data={
        "holiday-name": "元旦", "holiday-first_day": "2027-01-01",
        "holiday-last_day": "2027-01-03", "holiday-source": "国办发明电〔2026〕"})
    assert ok.status_code == 303
    assert client.post("/assignment/calendar/workdays", data={
        "makeup-day": "2027-01-04", "makeup-name": "调休"}).status_code == 422  # a Monday
    assert client.post("/assignment/calendar/workdays", data={
        "makeup-day": "2027-01-09", "makeup-name": "元旦调休"}).status_code == 303
    page = client.get("/assignment/calendar?year=2027").get_data(as_text=True)
    assert 'data-day="2027-01-02"' in page and 'data-day="2027-01-09"' in page
    assert 'id="calendar-due"' not in page
    assert workdays.load(session).is_workday(date(2027, 1, 9))
    assert client.post("/assignment/calendar/2027-01-09/remove").status_code == 303
    assert not workdays.load(session).is_workday(date(2027, 1, 9))
    assert client.post("/assignment/calendar/not-a-day/remove").status_code == 404
    # Executors do not edit the calendar.
    executor = login(people["a"], c=app.test_client())
    assert executor.get("/assignment/calendar").status_code == 403
    assert executor.post("/assignment/calendar/2027-01-01/remove").status_code == 403
    assert workdays.load(session).holiday_name(date(2027, 1, 1)) == "元旦"
