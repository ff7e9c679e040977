"""Contact pages: search limited to visible companies, edit forms, audit, 403/404."""
import re

from sqlalchemy import select

from crm.models import Contact
from tests import factories


def _errors(body: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-field="([^"]+)">([^<]*)<', body):
        found.setdefault(name, []).append(text)
    return found


def test_new_contact_normalises_phones_and_shows(session, make_user, login, client):
    c = factories.company(session, "苏州联系人测试有限公司")
    login(make_user("executor"))
    form = client.get(f"/contacts/new?company_id={c.id}").get_data(as_text=True)
    assert "苏州联系人测试有限公司" in form
    response = client.post(f"/contacts/new?company_id={c.id}", data={
        "name": "李娜", "title": "市场经理", "mobile": "138 1234 5678",
        "landline": "0512-66668888转806", "email": "Li.Na@Example.COM", "wechat": "lina_sz"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    contact = session.scalars(select(Contact).where(Contact.company_id == c.id)).one()
    assert contact.mobile_e164 == "+8613812345678"
    assert contact.landline_e164 == "+8651266668888" and contact.landline_ext == "806"
    assert contact.email == "Li.Na@example.com"
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "李娜" in page and "市场经理" in page and "苏州联系人测试有限公司" in page
    assert "lina_sz" in page


def test_search_by_name_phone_email_only_in_visible_companies(session, make_user, login, client):
    me = make_user("telesales")
    other = make_user("telesales")
    mine = factories.company(session, "我的客户有限公司")
    theirs = factories.company(session, "别人的客户有限公司", owner_id=other.id)
    factories.contact(session, mine, "张三", mobile="13900001111", mobile_e164="+8613900001111",
                      email="zhangsan@mine.cn")
    factories.contact(session, theirs, "张四", mobile="13900002222", mobile_e164="+8613900002222",
                      email="zhangsi@theirs.cn")
    login(me)

    def found(q):
        body = client.get("/contacts/", query_string={"q": q}).get_data(as_text=True)
        return {n for n in ("张三", "张四") if n in body}

    assert found("张") == {"张三"}
    assert found("139 0000 1111") == {"张三"}
    assert found("13900002222") == set()
    assert found("ZHANGSAN@") == {"张三"}
    assert found("theirs.cn") == set()
    assert found("") == {"张三"}


def test_contact_of_invisible_company_is_404(session, make_user, login, client):
    other = make_user("executor")
    theirs = factories.company(session, "外人公司", owner_id=other.id)
    contact = factories.contact(session, theirs, "王五")
    login(make_user("executor"))
    assert client.get(f"/contacts/{contact.id}").status_code == 404
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 404
    assert client.post(f"/contacts/{contact.id}/edit", data={"name": "x"}).status_code == 404
    assert client.post(f"/contacts/{contact.id}/delete",
                       data={"version": str(contact.version)}).status_code == 404
    assert client.get(f"/contacts/new?company_id={theirs.id}").status_code == 404
    response = client.post("/contacts/new", data={"company_id": str(theirs.id), "name": "赵六"})
    assert response.status_code == 422 and "company_id" in _errors(response.get_data(as_text=True))
    assert session.scalars(select(Contact).where(Contact.name == "赵六")).first() is None


def test_roles_without_contact_edit_get_403(session, make_user, login, client):
    c = factories.company(session)
    contact = factories.contact(session, c, "周七")
    login(make_user("designer"))
    assert client.get(f"/contacts/{contact.id}").status_code == 200
    assert client.get(f"/contacts/new?company_id={c.id}").status_code == 403
    assert client.post(f"/contacts/{contact.id}/edit", data={"name": "改名"}).status_code == 403
    assert client.post(f"/contacts/{contact.id}/delete").status_code == 403
    session.refresh(contact)
    assert contact.name == "周七"


def test_invalid_fields_are_named_and_input_kept(session, make_user, login, client):
    c = factories.company(session)
    login(make_user("telesales"))
    response = client.post(f"/contacts/new?company_id={c.id}", data={
        "name": "", "mobile": "12ab", "landline": "021-88886666", "email": "not-an-email"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert {"name", "mobile", "email"} <= set(_errors(body))
    assert "landline" not in _errors(body)
    assert 'value="not-an-email"' in body and 'value="12ab"' in body
    response = client.post(f"/contacts/new?company_id={c.id}", data={
        "name": "座机放错", "mobile": "021-88886666"})
    assert response.status_code == 422 and "landline" in _errors(response.get_data(as_text=True))["mobile"][0]


def test_duplicate_mobile_names_the_existing_contact(session, make_user, login, client):
    c = factories.company(session)
    existing = factories.contact(session, c, "陈一", mobile="13811112222", mobile_e164="+8613811112222")
    login(make_user("telesales"))
    response = client.post(f"/contacts/new?company_id={c.id}", data={
        "name": "陈一（重复）", "mobile": "+86 138-1111-2222"})
    assert response.status_code == 422
    assert f"陈一 (#{existing.id})" in response.get_data(as_text=True)


def test_edit_is_audited_on_the_contact_page_and_stale_edit_refused(session, make_user, login, client):
    c = factories.company(session)
    contact = factories.contact(session, c, "刘旧名", title="经理")
    login(make_user("market_supervisor"))
    form = client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'value="刘旧名"' in form
    opened = contact.version
    response = client.post(f"/contacts/{contact.id}/edit", data={
        "name": "刘新名", "title": "经理", "version": str(opened)})
    assert response.status_code == 302
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "name: 刘旧名" in page and "name: 刘新名" in page
    response = client.post(f"/contacts/{contact.id}/edit", data={
        "name": "刘第三名", "version": str(opened)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Someone else saved this record" in body and 'value="刘第三名"' in body
    session.refresh(contact)
    assert contact.name == "刘新名"


def test_delete_goes_back_to_the_company_and_is_logged(session, make_user, login, client):
    c = factories.company(session)
    contact = factories.contact(session, c, "删除我")
    login(make_user("telesales"))
    response = client.post(f"/contacts/{contact.id}/delete", data={"version": str(contact.version)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/companies/{c.id}")
    assert session.scalars(select(Contact.id).where(Contact.id == contact.id)).first() is None
    page = client.get(f"/companies/{c.id}").get_data(as_text=True)
    assert "name: 删除我" in page
