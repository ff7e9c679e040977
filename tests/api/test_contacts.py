"""Contacts through the API: seen through their company, phones normalised, audited."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import AuditEntry, Contact
from tests import factories


def test_contacts_of_a_hidden_company_are_invisible(session, api_as, make_user):
    caller = api_as("executor")
    colleague = make_user("executor")
    mine = factories.company(session, "上海我的客户有限公司", owner_id=caller.user.id)
    theirs = factories.company(session, "上海别人的客户有限公司", owner_id=colleague.id)
    visible = factories.contact(session, mine, "张三")
    hidden = factories.contact(session, theirs, "李四")
    names = {c["name"] for c in caller.get("/api/v1/contacts").get_json()["items"]}
    assert "张三" in names and "李四" not in names
    assert caller.get(f"/api/v1/contacts/{hidden.id}").status_code == 404
    assert caller.get(f"/api/v1/contacts/{visible.id}").get_json()["company_id"] == mine.id
    assert caller.get(f"/api/v1/companies/{theirs.id}/contacts").status_code == 404
    assert caller.post("/api/v1/contacts", {"company_id": theirs.id, "name": "王五"}).status_code == 404
    assert caller.delete(f"/api/v1/contacts/{hidden.id}").status_code == 404
    listed = caller.get(f"/api/v1/companies/{mine.id}/contacts").get_json()
    assert [c["name"] for c in listed["items"]] == ["张三"]


def test_create_normalises_phones_and_is_audited(session, api_as):
    company = factories.company(session, "上海联系人有限公司")
    caller = api_as("telesales")
    response = caller.post("/api/v1/contacts", {
        "company_id": company.id, "name": "王伟", "title": "市场经理",
        "mobile": "138 1234 5678", "landline": "021-62345678 转 8001", "email": "Wang@Example.com"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["mobile_e164"] == "+8613812345678"
    assert body["landline_e164"] == "+862162345678" and body["landline_ext"] == "8001"
    assert body["company_name"] == "上海联系人有限公司"
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "contacts", AuditEntry.entity_id == body["id"])).one()
    assert entry.user_id == caller.user.id and entry.company_id == company.id
    again = caller.post("/api/v1/contacts", {"company_id": company.id, "name": "王伟二",
                                             "mobile": "+86 13812345678"})
    assert again.status_code == 409 and again.get_json()["field"] == "mobile"


def test_bad_phone_and_missing_name_are_422(session, api_as):
    company = factories.company(session)
    caller = api_as("admin")
    bad = caller.post("/api/v1/contacts", {"company_id": company.id, "name": "赵六", "mobile": "abc"})
    assert bad.status_code == 422 and "mobile" in bad.get_json()["errors"]
    nameless = caller.post("/api/v1/contacts", {"company_id": company.id})
    assert nameless.status_code == 422 and nameless.get_json()["field"] == "name"


def test_patch_with_version_and_delete(session, api_as):
    company = factories.company(session)
    contact = factories.contact(session, company, "孙七")
    caller = api_as("execution_supervisor")
    patched = caller.patch(f"/api/v1/contacts/{contact.id}",
                           {"title": "总经理", "version": contact.version})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "总经理" and patched.get_json()["name"] == "孙七"
    stale = caller.patch(f"/api/v1/contacts/{contact.id}", {"title": "董事长", "version": 1})
    assert stale.status_code == 409
    assert caller.delete(f"/api/v1/contacts/{contact.id}?version=1").status_code == 409
    assert caller.delete(f"/api/v1/contacts/{contact.id}").status_code == 204
    assert session.scalar(select(Contact.id).where(Contact.id == contact.id)) is None


def test_designer_may_read_but_not_edit_contacts(session, api_as):
    company = factories.company(session)
    contact = factories.contact(session, company, "周八")
    caller = api_as("designer")
    assert caller.get(f"/api/v1/contacts/{contact.id}").status_code == 200
    assert caller.patch(f"/api/v1/contacts/{contact.id}",
                        {"title": "x", "version": contact.version}).status_code == 403
