"""The call-list pages: lists, a new list with preview and build, a list's items, give, close."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.models import CallItem, CallList
from crm.services import call_lists, calls
from tests import factories


@pytest.fixture()
def show(session):
    """One show with four exhibitors: two special-build, a raw space, a standard booth."""
    factories.call_outcomes(session)
    expo = factories.exhibition(session, "上海国际页面测试展", 2026, starts_on=date(2026, 5, 12))
    made = {}
    for name, booth in {
        "大特装": dict(booth_type="special", area_m2=Decimal("216"), hall="1.1H"),
        "小特装": dict(booth_type="special", area_m2=Decimal("36"), hall="2.1H", origin="foreign"),
        "光地": dict(booth_type="raw_space", area_m2=Decimal("54"), hall="1.1H"),
        "标摊": dict(booth_type="standard", area_m2=Decimal("9"), hall="1.1H"),
    }.items():
        company = factories.company(session, f"{name}页面测试有限公司")
        factories.participation(session, company, expo, booth_no=name, **booth)
        made[name] = company
    return expo, made


def _items(session, list_id: int) -> list[int]:
    return list(session.scalars(select(CallItem.company_id).where(CallItem.list_id == list_id)
                                .order_by(CallItem.priority)))


def _form(expo, **extra):
    data = {"name": "页面测试清单", "owner_id": "", "exhibition_id": str(expo.id),
            "no_open_lead": "y", "key_client": "", "priority": ["special_build", "area", ""]}
    data.update(extra)
    return data


def test_preview_shows_count_and_order_then_build_adds_the_same_companies(
        session, make_user, login, client, show):
    expo, made = show
    tele = make_user("telesales")
    login(make_user("market_supervisor"))
    form = _form(expo, booth_types=["special", "raw_space"], owner_id=str(tele.id),
                 action="preview")
    response = client.post("/call-lists/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Companies that would be added: 3" in body
    preview = body[body.index('id="preview"'):]
    positions = [preview.index(f"{n}页面测试有限公司") for n in ("大特装", "光地", "小特装")]
    assert positions == sorted(positions)  # special build, then largest area first
    assert "标摊页面测试有限公司" not in preview
    assert session.scalar(select(func.count(CallList.id))) == 0  # a preview builds nothing
    assert 'value="页面测试清单"' in body  # the form keeps what was typed

    response = client.post("/call-lists/new", data=dict(form, action="build"))
    assert response.status_code == 303
    built = session.scalars(select(CallList)).one()
    assert response.headers["Location"].endswith(f"/call-lists/{built.id}")
    assert built.owner_id == tele.id and built.priority == ["special_build", "area"]
    # raw space counts as special build; then the largest booth first
    assert _items(session, built.id) == [made[n].id for n in ("大特装", "光地", "小特装")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "List built with 3 companies." in page
    assert "大特装页面测试有限公司" in page and tele.display_name in page


def test_build_order_follows_the_chosen_priority(session, make_user, login, client, show):
    expo, made = show
    login(make_user("market_supervisor"))
    response = client.post("/call-lists/new", data=_form(expo, priority=["area"], action="build"))
    assert response.status_code == 303
    built = session.scalars(select(CallList)).one()
    assert _items(session, built.id) == [made[n].id for n in ("大特装", "光地", "小特装", "标摊")]


def test_bad_filters_show_on_their_fields_and_keep_the_form(session, make_user, login, client, show):
    expo, _ = show
    login(make_user("market_supervisor"))
    response = client.post("/call-lists/new", data=_form(
        expo, area_min="100", area_max="20", halls="1.1H, 2.1H", action="build"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-field="area_max">The largest area is below the smallest\.', body)
    assert 'value="1.1H, 2.1H"' in body and 'value="100"' in body
    assert session.scalar(select(func.count(CallList.id))) == 0

    response = client.post("/call-lists/new", data=_form(
        expo, priority=["area", "area"], action="preview"))
    assert response.status_code == 422
    assert 'data-field="priority"' in response.get_data(as_text=True)

    response = client.post("/call-lists/new", data=_form(expo, name="", action="build"))
    assert response.status_code == 422
    assert 'data-field="name"' in response.get_data(as_text=True)

    response = client.post("/call-lists/new", data=_form(expo, not_called_days="abc",
                                                          action="preview"))
    assert response.status_code == 422
    assert 'data-field="not_called_days"' in response.get_data(as_text=True)


def test_telesales_cannot_build_lists(session, make_user, login, client, show):
    expo, _ = show
    login(make_user("telesales"))
    assert client.get("/call-lists/").status_code == 403
    assert client.get("/call-lists/new").status_code == 403
    assert client.post("/call-lists/new", data=_form(expo, action="build")).status_code == 403
    assert session.scalar(select(func.count(CallList.id))) == 0
    assert "/call-lists/" not in client.get("/").get_data(as_text=True)  # no nav entry


def _csrf(body: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', body).group(1)


def test_csrf_is_required(session, make_user, csrf_app, show):
    expo, _ = show
    sup = make_user("market_supervisor")
    c = csrf_app.test_client()
    token = _csrf(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"username": sup.username, "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    page = c.get("/call-lists/new").get_data(as_text=True)
    assert c.post("/call-lists/new", data=_form(expo, action="build")).status_code == 400
    assert session.scalar(select(func.count(CallList.id))) == 0
    response = c.post("/call-lists/new", data=_form(expo, action="build", csrf_token=_csrf(page)))
    assert response.status_code == 303
    assert session.scalar(select(func.count(CallList.id))) == 1
    assert c.post("/call-lists/show-driven").status_code == 400


def test_index_detail_give_and_close(session, make_user, login, client, show):
    expo, made = show
    sup = make_user("market_supervisor")
    tele = make_user("telesales", display_name="王芳")
    result = call_lists.build_list(session, sup, "家具展特装", call_lists.ListFilters(
        exhibition_id=expo.id, booth_types=["special"]))
    closed = call_lists.build_list(session, sup, "旧清单", call_lists.ListFilters(
        exhibition_id=expo.id, booth_types=["standard"]))
    call_lists.close_list(session, sup, closed.call_list)
    claim = calls.claim_next(session, tele)
    calls.log_outcome(session, claim.item_id, tele, "not_interested", "今年不参展")
    login(sup)

    index = client.get("/call-lists/").get_data(as_text=True)
    assert "家具展特装" in index and "旧清单" not in index
    row = index[index.index(f'data-list="{result.call_list.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Shared pool" in row and "Manual" in row
    assert re.findall(r"<td>(\d+)</td>", row)[:5] == ["1", "0", "0", "1", "0"]
    assert "旧清单" in client.get("/call-lists/?closed=1").get_data(as_text=True)

    list_id = result.call_list.id
    detail = client.get(f"/call-lists/{list_id}").get_data(as_text=True)
    assert "王芳" in detail and "Not interested" in detail  # who called, what came of it
    used = detail[detail.index('id="filters"'):]
    assert "Special build" in used[:used.index("</dl>")]  # the filters it was built with
    waiting_only = client.get(f"/call-lists/{list_id}?status=queued").get_data(as_text=True)
    items = waiting_only[waiting_only.index('id="items"'):]
    assert items.count("页面测试有限公司</a>") == 1

    response = client.post(f"/call-lists/{list_id}/give", data={"owner_id": str(tele.id)},
                           follow_redirects=True)
    assert "The list now belongs to 王芳." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(CallList, list_id).owner_id == tele.id
    executor = make_user("executor")
    response = client.post(f"/call-lists/{list_id}/give", data={"owner_id": str(executor.id)},
                           follow_redirects=True)
    assert "active telesales person" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(CallList, list_id).owner_id == tele.id

    response = client.post(f"/call-lists/{list_id}/close", follow_redirects=True)
    assert "List closed; 1 waiting companies were taken out of the queue." in \
        response.get_data(as_text=True)
    session.expire_all()
    assert session.get(CallList, list_id).closed_at is not None
    assert call_lists.progress(session, list_id)["skipped"] == 1


def test_build_show_driven_lists_now(session, make_user, login, client):
    today = (utcnow() + timedelta(hours=8)).date()
    last = factories.exhibition(session, "上海国际按钮测试展", today.year - 1,
                                starts_on=today - timedelta(days=300))
    factories.exhibition(session, "上海国际按钮测试展", today.year,
                         starts_on=today + timedelta(days=20))
    exhibitor = factories.company(session, "按钮特装测试有限公司")
    factories.participation(session, exhibitor, last, booth_no="S1", booth_type="special",
                            area_m2=Decimal("100"))
    login(make_user("market_supervisor"))
    response = client.post("/call-lists/show-driven", follow_redirects=True)
    body = response.get_data(as_text=True)
    built = session.scalars(select(CallList).where(CallList.kind == "show_driven")).one()
    assert f"Built {built.name} with 1 companies." in body
    assert "Show-driven" in body
    again = client.post("/call-lists/show-driven", follow_redirects=True).get_data(as_text=True)
    assert "No show-driven list was due" in again
    assert session.scalar(select(func.count(CallList.id))) == 1
