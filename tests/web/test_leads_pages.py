"""Lead pages: the list, a lead's page, accept/decline/assign, contacts, registration, conflicts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.models import ClientAttribution, Lead, LeadAssignment, LeadConflict
from crm.services import leads, workdays
from tests import factories


@pytest.fixture()
def people(session, make_user):
    workdays.seed_calendar(session)
    return {
        "sup": make_user("execution_supervisor", "execlead1", display_name="赵主管"),
        "a": make_user("executor", "exec1", display_name="刘洋"),
        "b": make_user("executor", "exec2", display_name="陈伟"),
        "tele": make_user("telesales", "tele1", display_name="张丽"),
    }


def _open(session, people, name):
    company = factories.company(session, name)
    return leads.open_lead(session, company.id, source="telesales", by=people["tele"],
                           bucket="meeting", auto_assign=False).lead


def _assigned(session, people, name, executor):
    lead = _open(session, people, name)
    leads.assign(session, lead, executor, people["sup"])
    return lead


def _today():
    return workdays.local_date(utcnow())


def test_executor_sees_only_their_leads_and_404_for_anothers(session, people, login, client):
    mine = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    theirs = _assigned(session, people, "苏州乙电子有限公司", people["b"])
    login(people["a"])
    body = client.get("/leads/").get_data(as_text=True)
    assert "宁波甲机械有限公司" in body and "苏州乙电子有限公司" not in body
    assert f'data-waiting="{mine.id}"' in body  # waiting for my acceptance, on top
    assert client.get(f"/leads/{mine.id}").status_code == 200
    assert client.get(f"/leads/{theirs.id}").status_code == 404
    # Acting on another's lead answers 404 too, and changes nothing.
    assert client.post(f"/leads/{theirs.id}/accept").status_code == 404
    session.refresh(theirs)
    assert theirs.status == "assigned"


def test_overdue_leads_are_flagged_and_listed_first(session, people, login, client):
    late = _assigned(session, people, "广州丙展览有限公司", people["a"])
    fresh = _assigned(session, people, "深圳丁科技有限公司", people["a"])
    for lead in (late, fresh):
        leads.accept(session, lead, people["a"])
    leads.set_next_step(session, late, people["a"], "回电确认", _today() - timedelta(days=3))
    leads.set_next_step(session, fresh, people["a"], "寄资料", _today() + timedelta(days=3))
    login(people["sup"])
    body = client.get("/leads/").get_data(as_text=True)
    rows = re.findall(r'data-lead="(\d+)"', body)
    assert rows[0] == str(late.id) and str(fresh.id) in rows
    assert f'data-lead="{late.id}" class="overdue"' in body
    only = client.get("/leads/?overdue=1").get_data(as_text=True)
    assert re.findall(r'data-lead="(\d+)"', only) == [str(late.id)]
    by_exec = client.get(f"/leads/?executor={people['b'].id}").get_data(as_text=True)
    assert re.findall(r'data-lead="(\d+)"', by_exec) == []


def test_accept_then_next_step_and_contact_fix_the_attribution(session, people, login, client):
    lead = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    login(people["a"])
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "Accept this lead" in page and "data-accept-by" in page
    assert client.post(f"/leads/{lead.id}/accept").status_code == 303
    session.refresh(lead)
    assert lead.status == "accepted" and lead.accepted_at is not None
    due = _today() + timedelta(days=2)
    response = client.post(f"/leads/{lead.id}/next-step", data={
        "step-next_step": "周三上门面洽", "step-next_step_due": due.isoformat(),
        "step-version": str(lead.version)})
    assert response.status_code == 303
    session.refresh(lead)
    assert (lead.next_step, lead.next_step_due) == ("周三上门面洽", due)
    response = client.post(f"/leads/{lead.id}/contact", data={"contact-kind": "visit"},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "First contact recorded: New client (source: Telesales)" in body
    row = session.scalars(select(ClientAttribution).where(
        ClientAttribution.company_id == lead.company_id)).one()
    assert (row.classification, row.first_contact_kind, row.executor_id) == (
        "new", "visit", people["a"].id)
    # A later contact does not re-decide; the page says when it was fixed.
    again = client.post(f"/leads/{lead.id}/contact", data={"contact-kind": "call"},
                        follow_redirects=True).get_data(as_text=True)
    assert "fixed at your first contact" in again
    assert session.scalar(select(func.count(ClientAttribution.id))) == 1
    timeline = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert 'data-event="contact"' in timeline and 'data-event="assignment"' in timeline


def test_next_step_needs_a_date(session, people, login, client):
    lead = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    login(people["a"])
    response = client.post(f"/leads/{lead.id}/next-step", data={"step-next_step": "打电话"})
    assert response.status_code == 422
    assert "Give the date of the next step." in response.get_data(as_text=True)
    session.refresh(lead)
    assert lead.next_step is None


def test_decline_needs_a_reason_and_returns_the_lead(session, people, login, client):
    lead = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    login(people["a"])
    response = client.post(f"/leads/{lead.id}/decline", data={"decline-reason": ""})
    assert response.status_code == 422
    assert 'data-field="decline-reason"' in response.get_data(as_text=True)
    session.refresh(lead)
    assert lead.status == "assigned"
    assert client.post(f"/leads/{lead.id}/decline",
                       data={"decline-reason": "不熟悉医疗行业"}).status_code == 303
    session.refresh(lead)
    assert (lead.status, lead.executor_id) == ("open", None)
    last = lead.assignments[-1]
    assert (last.kind, last.reason, last.from_user_id) == ("declined", "不熟悉医疗行业", people["a"].id)
    # The executor held it once, so they still see it (with its history) but cannot act.
    assert client.get(f"/leads/{lead.id}").status_code == 200


def test_supervisor_assigns_by_hand_and_reassignment_keeps_history(session, people, login, client):
    lead = _open(session, people, "宁波甲机械有限公司")
    login(people["sup"])
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert f'data-candidate="{people["a"].id}"' in page and "Assign automatically" in page
    response = client.post(f"/leads/{lead.id}/assign", data={
        "assign-executor_id": str(people["a"].id), "assign-reason": "熟悉机械行业"})
    assert response.status_code == 303
    response = client.post(f"/leads/{lead.id}/assign", data={
        "assign-executor_id": str(people["b"].id), "assign-reason": "刘洋出差"},
        follow_redirects=True)
    assert "Lead assigned to 陈伟" in response.get_data(as_text=True)
    session.refresh(lead)
    assert (lead.status, lead.executor_id) == ("assigned", people["b"].id)
    kinds = [(a.kind, a.to_user_id, a.reason) for a in lead.assignments]
    assert kinds == [("manual", people["a"].id, "熟悉机械行业"),
                     ("reassign", people["b"].id, "刘洋出差")]
    history = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert history.count("data-assignment=") == 2


def test_cap_and_absence_refusals_are_field_errors(session, people, login, client):
    first = _open(session, people, "宁波甲机械有限公司")
    second = _open(session, people, "苏州乙电子有限公司")
    leads.set_cap(session, people["sup"], people["a"], 1)
    leads.assign(session, first, people["a"], people["sup"])
    login(people["sup"])
    response = client.post(f"/leads/{second.id}/assign",
                           data={"assign-executor_id": str(people["a"].id)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-field="executor_id"' in body and "the daily cap" in body
    session.refresh(second)
    assert second.status == "open"
    today = _today()
    leads.add_absence(session, people["sup"], people["b"], today, today + timedelta(days=2), "年假")
    response = client.post(f"/leads/{second.id}/assign",
                           data={"assign-executor_id": str(people["b"].id)})
    assert response.status_code == 422
    assert "is absent until" in response.get_data(as_text=True)
    response = client.post(f"/leads/{second.id}/assign",
                           data={"assign-executor_id": str(people["tele"].id)})
    assert response.status_code == 422
    assert "is not an executor" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(LeadAssignment.id)).where(
        LeadAssignment.lead_id == second.id)) == 0
    # By hand the supervisor may exceed the cap on purpose.
    response = client.post(f"/leads/{second.id}/assign", data={
        "assign-executor_id": str(people["a"].id), "assign-force": "y"})
    assert response.status_code == 303
    session.refresh(second)
    assert second.executor_id == people["a"].id


def test_assign_automatically_shows_the_recorded_reason(session, people, login, client):
    leads.save_rule(session, people["sup"], leads.RuleData(
        name="轮流", kind="round_robin", params={"executor_ids": [people["b"].id]}))
    lead = _open(session, people, "宁波甲机械有限公司")
    login(people["sup"])
    response = client.post(f"/leads/{lead.id}/auto-assign", follow_redirects=True)
    body = response.get_data(as_text=True)
    session.refresh(lead)
    assert lead.executor_id == people["b"].id
    reason = lead.assignments[-1].reason
    assert lead.assignments[-1].kind == "rule" and "轮流" in reason
    assert "Assigned to 陈伟" in body and "round robin" in body


def test_register_client_and_conflict_resolved_by_the_supervisor(session, people, login, client, app):
    taken = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    free = factories.company(session, "杭州戊包装有限公司")
    b = login(people["b"], c=app.test_client())
    form = b.get(f"/leads/register?company_id={free.id}").get_data(as_text=True)
    assert "杭州戊包装有限公司" in form  # the picker shows the chosen company
    response = b.post("/leads/register", data={"company_id": str(free.id),
                                               "source": "inbound", "note": "客户来电"})
    assert response.status_code == 303
    own = session.scalars(select(Lead).where(Lead.company_id == free.id)).one()
    assert (own.status, own.executor_id, own.source) == ("accepted", people["b"].id, "inbound")
    response = b.post("/leads/register", data={"company_id": str(taken.company_id),
                                               "source": "self_developed"},
                      follow_redirects=True)
    assert "A conflict was raised" in response.get_data(as_text=True)
    conflict = session.scalars(select(LeadConflict)).one()
    assert conflict.requested_by_id == people["b"].id and conflict.status == "open"
    assert session.scalar(select(func.count(Lead.id)).where(
        Lead.company_id == taken.company_id)) == 1
    # The executor cannot see the supervisor's queue.
    assert b.get("/leads/conflicts").status_code == 403
    login(people["sup"])
    queue = client.get("/leads/conflicts").get_data(as_text=True)
    assert f'data-conflict="{conflict.id}"' in queue
    response = client.post(f"/leads/conflicts/{conflict.id}/resolve",
                           data={"decision": "reassign", "note": "陈伟与客户更熟"},
                           follow_redirects=True)
    assert "Conflict decided." in response.get_data(as_text=True)
    session.refresh(conflict)
    session.refresh(taken)
    assert (conflict.status, conflict.resolution) == ("resolved", "reassign")
    assert taken.executor_id == people["b"].id and taken.assignments[-1].kind == "conflict"
    assert f'data-conflict="{conflict.id}"' not in client.get("/leads/conflicts").get_data(as_text=True)
    # Deciding again is refused with a message, nothing changes.
    again = client.post(f"/leads/conflicts/{conflict.id}/resolve",
                        data={"decision": "keep"}, follow_redirects=True)
    assert "decided already" in again.get_data(as_text=True)


def test_close_with_a_reason(session, people, login, client):
    lead = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    login(people["a"])
    assert client.post(f"/leads/{lead.id}/close",
                       data={"close-close_reason": "lost", "close-note": "选了别家"}).status_code == 303
    session.refresh(lead)
    assert (lead.status, lead.close_reason) == ("closed", "lost")
    assert "选了别家" in lead.note


def _csrf(body: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', body).group(1)


def test_accept_with_csrf_and_a_double_submit_applies_once(session, people, csrf_app):
    lead = _assigned(session, people, "宁波甲机械有限公司", people["a"])
    c = csrf_app.test_client()
    token = _csrf(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"username": "exec1", "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    page = c.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert c.post(f"/leads/{lead.id}/accept").status_code == 400  # no token: refused
    session.refresh(lead)
    assert lead.status == "assigned"
    token = re.search(r'id="accept-csrf_token" name="accept-csrf_token" type="hidden" value="([^"]+)"',
                      page).group(1)
    assert c.post(f"/leads/{lead.id}/accept", data={"accept-csrf_token": token}).status_code == 303
    session.refresh(lead)
    accepted_at, version = lead.accepted_at, lead.version
    assert lead.status == "accepted"
    again = c.post(f"/leads/{lead.id}/accept", data={"accept-csrf_token": token})
    assert again.status_code == 303
    session.refresh(lead)
    assert (lead.accepted_at, lead.version) == (accepted_at, version)


def test_telesales_sees_the_leads_their_calls_opened_but_cannot_assign(session, people, login, client):
    lead = _open(session, people, "宁波甲机械有限公司")
    login(people["tele"])
    assert "宁波甲机械有限公司" in client.get("/leads/").get_data(as_text=True)
    assert client.post(f"/leads/{lead.id}/assign",
                       data={"assign-executor_id": str(people["a"].id)}).status_code == 403
    assert client.get("/leads/register").status_code == 403
