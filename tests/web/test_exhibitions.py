"""Show pages: list, page with exhibitors, edit forms, participations, audit on the page."""
import re
from decimal import Decimal

from sqlalchemy import select

from crm.models import Exhibition, Industry, Participation
from tests import factories


def _errors(body: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-field="([^"]+)">([^<]*)<', body):
        found.setdefault(name, []).append(text)
    return found


def _industry(session, code="auto", name="汽车"):
    industry = Industry(code=code, name_zh=name)
    session.add(industry)
    session.flush()
    return industry


def test_create_then_list_and_show_round_trip(session, make_user, login, client):
    venue = factories.venue(session, "国家会展中心（上海）", city="上海")
    organizer = factories.company(session, "上海博华国际展览有限公司", kinds=["organizer"])
    industry = _industry(session)
    login(make_user("market_supervisor"))
    response = client.post("/exhibitions/new", data={
        "name_zh": "上海国际汽车工业展览会", "name_en": "Auto Shanghai", "year": "",
        "starts_on": "2027-04-23", "ends_on": "2027-05-02", "city": "上海",
        "venue_id": str(venue.id), "organizer_id": str(organizer.id),
        "industry_id": str(industry.id), "value_rating": "a", "halls": "1H-8H"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ex = session.scalars(select(Exhibition).where(Exhibition.name_zh == "上海国际汽车工业展览会")).one()
    assert ex.year == 2027 and ex.value_rating == "A" and ex.venue_id == venue.id
    assert response.headers["Location"].endswith(f"/exhibitions/{ex.id}")
    page = client.get(f"/exhibitions/{ex.id}").get_data(as_text=True)
    assert "2027 上海国际汽车工业展览会" in page and "国家会展中心（上海）" in page
    assert "上海博华国际展览有限公司" in page and "2027-04-23" in page
    listing = client.get("/exhibitions/?year=2027").get_data(as_text=True)
    assert "上海国际汽车工业展览会" in listing
    assert "上海国际汽车工业展览会" not in client.get("/exhibitions/?year=2020").get_data(as_text=True)
    assert "上海国际汽车工业展览会" in client.get("/exhibitions/?q=auto").get_data(as_text=True)


def test_edit_is_audited_and_history_shows_on_the_page(session, make_user, login, client):
    ex = factories.exhibition(session, "旧展名博览会", 2026)
    login(make_user("general_manager"))
    form = client.get(f"/exhibitions/{ex.id}/edit").get_data(as_text=True)
    assert 'value="旧展名博览会"' in form
    response = client.post(f"/exhibitions/{ex.id}/edit", data={
        "name_zh": "新展名博览会", "year": "2026", "version": str(ex.version)})
    assert response.status_code == 302
    page = client.get(f"/exhibitions/{ex.id}").get_data(as_text=True)
    assert "name_zh: 旧展名博览会" in page and "name_zh: 新展名博览会" in page


def test_roles_without_edit_permission_get_403(session, make_user, login, client):
    ex = factories.exhibition(session)
    c = factories.company(session)
    login(make_user("designer"))
    assert client.get("/exhibitions/").status_code == 200
    assert client.get(f"/exhibitions/{ex.id}").status_code == 200
    assert client.get("/exhibitions/new").status_code == 403
    assert client.post(f"/exhibitions/{ex.id}/edit", data={"name_zh": "x", "year": "2026"}).status_code == 403
    assert client.post(f"/exhibitions/{ex.id}/participations/new",
                       data={"company_id": str(c.id)}).status_code == 403
    assert session.scalars(select(Participation)).first() is None


def test_invalid_dates_and_rating_name_fields_and_keep_input(session, make_user, login, client):
    login(make_user("telesales"))
    response = client.post("/exhibitions/new", data={
        "name_zh": "测试日期展", "year": "2026", "starts_on": "2026-05-10",
        "ends_on": "2026-05-01", "value_rating": "D"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    errors = _errors(body)
    assert "ends_on" in errors and "value_rating" in errors
    assert 'value="测试日期展"' in body and 'value="2026-05-01"' in body
    assert session.scalars(select(Exhibition).where(Exhibition.name_zh == "测试日期展")).first() is None


def test_missing_name_and_bad_year_are_reported(session, make_user, login, client):
    login(make_user("telesales"))
    response = client.post("/exhibitions/new", data={"name_zh": "", "year": "20x6"})
    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    assert "name_zh" in errors and "year" in errors
    assert 'value="20x6"' in response.get_data(as_text=True)


def test_duplicate_show_names_the_existing_record(session, make_user, login, client):
    existing = factories.exhibition(session, "中国国际家具博览会", 2026)
    login(make_user("telesales"))
    response = client.post("/exhibitions/new", data={"name_zh": "中国国际家具博览会", "year": "2026"})
    assert response.status_code == 422
    assert (f"This show already exists for 2026: 中国国际家具博览会 (#{existing.id})"
            in response.get_data(as_text=True))


def test_stale_edit_is_refused_with_a_message(session, make_user, login, client):
    ex = factories.exhibition(session, "并发测试展", 2026)
    opened_version = ex.version
    ex.city = "广州"  # someone else saves in the meantime
    session.flush()
    login(make_user("telesales"))
    response = client.post(f"/exhibitions/{ex.id}/edit", data={
        "name_zh": "并发测试展（改）", "year": "2026", "version": str(opened_version)})
    assert response.status_code == 422
    assert "Someone else saved this record" in response.get_data(as_text=True)
    session.refresh(ex)
    assert ex.name_zh == "并发测试展" and ex.city == "广州"


def test_exhibitor_list_filters_and_pages(session, make_user, login, client, app):
    ex = factories.exhibition(session)
    pv = factories.pavilion(session, "德国馆")
    rows = [("甲展示有限公司", "1H", "A01", "special", "domestic", None),
            ("乙机械有限公司", "1H", "A02", "standard", "foreign", pv.id),
            ("丙电子有限公司", "2H", "B01", "special", "agent", None)]
    for name, hall, booth, kind, origin, pavilion_id in rows:
        c = factories.company(session, name)
        factories.participation(session, c, ex, hall=hall, booth_no=booth, booth_type=kind,
                                origin=origin, pavilion_id=pavilion_id, area_m2=Decimal(36))
    login(make_user("general_manager"))
    body = client.get(f"/exhibitions/{ex.id}").get_data(as_text=True)
    assert all(name in body for name, *_ in rows)
    assert "Special build" in body and "Foreign" in body and "德国馆" in body and ">36<" in body

    def names(query):
        text = client.get(f"/exhibitions/{ex.id}?{query}").get_data(as_text=True)
        return {name for name, *_ in rows if name in text}

    assert names("booth_type=special") == {"甲展示有限公司", "丙电子有限公司"}
    assert names("hall=2H") == {"丙电子有限公司"}
    assert names("origin=foreign") == {"乙机械有限公司"}
    assert names(f"pavilion={pv.id}") == {"乙机械有限公司"}
    app.config["PAGE_SIZE"] = 2
    assert names("page=1") == {"甲展示有限公司", "乙机械有限公司"}
    assert names("page=2") == {"丙电子有限公司"}


def test_exhibitors_of_invisible_companies_are_hidden_and_404(session, make_user, login, client):
    me = make_user("telesales")
    other = make_user("telesales")
    ex = factories.exhibition(session)
    theirs = factories.company(session, "别人的客户有限公司", owner_id=other.id)
    p = factories.participation(session, theirs, ex, booth_no="C9")
    login(me)
    assert "别人的客户有限公司" not in client.get(f"/exhibitions/{ex.id}").get_data(as_text=True)
    assert client.get(f"/exhibitions/{ex.id}/participations/{p.id}/edit").status_code == 404
    assert client.post(f"/exhibitions/{ex.id}/participations/{p.id}/delete",
                       data={"version": str(p.version)}).status_code == 404
    response = client.post(f"/exhibitions/{ex.id}/participations/new",
                           data={"company_id": str(theirs.id), "booth_no": "C10"})
    assert response.status_code == 422 and "company_id" in _errors(response.get_data(as_text=True))
    assert "别人的客户有限公司" not in client.get(
        "/exhibitions/lookup/companies?company_id=别人").get_data(as_text=True)


def test_participation_new_edit_delete_round_trip_with_history(session, make_user, login, client):
    ex = factories.exhibition(session)
    c = factories.company(session, "海天展览客户有限公司")
    builder = factories.competitor(session, "上海某某展览工程有限公司")
    pv = factories.pavilion(session, "意大利馆", country="IT")
    login(make_user("telesales"))
    form = client.get(f"/exhibitions/{ex.id}/participations/new?company_id={c.id}").get_data(as_text=True)
    assert f'value="{c.id}"' in form and "海天展览客户有限公司" in form
    response = client.post(f"/exhibitions/{ex.id}/participations/new", data={
        "company_id": str(c.id), "hall": "N3", "booth_no": "N3-101", "area_m2": "54.5",
        "booth_type": "special", "origin": "domestic", "pavilion_id": str(pv.id),
        "builder_id": str(builder.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    p = session.scalars(select(Participation).where(Participation.company_id == c.id)).one()
    assert p.area_m2 == Decimal("54.50") and p.builder_id == builder.id and p.pavilion_id == pv.id
    response = client.post(f"/exhibitions/{ex.id}/participations/{p.id}/edit", data={
        "company_id": str(c.id), "hall": "N3", "booth_no": "N3-102", "area_m2": "54.5",
        "booth_type": "raw_space", "origin": "domestic", "version": str(p.version)})
    assert response.status_code == 302
    page = client.get(f"/exhibitions/{ex.id}/participations/{p.id}/edit").get_data(as_text=True)
    assert "booth_no: N3-101" in page and "booth_no: N3-102" in page
    assert "booth_type: raw_space" in page
    session.refresh(p)
    response = client.post(f"/exhibitions/{ex.id}/participations/{p.id}/delete",
                           data={"version": str(p.version)})
    assert response.status_code == 302
    assert session.scalars(select(Participation.id).where(Participation.id == p.id)).first() is None
    company_page = client.get(f"/companies/{c.id}").get_data(as_text=True)
    assert "participations #" in company_page and "delete" in company_page


def test_participation_errors_keep_input_and_name_duplicates(session, make_user, login, client):
    ex = factories.exhibition(session)
    c = factories.company(session, "重复展位有限公司")
    existing = factories.participation(session, c, ex, booth_no="E1")
    login(make_user("telesales"))
    response = client.post(f"/exhibitions/{ex.id}/participations/new", data={
        "company_id": str(c.id), "booth_no": "E2", "area_m2": "-5", "booth_type": "igloo",
        "origin": "martian"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    errors = _errors(body)
    assert {"area_m2", "booth_type", "origin"} <= set(errors)
    assert 'value="-5"' in body and 'value="E2"' in body
    response = client.post(f"/exhibitions/{ex.id}/participations/new", data={
        "company_id": str(c.id), "booth_no": "E1"})
    assert response.status_code == 422
    assert (f"重复展位有限公司 is already listed at this show with booth E1 (participation #{existing.id})"
            in response.get_data(as_text=True))
    response = client.post(f"/exhibitions/{ex.id}/participations/new", data={
        "company_id": "重复展位", "booth_no": "E3"})
    assert response.status_code == 422 and "company_id" in _errors(response.get_data(as_text=True))


def test_stale_participation_edit_and_delete_are_refused(session, make_user, login, client):
    ex = factories.exhibition(session)
    c = factories.company(session)
    p = factories.participation(session, c, ex, booth_no="S1")
    opened = p.version
    p.hall = "5H"
    session.flush()
    login(make_user("telesales"))
    response = client.post(f"/exhibitions/{ex.id}/participations/{p.id}/edit", data={
        "company_id": str(c.id), "booth_no": "S2", "version": str(opened)})
    assert response.status_code == 422 and "Someone else saved" in response.get_data(as_text=True)
    response = client.post(f"/exhibitions/{ex.id}/participations/{p.id}/delete",
                           data={"version": str(opened)}, follow_redirects=True)
    assert "Someone else saved" in response.get_data(as_text=True)
    assert session.get(Participation, p.id) is not None


def test_pickers_suggest_by_kind_and_name(session, make_user, login, client):
    factories.company(session, "北京主办展览有限公司", kinds=["organizer"])
    factories.company(session, "北京普通展商有限公司")
    factories.venue(session, "深圳国际会展中心", city="深圳")
    login(make_user("telesales"))
    organizers = client.get("/exhibitions/lookup/organizers?organizer_id=北京").get_data(as_text=True)
    assert "北京主办展览有限公司" in organizers and "北京普通展商有限公司" not in organizers
    assert "深圳国际会展中心" in client.get("/exhibitions/lookup/venues?q=深圳").get_data(as_text=True)
    assert client.get("/exhibitions/lookup/nothing").status_code == 404


def test_nonsense_ids_and_pages_in_the_url_are_not_server_errors(session, make_user, login, client):
    ex = factories.exhibition(session)
    login(make_user("admin"))
    huge = "9" * 25
    for url in [f"/exhibitions/{ex.id}?page={huge}", f"/exhibitions/?page={huge}&year={huge}",
                f"/contacts/?page={huge}&company={huge}", f"/exhibitions/{ex.id}?pavilion={huge}",
                f"/exhibitions/lookup/companies?q={huge}", "/media/?industry=x&page=-3"]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/contacts/new?company_id={huge}").status_code == 200
    response = client.post(f"/exhibitions/{ex.id}/participations/new", data={"company_id": huge})
    assert response.status_code == 422 and "company_id" in _errors(response.get_data(as_text=True))
