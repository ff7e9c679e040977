"""Country pavilion pages: list, page with exhibitors by show and contacts, edits."""
import re

from sqlalchemy import select

from crm.models import CountryPavilion
from tests import factories


def _errors(body: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', body))


def test_create_list_and_show_with_exhibitors_and_contacts(session, make_user, login, client):
    body_org = factories.company(session, "德国展览业协会", kinds=["pavilion_organizer"])
    factories.contact(session, body_org, "Anna Schmidt", email="anna@auma.de")
    login(make_user("market_supervisor"))
    response = client.post("/pavilions/new", data={
        "name_zh": "德国国家馆", "name_en": "German Pavilion", "country": "de",
        "organizer_id": str(body_org.id), "pavilion_type": "official"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    pv = session.scalars(select(CountryPavilion).where(CountryPavilion.name_zh == "德国国家馆")).one()
    assert pv.country == "DE" and pv.organizer_id == body_org.id
    for year in (2025, 2026):
        ex = factories.exhibition(session, "中国国际工业博览会", year)
        factories.participation(session, factories.company(session, f"德企{year}有限公司"), ex,
                                pavilion_id=pv.id, booth_no=f"D{year}")
    page = client.get(f"/pavilions/{pv.id}").get_data(as_text=True)
    assert "2026 中国国际工业博览会" in page and "2025 中国国际工业博览会" in page
    assert page.index("2026 中国国际工业博览会") < page.index("2025 中国国际工业博览会")
    assert "德企2025有限公司" in page and "D2026" in page
    assert "Anna Schmidt" in page and "anna@auma.de" in page
    assert "德国国家馆" in client.get("/pavilions/?country=DE").get_data(as_text=True)
    assert "德国国家馆" not in client.get("/pavilions/?country=FR").get_data(as_text=True)


def test_exhibitors_of_invisible_companies_are_not_listed(session, make_user, login, client):
    other = make_user("executor")
    pv = factories.pavilion(session, "法国馆", country="FR")
    ex = factories.exhibition(session)
    factories.participation(session, factories.company(session, "看不见的法企", owner_id=other.id),
                            ex, pavilion_id=pv.id)
    factories.participation(session, factories.company(session, "看得见的法企"), ex, pavilion_id=pv.id)
    login(make_user("executor"))
    page = client.get(f"/pavilions/{pv.id}").get_data(as_text=True)
    assert "看得见的法企" in page and "看不见的法企" not in page


def test_edit_is_audited_and_stale_edit_refused(session, make_user, login, client):
    pv = factories.pavilion(session, "日本馆", country="JP")
    opened = pv.version
    login(make_user("general_manager"))
    response = client.post(f"/pavilions/{pv.id}/edit", data={
        "name_zh": "日本国家馆", "country": "JP", "version": str(opened)})
    assert response.status_code == 302
    page = client.get(f"/pavilions/{pv.id}").get_data(as_text=True)
    assert "name_zh: 日本馆" in page and "name_zh: 日本国家馆" in page
    response = client.post(f"/pavilions/{pv.id}/edit", data={
        "name_zh": "日本馆（旧页）", "country": "JP", "version": str(opened)})
    assert response.status_code == 422
    assert "Someone else saved this record" in response.get_data(as_text=True)


def test_telesales_may_view_but_not_edit(session, make_user, login, client):
    pv = factories.pavilion(session, "韩国馆", country="KR")
    login(make_user("telesales"))
    assert client.get(f"/pavilions/{pv.id}").status_code == 200
    assert client.get("/pavilions/new").status_code == 403
    assert client.post(f"/pavilions/{pv.id}/edit", data={"name_zh": "x", "country": "KR"}).status_code == 403


def test_validation_and_duplicate_name(session, make_user, login, client):
    existing = factories.pavilion(session, "意大利馆", country="IT")
    login(make_user("market_supervisor"))
    response = client.post("/pavilions/new", data={"name_zh": "西班牙馆", "country": "Spain"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "country" in _errors(body) and 'value="西班牙馆"' in body and 'value="Spain"' in body
    response = client.post("/pavilions/new", data={"name_zh": "意大利馆", "country": "IT"})
    assert response.status_code == 422
    assert f"This pavilion already exists: 意大利馆 (#{existing.id})" in response.get_data(as_text=True)
