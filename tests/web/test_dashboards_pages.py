"""The call dashboards: a telesales person's own week, the supervisors' team view."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.db import utcnow
from crm.models import Lead
from crm.services import calls, dashboards, leads, workdays
from tests import factories


@pytest.fixture()
def week(session, make_user):
    """tele1 made four calls today: a meeting (a lead, given to exec1), materials, two misses."""
    factories.call_outcomes(session)
    workdays.seed_calendar(session)
    tele = make_user("telesales", "tele1", display_name="张丽")
    other = make_user("telesales", "tele2", display_name="李娜")
    executor = make_user("executor", "exec1", display_name="陈刚")
    sup = make_user("market_supervisor", "mkt1")
    now = utcnow()
    made = []
    for i, outcome in enumerate(["meeting_possible", "send_materials", "no_answer", "busy"]):
        company = factories.company(session, f"看板测试{i}有限公司")
        made.append(calls.log_call(session, tele, company.id, outcome, now=now))
    calls.log_call(session, other, factories.company(session, "看板测试别人有限公司").id,
                   "not_interested", now=now)
    lead = made[0].lead
    assert lead is not None
    leads.assign(session, lead, executor, sup, force=True, now=now)
    session.flush()
    return tele, other, executor, sup, lead


def _figure(body: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', body).group(1)


def test_telesales_sees_their_own_week(session, login, client, week):
    tele, other, *_ = week
    login(tele)
    response = client.get("/dashboards/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "张丽" in body and "李娜" not in body
    assert _figure(body, "calls") == "4"
    assert _figure(body, "reach") == "50%"  # meeting and materials answered, two did not
    assert _figure(body, "leads") == "1"
    buckets = body[body.index('id="buckets"'):]
    assert re.search(r'data-bucket="meeting">1<', buckets)
    assert re.search(r'data-bucket="materials">1<', buckets)
    assert re.search(r'data-bucket="none">2<', buckets)
    assert "Team dashboard" not in body and 'id="allocation"' not in body
    # another person's page is not found, their own is
    assert client.get(f"/dashboards/people/{other.id}").status_code == 404
    assert client.get(f"/dashboards/people/{tele.id}").status_code == 200


def test_previous_week_is_empty_and_a_bad_week_says_so(session, login, client, week):
    tele, *_ = week
    login(tele)
    last_week = dashboards.week_start(workdays.local_date(utcnow())) - timedelta(days=7)
    body = client.get(f"/dashboards/?week={last_week.isoformat()}").get_data(as_text=True)
    assert _figure(body, "calls") == "0"
    assert f'value="{last_week.isoformat()}"' in body
    body = client.get("/dashboards/?week=2026-13-45").get_data(as_text=True)
    assert "Not a date: 2026-13-45" in body and _figure(body, "calls") == "4"


def test_supervisor_sees_everyone_totals_and_the_allocation(session, login, client, week):
    tele, other, executor, sup, lead = week
    login(sup)
    body = client.get("/dashboards/").get_data(as_text=True)
    assert "Team dashboard" in body
    people = body[body.index('id="people"'):body.index("</table>", body.index('id="people"'))]
    assert "张丽" in people and "李娜" in people
    total = people[people.index('id="team-total"'):]
    assert re.findall(r"<td>([^<]*)</td>", total)[0] == "5"
    allocation = body[body.index('id="allocation"'):]
    row = allocation[allocation.index(f'data-lead="{lead.id}"'):]
    row = row[:row.index("</tr>")]
    assert "看板测试0有限公司" in row and "陈刚" in row and "张丽" in row
    assert "Meeting possible (1)" in row  # its bucket
    executors = body[body.index('id="executors"'):]
    assert "陈刚" in executors
    assert _figure(body, "awaiting") == "1"
    person = client.get(f"/dashboards/people/{tele.id}").get_data(as_text=True)
    assert _figure(person, "calls") == "4"


def test_overdue_leads_are_listed_for_the_supervisor(session, login, client, week):
    _tele, _other, executor, sup, lead = week
    leads.accept(session, lead, executor)
    today = workdays.local_date(utcnow())
    leads.set_next_step(session, lead, executor, "寄送案例", today - timedelta(days=2))
    session.flush()
    login(sup)
    body = client.get("/dashboards/").get_data(as_text=True)
    overdue = body[body.index('id="overdue"'):]
    assert "寄送案例" in overdue and "看板测试0有限公司" in overdue
    assert _figure(body, "overdue") == "1"


@pytest.mark.parametrize("role", ["executor", "designer", "finance"])
def test_roles_without_the_dashboard_get_403(make_user, login, client, role):
    login(make_user(role))
    assert client.get("/dashboards/").status_code == 403
    assert "/dashboards/" not in client.get("/").get_data(as_text=True)


def test_gm_sees_the_team_view(make_user, login, client, week):
    login(make_user("general_manager"))
    body = client.get("/dashboards/").get_data(as_text=True)
    assert 'id="allocation"' in body and "张丽" in body


def test_lead_created_counts_for_its_telesales_person(session, week):
    tele, *_ = week
    rows = dashboards.call_stats(session, workdays.local_date(utcnow()) - timedelta(days=7),
                                 workdays.local_date(utcnow()), user_ids=[tele.id])
    assert sum(r.leads_created for r in rows) == 1
    assert session.scalars(select(Lead)).one().created_by_id == tele.id
