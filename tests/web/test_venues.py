"""Venue pages: list, page with halls and shows, venue and hall edits, audit."""
import re
from decimal import Decimal

from sqlalchemy import select

from crm.models import Hall, Venue
from tests import factories


def _errors(body: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', body))


def test_create_list_show_with_shows_held_there(session, make_user, login, client):
    login(make_user("designer"))
    response = client.post("/venues/new", data={
        "name_zh": "深圳国际会展中心", "name_en": "Shenzhen World", "code": "szwec",
        "city": "深圳", "indoor_area_m2": "400,000"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    venue = session.scalars(select(Venue).where(Venue.code == "szwec")).one()
    assert venue.indoor_area_m2 == Decimal("400000.00")
    factories.exhibition(session, "深圳国际电子展", 2026, venue_id=venue.id)
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Shenzhen World" in page and "400,000" in page and "2026 深圳国际电子展" in page
    assert "深圳国际会展中心" in client.get("/venues/?q=shenzhen").get_data(as_text=True)
    assert "深圳国际会展中心" not in client.get("/venues/?city=上海").get_data(as_text=True)


def test_halls_add_edit_delete_show_in_venue_history(session, make_user, login, client):
    venue = factories.venue(session, "国家会展中心（天津）")
    login(make_user("market_supervisor"))
    response = client.post(f"/venues/{venue.id}/halls/new", data={
        "name": "N1", "area_m2": "12000", "clear_height_m": "17", "floor_load_t_m2": "5",
        "version": str(venue.version)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    hall = session.scalars(select(Hall).where(Hall.venue_id == venue.id)).one()
    session.refresh(venue)
    response = client.post(f"/venues/{venue.id}/halls/{hall.id}/edit", data={
        "name": "N1", "area_m2": "12500", "clear_height_m": "17", "floor_load_t_m2": "5",
        "version": str(venue.version)})
    assert response.status_code == 302
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "12,500" in page
    assert "area_m2: 12000.00" in page and "area_m2: 12500.00" in page
    session.refresh(venue)
    response = client.post(f"/venues/{venue.id}/halls/{hall.id}/delete",
                           data={"version": str(venue.version)})
    assert response.status_code == 302
    assert session.scalars(select(Hall.id).where(Hall.id == hall.id)).first() is None
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "No halls recorded." in page
    assert page.count(f"halls #{hall.id}") == 3  # create, update, delete stay on the venue


def test_stale_hall_edit_is_refused(session, make_user, login, client):
    venue = factories.venue(session)
    hall = factories.hall(session, venue, "W1")
    opened = venue.version
    login(make_user("admin"))
    assert client.post(f"/venues/{venue.id}/halls/new", data={
        "name": "W2", "version": str(opened)}).status_code == 302
    response = client.post(f"/venues/{venue.id}/halls/{hall.id}/edit", data={
        "name": "W1-改", "version": str(opened)})
    assert response.status_code == 422
    assert "Someone else saved this record" in response.get_data(as_text=True)
    session.refresh(hall)
    assert hall.name == "W1"


def test_venue_edit_is_audited_and_stale_refused(session, make_user, login, client):
    venue = factories.venue(session, "老馆名")
    opened = venue.version
    login(make_user("admin"))
    assert client.post(f"/venues/{venue.id}/edit", data={
        "name_zh": "新馆名", "version": str(opened)}).status_code == 302
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "name_zh: 老馆名" in page and "name_zh: 新馆名" in page
    response = client.post(f"/venues/{venue.id}/edit", data={"name_zh": "第三名", "version": str(opened)})
    assert response.status_code == 422 and "Someone else saved" in response.get_data(as_text=True)


def test_roles_without_venue_edit_get_403(session, make_user, login, client):
    venue = factories.venue(session)
    hall = factories.hall(session, venue)
    login(make_user("telesales"))
    assert client.get(f"/venues/{venue.id}").status_code == 200
    assert client.get("/venues/new").status_code == 403
    assert client.post(f"/venues/{venue.id}/halls/new", data={"name": "X"}).status_code == 403
    assert client.post(f"/venues/{venue.id}/halls/{hall.id}/delete").status_code == 403
    assert session.scalars(select(Hall.id).where(Hall.id == hall.id)).first() == hall.id


def test_validation_and_duplicates_name_the_record(session, make_user, login, client):
    venue = factories.venue(session, "广交会展馆", code="cantonfair")
    factories.hall(session, venue, "A1")
    login(make_user("market_supervisor"))
    response = client.post("/venues/new", data={"name_zh": "", "indoor_area_m2": "-1", "city": "广州"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert {"name_zh", "indoor_area_m2"} <= _errors(body) and 'value="广州"' in body
    response = client.post("/venues/new", data={"name_zh": "广交会展馆"})
    assert f"This venue already exists: 广交会展馆 (#{venue.id})" in response.get_data(as_text=True)
    response = client.post("/venues/new", data={"name_zh": "另一个馆", "code": "cantonfair"})
    assert f"Code cantonfair already belongs to 广交会展馆 (#{venue.id})" in response.get_data(as_text=True)
    response = client.post(f"/venues/{venue.id}/halls/new", data={"name": "A1", "clear_height_m": "abc",
                                                                   "version": str(venue.version)})
    assert response.status_code == 422
    assert "clear_height_m" in _errors(response.get_data(as_text=True))
    response = client.post(f"/venues/{venue.id}/halls/new", data={"name": "A1", "version": str(venue.version)})
    assert "This venue already has a hall named A1" in response.get_data(as_text=True)


def test_hall_delete_button_works_with_csrf_on(session, make_user, login, csrf_app):
    venue = factories.venue(session)
    hall = factories.hall(session, venue, "C1")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    user = make_user("admin")
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    form = re.search(r'action="/venues/\d+/halls/\d+/delete".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="(csrf_token|version)" value="([^"]+)"', form))
    assert client.post(f"/venues/{venue.id}/halls/{hall.id}/delete", data=fields).status_code == 302
    assert session.scalars(select(Hall.id).where(Hall.id == hall.id)).first() is None
