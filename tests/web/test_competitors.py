"""Competitor pages: companies of kind competitor with their profile."""
import re
from decimal import Decimal

from sqlalchemy import select

from crm.models import Company, CompetitorProfile
from tests import factories


def _errors(body: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', body))


def test_new_competitor_creates_company_and_profile(session, make_user, login, client):
    login(make_user("telesales"))
    response = client.post("/competitors/new", data={
        "name_zh": "上海卓越展览工程有限公司", "city": "上海", "phones": "021-55556666",
        "scale": "large", "staff_count": "120", "annual_revenue": "35,000,000.50",
        "main_industries": "汽车, 医疗", "key_clients": "上汽\n华为"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    company = session.scalars(select(Company).where(Company.name_zh == "上海卓越展览工程有限公司")).one()
    assert company.kind_values == ["competitor"]
    profile = session.get(CompetitorProfile, company.id)
    assert profile.staff_count == 120 and profile.annual_revenue == Decimal("35000000.50")
    assert response.headers["Location"].endswith(f"/competitors/{company.id}")
    page = client.get(f"/competitors/{company.id}").get_data(as_text=True)
    assert "Large" in page and "35,000,000.5" in page and f"/companies/{company.id}" in page
    listing = client.get("/competitors/?scale=large").get_data(as_text=True)
    assert "上海卓越展览工程有限公司" in listing
    assert "上海卓越展览工程有限公司" not in client.get("/competitors/?scale=small").get_data(as_text=True)
    assert "上海卓越展览工程有限公司" in client.get("/competitors/?q=zhuoyue").get_data(as_text=True)


def test_list_shows_only_competitors_and_booths_built(session, make_user, login, client):
    builder = factories.competitor(session, "广州搭建有限公司", scale="medium")
    factories.company(session, "普通展商有限公司")
    ex = factories.exhibition(session)
    factories.participation(session, factories.company(session, "客户甲有限公司"), ex,
                            booth_no="B8", builder_id=builder.id)
    login(make_user("designer"))
    listing = client.get("/competitors/").get_data(as_text=True)
    assert "广州搭建有限公司" in listing and "普通展商有限公司" not in listing
    page = client.get(f"/competitors/{builder.id}").get_data(as_text=True)
    assert "客户甲有限公司" in page and "B8" in page


def test_edit_profile_is_audited_and_stale_refused(session, make_user, login, client):
    c = factories.competitor(session, "北京老牌展览有限公司", scale="small", staff_count=10)
    opened = c.version
    login(make_user("market_supervisor"))
    form = client.get(f"/competitors/{c.id}/edit").get_data(as_text=True)
    assert 'value="10"' in form
    response = client.post(f"/competitors/{c.id}/edit", data={
        "scale": "medium", "staff_count": "40", "version": str(opened)})
    assert response.status_code == 302
    page = client.get(f"/competitors/{c.id}").get_data(as_text=True)
    assert "staff_count: 10" in page and "staff_count: 40" in page
    assert "scale: small" in page and "scale: medium" in page
    response = client.post(f"/competitors/{c.id}/edit", data={
        "scale": "large", "staff_count": "99", "version": str(opened)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Someone else saved this record" in body and 'value="99"' in body
    assert session.get(CompetitorProfile, c.id).staff_count == 40


def test_permissions_403_and_invisible_404(session, make_user, login, client):
    c = factories.competitor(session)
    other = make_user("executor")
    hidden = factories.competitor(session, "私有同行有限公司")
    hidden.owner_id = other.id
    session.flush()
    login(make_user("finance"), c=client)
    assert client.get("/competitors/").status_code == 403
    assert client.get(f"/competitors/{c.id}").status_code == 403
    executor_client = client.application.test_client()
    login(make_user("executor"), c=executor_client)
    assert executor_client.get(f"/competitors/{c.id}").status_code == 200
    assert executor_client.get(f"/competitors/{c.id}/edit").status_code == 403
    assert executor_client.get("/competitors/new").status_code == 403
    assert executor_client.get(f"/competitors/{hidden.id}").status_code == 404
    plain = factories.company(session, "不是同行有限公司")
    assert executor_client.get(f"/competitors/{plain.id}").status_code == 404


def test_invalid_profile_fields_are_named_and_input_kept(session, make_user, login, client):
    login(make_user("telesales"))
    response = client.post("/competitors/new", data={
        "name_zh": "", "name_en": "", "staff_count": "lots", "annual_revenue": "-3", "scale": "huge",
        "workshop": "松江 3000㎡"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert {"name_zh", "staff_count", "annual_revenue", "scale"} <= _errors(body)
    assert 'value="lots"' in body and 'value="松江 3000㎡"' in body
    assert session.scalars(select(CompetitorProfile)).first() is None


def test_duplicate_credit_code_names_the_existing_company(session, make_user, login, client):
    existing = factories.company(session, "已有信用代码有限公司", credit_code="91310000MA1FL8TQ23")
    login(make_user("telesales"))
    response = client.post("/competitors/new", data={
        "name_zh": "新同行有限公司", "credit_code": "91310000MA1FL8TQ23"})
    assert response.status_code == 422
    assert f"已有信用代码有限公司 (#{existing.id})" in response.get_data(as_text=True)
