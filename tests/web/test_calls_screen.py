"""The telesales work-queue screen: next call, the call card, one key per outcome."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.models import Call, CompanyPhone, Lead
from crm.services import call_lists
from tests import factories


@pytest.fixture()
def pool(session, make_user):
    """A shared-pool list of two exhibitors, the special-build one first."""
    factories.call_outcomes(session)
    show = factories.exhibition(session, "上海国际测试家具展", 2025, starts_on=date(2025, 9, 9))
    first = factories.company(session, "宁波甲家具有限公司")
    factories.participation(session, first, show, booth_no="A1", booth_type="special",
                            area_m2=Decimal(108), hall="1H")
    session.add(CompanyPhone(company_id=first.id, raw="021-6123 4567", e164="+862161234567",
                             kind="landline"))
    factories.contact(session, first, "李强")
    second = factories.company(session, "东莞乙家具有限公司")
    factories.participation(session, second, show, booth_no="B9", booth_type="standard",
                            area_m2=Decimal(9), hall="2H")
    session.flush()
    sup = make_user("market_supervisor", "sup1")
    result = call_lists.build_list(session, sup, "家具展回访",
                                   call_lists.ListFilters(exhibition_id=show.id))
    assert result.added == 2 and result.call_list.owner_id is None
    return first, second


def _calls(session, company_id: int) -> int:
    return session.scalar(select(func.count(Call.id)).where(Call.company_id == company_id))


def _item_and_attempt(body: str) -> tuple[str, str]:
    item = re.search(r'action="/calls/(\d+)/outcome"', body).group(1)
    attempt = re.search(r'name="attempt" value="(\d+)"', body).group(1)
    return item, attempt


def test_next_call_outcome_opens_lead_and_shows_next_company(session, make_user, login, client, pool):
    first, _second = pool
    login(make_user("telesales", "tele1"))
    assert "Next call" in client.get("/calls/").get_data(as_text=True)
    response = client.post("/calls/next")
    assert response.status_code == 303
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "宁波甲家具有限公司" in body
    assert 'href="tel:+862161234567"' in body and "李强" in body
    assert 'data-hotkey="1"' in body and "Meeting possible" in body
    item, attempt = _item_and_attempt(body)
    response = client.post(f"/calls/{item}/outcome", data={
        "outcome": "meeting_possible", "note": "下周可以面谈", "attempt": attempt},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "东莞乙家具有限公司" in page and "宁波甲家具有限公司" not in page
    lead = session.scalars(select(Lead).where(Lead.company_id == first.id)).one()
    assert lead.bucket == "meeting"
    call = session.scalars(select(Call).where(Call.company_id == first.id)).one()
    assert call.note == "下周可以面谈" and call.outcome == "meeting_possible"


def _csrf(body: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', body).group(1)


def test_double_submit_with_csrf_records_one_call(session, make_user, csrf_app, pool):
    first, _ = pool
    tele = make_user("telesales", "tele1")
    c = csrf_app.test_client()
    token = _csrf(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"username": tele.username, "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    page = c.get("/calls/").get_data(as_text=True)
    assert c.post("/calls/next").status_code == 400  # no CSRF token: refused
    body = c.post("/calls/next", data={"csrf_token": _csrf(page)},
                  follow_redirects=True).get_data(as_text=True)
    item, attempt = _item_and_attempt(body)
    data = {"outcome": "busy", "attempt": attempt, "csrf_token": _csrf(body)}
    assert c.post(f"/calls/{item}/outcome", data=data).status_code == 303
    again = c.post(f"/calls/{item}/outcome", data=data, follow_redirects=True)
    assert again.status_code == 200
    assert "already recorded" in again.get_data(as_text=True)
    assert _calls(session, first.id) == 1


def test_someone_elses_claim_is_refused_with_a_message(session, make_user, login, client, app, pool):
    first, _ = pool
    login(make_user("telesales", "tele1"))
    body = client.post("/calls/next", follow_redirects=True).get_data(as_text=True)
    item, attempt = _item_and_attempt(body)
    other = login(make_user("telesales", "tele2"), c=app.test_client())
    response = other.post(f"/calls/{item}/outcome", data={
        "outcome": "meeting_possible", "attempt": attempt}, follow_redirects=True)
    assert response.status_code == 200
    assert "Someone else holds this call now." in response.get_data(as_text=True)
    assert _calls(session, first.id) == 0
    assert session.scalar(select(func.count(Lead.id))) == 0
    assert "Someone else holds" in other.get(f"/calls/{item}", follow_redirects=True).get_data(as_text=True)


def test_callback_needs_a_time(session, make_user, login, client, pool):
    first, _ = pool
    login(make_user("telesales", "tele1"))
    body = client.post("/calls/next", follow_redirects=True).get_data(as_text=True)
    item, attempt = _item_and_attempt(body)
    response = client.post(f"/calls/{item}/outcome", data={
        "outcome": "call_back", "attempt": attempt, "note": "下午再打"})
    assert response.status_code == 422
    assert "Give the time to call back." in response.get_data(as_text=True)
    assert _calls(session, first.id) == 0
    when = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).replace(
        second=0, microsecond=0)
    response = client.post(f"/calls/{item}/outcome", data={
        "outcome": "call_back", "attempt": attempt, "callback_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    call = session.scalars(select(Call).where(Call.company_id == first.id)).one()
    assert call.callback_at == when  # read in Shanghai time, stored in UTC


def test_executor_gets_403(make_user, login, client):
    login(make_user("executor", "exec1"))
    assert client.get("/calls/").status_code == 403
    assert client.post("/calls/next").status_code == 403
