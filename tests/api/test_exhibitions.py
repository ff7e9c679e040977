"""Shows and participations through the API."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import AuditEntry, Participation
from tests import factories


def test_create_show_and_refuse_the_same_name_and_year(api_as):
    caller = api_as("telesales")
    response = caller.post("/api/v1/exhibitions", {
        "name_zh": "中国国际汽车展览会", "starts_on": "2026-04-24", "ends_on": "2026-05-03",
        "city": "北京", "value_rating": "A"})
    assert response.status_code == 201, response.get_json()
    show = response.get_json()
    assert show["year"] == 2026 and show["ends_on"] == "2026-05-03"
    again = caller.post("/api/v1/exhibitions", {"name_zh": "中国国际汽车展览会", "year": 2026})
    assert again.status_code == 409
    assert f"#{show['id']}" in again.get_json()["message"]
    assert again.get_json()["field"] == "name_zh"


def test_show_dates_and_types_are_checked(api_as):
    caller = api_as("admin")
    backwards = caller.post("/api/v1/exhibitions", {
        "name_zh": "倒序展", "starts_on": "2026-05-03", "ends_on": "2026-04-24"})
    assert backwards.status_code == 422 and "ends_on" in backwards.get_json()["errors"]
    bad_date = caller.post("/api/v1/exhibitions", {"name_zh": "坏日期展", "starts_on": "2026-02-30"})
    assert bad_date.status_code == 422 and bad_date.get_json()["field"] == "starts_on"
    text_year = caller.post("/api/v1/exhibitions", {"name_zh": "文字年份展", "year": "2026"})
    assert text_year.status_code == 422 and text_year.get_json()["field"] == "year"


def test_every_role_reads_shows_but_only_intelligence_edits(session, api_as):
    show = factories.exhibition(session, "上海国际广告展", 2026)
    executor = api_as("executor")
    assert executor.get(f"/api/v1/exhibitions/{show.id}").get_json()["name_zh"] == "上海国际广告展"
    assert executor.get("/api/v1/exhibitions?year=2026").get_json()["total"] >= 1
    assert executor.post("/api/v1/exhibitions", {"name_zh": "执行不能建", "year": 2026}).status_code == 403
    supervisor = api_as("market_supervisor")
    patched = supervisor.patch(f"/api/v1/exhibitions/{show.id}",
                               {"city": "上海", "version": show.version})
    assert patched.status_code == 200 and patched.get_json()["city"] == "上海"
    assert supervisor.patch(f"/api/v1/exhibitions/{show.id}",
                            {"city": "北京", "version": show.version}).status_code == 409


def test_participations_follow_company_visibility(session, api_as, make_user):
    caller = api_as("executor")
    colleague = make_user("executor")
    show = factories.exhibition(session, "深圳国际电子展", 2026)
    mine = factories.company(session, "深圳我的参展商有限公司", owner_id=caller.user.id)
    theirs = factories.company(session, "深圳别人的参展商有限公司", owner_id=colleague.id)
    seen = factories.participation(session, mine, show, booth_no="1A01")
    hidden = factories.participation(session, theirs, show, booth_no="1A02")
    listed = caller.get(f"/api/v1/exhibitions/{show.id}/participations").get_json()
    assert [p["booth_no"] for p in listed["items"]] == ["1A01"]
    by_query = caller.get(f"/api/v1/participations?exhibition_id={show.id}").get_json()
    assert [p["id"] for p in by_query["items"]] == [seen.id]
    assert caller.get(f"/api/v1/participations/{hidden.id}").status_code == 404
    own = caller.get(f"/api/v1/companies/{mine.id}/participations").get_json()
    assert own["items"][0]["exhibition_name"] == "2026 深圳国际电子展"


def test_participation_create_patch_delete_with_rules_and_audit(session, api_as):
    show = factories.exhibition(session, "广州国际照明展", 2026)
    company = factories.company(session, "广州灯具有限公司")
    caller = api_as("telesales")
    created = caller.post("/api/v1/participations", {
        "exhibition_id": show.id, "company_id": company.id, "booth_no": "5.1B20",
        "hall": "5.1", "area_m2": 54, "booth_type": "special", "origin": "domestic"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["area_m2"] == "54.00" and body["booth_type"] == "special"
    duplicate = caller.post("/api/v1/participations", {
        "exhibition_id": show.id, "company_id": company.id, "booth_no": "5.1B20"})
    assert duplicate.status_code == 409
    negative = caller.post("/api/v1/participations", {
        "exhibition_id": show.id, "company_id": company.id, "area_m2": -1})
    assert negative.status_code == 422 and negative.get_json()["field"] == "area_m2"
    wrong_type = caller.post("/api/v1/participations", {
        "exhibition_id": show.id, "company_id": company.id, "booth_type": "tent"})
    assert wrong_type.status_code == 422 and wrong_type.get_json()["field"] == "booth_type"
    no_show = caller.post("/api/v1/participations", {"exhibition_id": 2_000_000_000,
                                                     "company_id": company.id})
    assert no_show.status_code == 422 and no_show.get_json()["field"] == "exhibition_id"

    patched = caller.patch(f"/api/v1/participations/{body['id']}",
                           {"area_m2": "72.5", "version": body["version"]})
    assert patched.status_code == 200 and patched.get_json()["area_m2"] == "72.50"
    assert patched.get_json()["booth_no"] == "5.1B20"
    assert caller.patch(f"/api/v1/participations/{body['id']}",
                        {"hall": "6.1", "version": body["version"]}).status_code == 409

    assert api_as("executor").delete(f"/api/v1/participations/{body['id']}").status_code == 403
    assert caller.delete(f"/api/v1/participations/{body['id']}").status_code == 204
    assert session.scalar(select(Participation.id).where(Participation.id == body["id"])) is None
    actions = [e.action for e in session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "participations",
                                 AuditEntry.entity_id == body["id"]).order_by(AuditEntry.id))]
    assert actions == ["create", "update", "delete"]
