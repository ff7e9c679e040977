"""Companies through the API: the pages' roles and rows, audit, versions, validation."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import AuditEntry, Company
from tests import factories


def test_executor_sees_own_and_unassigned_but_not_a_colleagues_client(session, api_as, make_user):
    caller = api_as("executor")
    colleague = make_user("executor")
    mine = factories.company(session, "上海甲展览有限公司", owner_id=caller.user.id)
    free = factories.company(session, "上海乙展览有限公司")
    theirs = factories.company(session, "上海丙展览有限公司", owner_id=colleague.id)
    body = caller.get("/api/v1/companies?per_page=500").get_json()
    ids = {c["id"] for c in body["items"]}
    assert {mine.id, free.id} <= ids and theirs.id not in ids
    assert caller.get(f"/api/v1/companies/{theirs.id}").status_code == 404
    assert caller.get(f"/api/v1/companies/{theirs.id}/contacts").status_code == 404
    assert caller.get(f"/api/v1/companies/{theirs.id}/participations").status_code == 404
    assert caller.patch(f"/api/v1/companies/{theirs.id}",
                        {"name_en": "X", "version": theirs.version}).status_code == 404
    shown = caller.get(f"/api/v1/companies/{mine.id}").get_json()
    assert shown["name_zh"] == "上海甲展览有限公司" and shown["owner_id"] == caller.user.id


def test_list_searches_by_pinyin_and_paginates(session, api_as):
    factories.company(session, "青岛海尔股份有限公司", name_en="Haier Group")
    factories.company(session, "上海电气集团有限公司")
    caller = api_as("general_manager")
    body = caller.get("/api/v1/companies", query_string={"q": "haier"}).get_json()
    assert [c["name_zh"] for c in body["items"]] == ["青岛海尔股份有限公司"]
    assert body["items"][0]["kinds"] == ["exhibitor"]
    page = caller.get("/api/v1/companies?per_page=1&page=2").get_json()
    assert page["page"] == 2 and page["per_page"] == 1 and len(page["items"]) == 1
    assert page["total"] >= 2 and page["pages"] >= 2


def test_finance_may_read_but_not_create(api_as):
    caller = api_as("finance")
    assert caller.get("/api/v1/companies").status_code == 200
    response = caller.post("/api/v1/companies", {"name_zh": "上海财务不能建有限公司"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_create_is_audited_as_the_tokens_user(session, api_as):
    caller = api_as("telesales")
    response = caller.post("/api/v1/companies", {
        "name_zh": "深圳新建展示有限公司", "name_en": "Shenzhen Xinjian Display Co., Ltd.",
        "phones": ["0755-88886666 转 801"], "emails": ["info@xinjian.example.com"],
        "kinds": ["exhibitor", "agent"], "website": "https://www.xinjian.example.com/"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phones"][0]["e164"] == "+8675588886666" and body["phones"][0]["extension"] == "801"
    assert body["website_domain"] == "xinjian.example.com"
    assert sorted(body["kinds"]) == ["agent", "exhibitor"]
    assert {a["name"] for a in body["aliases"]} >= {"深圳新建展示有限公司"}
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "companies", AuditEntry.entity_id == body["id"])).one()
    assert entry.action == "create" and entry.user_id == caller.user.id


def test_only_supervisors_choose_an_owner(api_as, make_user):
    someone = make_user("executor")
    assert api_as("telesales").post("/api/v1/companies", {
        "name_zh": "上海越权有限公司", "owner_id": someone.id}).status_code == 403
    created = api_as("market_supervisor").post("/api/v1/companies", {
        "name_zh": "上海分配有限公司", "owner_id": someone.id})
    assert created.status_code == 201 and created.get_json()["owner_id"] == someone.id
    executor = api_as("executor")
    own = executor.post("/api/v1/companies", {"name_zh": "上海自己的有限公司"}).get_json()
    assert own["owner_id"] == executor.user.id


def test_patch_applies_given_fields_and_stale_version_is_409(session, api_as):
    company = factories.company(session, "北京旧名展览有限公司", city="北京")
    caller = api_as("market_supervisor")
    first = caller.patch(f"/api/v1/companies/{company.id}",
                         {"name_zh": "北京新名展览有限公司", "version": company.version})
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["name_zh"] == "北京新名展览有限公司" and body["city"] == "北京"
    assert body["version"] == 2
    stale = caller.patch(f"/api/v1/companies/{company.id}", {"city": "天津", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale"
    session.refresh(company)
    assert company.city == "北京"
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "companies", AuditEntry.entity_id == company.id,
        AuditEntry.action == "update")).one()
    assert entry.user_id == caller.user.id
    assert entry.after["name_zh"] == "北京新名展览有限公司"


def test_patch_needs_a_version(session, api_as):
    company = factories.company(session)
    response = api_as("admin").patch(f"/api/v1/companies/{company.id}", {"city": "上海"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "version"


def test_wrong_types_and_unknown_fields_are_422_naming_the_field(api_as):
    caller = api_as("admin")
    wrong = caller.post("/api/v1/companies", {"name_zh": 42})
    assert wrong.status_code == 422
    body = wrong.get_json()
    assert body["code"] == "validation" and body["field"] == "name_zh"
    assert "name_zh" in body["errors"]
    unknown = caller.post("/api/v1/companies", {"name_zh": "上海多字段有限公司", "colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    nested = caller.post("/api/v1/companies", {"name_zh": "上海列表有限公司", "phones": [1]})
    assert nested.status_code == 422 and "phones.0" in nested.get_json()["errors"]
    flag = caller.post("/api/v1/companies", {"name_zh": "上海布尔有限公司", "industry_id": True})
    assert flag.status_code == 422 and flag.get_json()["field"] == "industry_id"


def test_service_rules_are_422_naming_the_field(api_as):
    caller = api_as("admin")
    response = caller.post("/api/v1/companies", {
        "name_zh": "深圳测试科技有限公司", "credit_code": "91310000123456789X"})
    assert response.status_code == 422
    assert "credit_code" in response.get_json()["errors"]
    nameless = caller.post("/api/v1/companies", {"city": "上海"})
    assert nameless.status_code == 422 and "name_zh" in nameless.get_json()["errors"]
    no_industry = caller.post("/api/v1/companies", {"name_zh": "上海无行业有限公司",
                                                   "industry_id": 2_000_000_000})
    assert no_industry.status_code == 422 and "industry_id" in no_industry.get_json()["errors"]


def test_hostile_input_is_refused_without_a_server_error(api_as):
    caller = api_as("admin")
    nul = caller.post("/api/v1/companies", {"name_zh": "上海\x00有限公司"})
    assert nul.status_code == 422 and nul.get_json()["field"] == "name_zh"
    assert caller.post("/api/v1/companies", {"name_zh": "长" * 301}).status_code == 422
    assert caller.get("/api/v1/companies/99999999999999999999").status_code == 404
    assert caller.get("/api/v1/companies?page=99999999999999999999").status_code == 422
    assert caller.get("/api/v1/companies?q=%00").status_code == 422
    assert caller.get("/api/v1/companies", query_string={"q": "\U0010ffff"}).status_code == 200
    assert caller.get("/api/v1/companies", query_string={"q": "a\ud7ff"}).status_code == 200
    bad_json = caller.client.post("/api/v1/companies", data="{not json",
                                  headers={**caller.headers, "Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.get_json()["code"]
    assert caller.post("/api/v1/companies", ["a list"]).status_code == 422
    site = caller.post("/api/v1/companies", {"name_zh": "上海网址有限公司", "website": "http://["})
    assert site.status_code == 422 and "website" in site.get_json()["errors"]
    long_host = caller.post("/api/v1/companies", {"name_zh": "上海长域名有限公司", "website": "0" * 300})
    assert long_host.status_code == 422 and "website" in long_host.get_json()["errors"]
    long_ext = caller.post("/api/v1/companies", {"name_zh": "上海长分机有限公司",
                                                 "phones": ["021-62345678 ext. 12345678901"]})
    assert long_ext.status_code == 422 and "phones" in long_ext.get_json()["errors"]


def test_delete_only_for_management_and_audited(session, api_as):
    company = factories.company(session, "上海将删除有限公司", phones=["021-66668888"])
    factories.contact(session, company, "李娜")
    company_id = company.id
    assert api_as("market_supervisor").delete(f"/api/v1/companies/{company_id}").status_code == 403
    boss = api_as("general_manager")
    assert boss.delete(f"/api/v1/companies/{company_id}").status_code == 204
    assert session.scalar(select(Company.id).where(Company.id == company_id)) is None
    actions = {(e.entity, e.action) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.company_id == company_id,
                                 AuditEntry.user_id == boss.user.id))}
    assert {("companies", "delete"), ("contacts", "delete")} <= actions
    assert boss.get(f"/api/v1/companies/{company_id}").status_code == 404


def test_delete_refuses_a_company_still_organising_a_show(session, api_as):
    organizer = factories.company(session, "上海主办有限公司")
    factories.exhibition(session, organizer_id=organizer.id)
    response = api_as("admin").delete(f"/api/v1/companies/{organizer.id}")
    assert response.status_code == 409, response.get_json()
    assert session.scalar(select(Company.id).where(Company.id == organizer.id)) == organizer.id
