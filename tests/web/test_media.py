"""Media pages: companies of kind media with their profile."""
import re

from sqlalchemy import select

from crm.models import Company, Industry, MediaProfile
from tests import factories


def _errors(body: str) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', body))


def _industry(session):
    industry = Industry(code="print", name_zh="印刷包装")
    session.add(industry)
    session.flush()
    return industry


def test_new_media_company_list_and_show(session, make_user, login, client):
    industry = _industry(session)
    login(make_user("telesales"))
    response = client.post("/media/new", data={
        "name_zh": "印刷技术杂志社", "media_type": "magazine", "industry_id": str(industry.id),
        "circulation": "30000/期", "wechat_account": "printtech"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    company = session.scalars(select(Company).where(Company.name_zh == "印刷技术杂志社")).one()
    assert company.kind_values == ["media"]
    assert session.get(MediaProfile, company.id).industry_id == industry.id
    page = client.get(f"/media/{company.id}").get_data(as_text=True)
    assert "30000/期" in page and "printtech" in page and "印刷包装" in page
    assert "印刷技术杂志社" in client.get(f"/media/?industry={industry.id}").get_data(as_text=True)
    assert "印刷技术杂志社" not in client.get("/media/?type=website").get_data(as_text=True)


def test_edit_profile_is_audited_and_stale_refused(session, make_user, login, client):
    m = factories.media(session, "会展之窗", media_type="website", circulation="1万")
    opened = m.version
    login(make_user("general_manager"))
    response = client.post(f"/media/{m.id}/edit", data={
        "media_type": "wechat", "circulation": "5万", "version": str(opened)})
    assert response.status_code == 302
    page = client.get(f"/media/{m.id}").get_data(as_text=True)
    assert "circulation: 1万" in page and "circulation: 5万" in page
    response = client.post(f"/media/{m.id}/edit", data={"media_type": "video", "version": str(opened)})
    assert response.status_code == 422 and "Someone else saved" in response.get_data(as_text=True)


def test_permissions_403_and_invisible_404(session, make_user, login, client):
    m = factories.media(session)
    login(make_user("executor"))
    assert client.get("/media/").status_code == 403
    assert client.get(f"/media/{m.id}").status_code == 403
    sup_client = client.application.test_client()
    other = make_user("telesales")
    hidden = factories.media(session)
    hidden.owner_id = other.id
    session.flush()
    login(make_user("telesales"), c=sup_client)
    assert sup_client.get(f"/media/{m.id}").status_code == 200
    assert sup_client.get(f"/media/{hidden.id}").status_code == 404
    exec_sup = client.application.test_client()
    login(make_user("execution_supervisor"), c=exec_sup)
    assert exec_sup.get(f"/media/{m.id}").status_code == 200
    assert exec_sup.post(f"/media/{m.id}/edit", data={"media_type": "video"}).status_code == 403


def test_invalid_fields_are_named_and_input_kept(session, make_user, login, client):
    login(make_user("telesales"))
    response = client.post("/media/new", data={
        "name_zh": "坏数据传媒", "media_type": "pigeon", "industry_id": "99999",
        "circulation": "很多"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert {"media_type", "industry_id"} <= _errors(body)
    assert 'value="坏数据传媒"' in body and 'value="很多"' in body
