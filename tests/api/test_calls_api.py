"""The call queue and leads through /api/v1: claim, log, assign, accept, and bad input."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from crm.models import Call, CallItem, Lead
from crm.services import leads
from tests import factories


@pytest.fixture()
def queue(session):
    factories.call_outcomes(session)
    companies = [factories.company(session, f"接口呼叫{i}有限公司", phones=[f"021-6200000{i}"])
                 for i in range(2)]
    return factories.call_list(session, companies), companies


@pytest.fixture()
def tele(api_as, queue):
    return api_as("telesales")


def _claim(caller):
    response = caller.post("/api/v1/calls/claims", {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_outcomes_queue_claim_and_log(tele, queue, session):
    outcomes = tele.get("/api/v1/calls/outcomes").get_json()
    assert [(o["code"], o["hotkey"]) for o in outcomes][:2] == [
        ("meeting_possible", "1"), ("requirements_sent", "2")]
    claim = _claim(tele)
    assert claim["company_name"] == "接口呼叫0有限公司" and claim["attempt"] == 1
    assert _claim(tele)["item_id"] == claim["item_id"]  # a double-clicked "next call"
    queue_now = tele.get("/api/v1/calls/queue").get_json()
    assert queue_now["current"]["item_id"] == claim["item_id"] and queue_now["waiting"] == 1
    response = tele.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome",
                         {"outcome": "meeting_possible", "note": "周三面洽", "attempt": 1})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["call"]["outcome"] == "meeting_possible" and body["item_status"] == "done"
    lead = session.get(Lead, body["lead_id"])
    assert (lead.source, lead.bucket, lead.created_by_id) == ("telesales", "meeting", tele.user.id)


def test_empty_queue_is_204(tele, queue, session):
    for item in session.scalars(select(CallItem)):
        item.status = "done"
    session.flush()
    assert tele.post("/api/v1/calls/claims", {}).status_code == 204


def test_missing_outcome_names_the_field(tele):
    claim = _claim(tele)
    response = tele.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome", {"note": "没说结果"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "outcome"
    response = tele.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome", {"outcome": "call_back"})
    assert (response.status_code, response.get_json()["field"]) == (422, "callback_at")
    naive = tele.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome",
                      {"outcome": "call_back", "callback_at": "2030-01-01T10:00:00"})
    assert (naive.status_code, naive.get_json()["field"]) == (422, "callback_at")


def test_double_submit_is_409_and_records_once(tele, session):
    claim = _claim(tele)
    url = f"/api/v1/calls/claims/{claim['item_id']}/outcome"
    assert tele.post(url, {"outcome": "not_interested", "attempt": 1}).status_code == 201
    again = tele.post(url, {"outcome": "not_interested", "attempt": 1})
    assert (again.status_code, again.get_json()["code"]) == (409, "already_logged")
    assert session.scalar(select(func.count(Call.id))) == 1


def test_expired_claim_is_409(tele, session):
    claim = _claim(tele)
    item = session.get(CallItem, claim["item_id"])
    item.claim_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    session.flush()
    response = tele.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome", {"outcome": "busy"})
    assert (response.status_code, response.get_json()["code"]) == (409, "claim_expired")
    assert session.scalar(select(func.count(Call.id))) == 0


def test_someone_elses_claim_is_403(tele, api_as, session):
    claim = _claim(tele)
    other = api_as("telesales")
    response = other.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome",
                          {"outcome": "not_interested"})
    assert (response.status_code, response.get_json()["code"]) == (403, "not_yours")
    assert other.post(f"/api/v1/calls/claims/{claim['item_id']}/release").status_code == 403
    assert tele.post(f"/api/v1/calls/claims/{claim['item_id']}/release").status_code == 204


def test_designers_cannot_use_the_queue(api_as, queue):
    designer = api_as("designer")
    assert designer.post("/api/v1/calls/claims", {}).status_code == 403
    assert designer.get("/api/v1/calls/queue").status_code == 403


@pytest.fixture()
def lead_setup(session, api_as, make_user):
    from crm.services import workdays

    workdays.seed_calendar(session)
    tele_user = make_user("telesales")
    company = factories.company(session, "接口线索有限公司")
    lead = leads.open_lead(session, company.id, source="telesales", by=tele_user,
                           auto_assign=False).lead
    return {"lead": lead, "sup": api_as("market_supervisor"),
            "executor": api_as("executor", display_name="刘洋"),
            "absent": api_as("executor", display_name="陈伟"),
            "designer": make_user("designer")}


def test_assign_and_accept(lead_setup, session):
    lead, sup, executor = lead_setup["lead"], lead_setup["sup"], lead_setup["executor"]
    response = sup.post(f"/api/v1/leads/{lead.id}/assign",
                        {"executor_id": executor.user.id, "reason": "熟悉该行业"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["executor_id"]) == ("assigned", executor.user.id)
    assert body["accept_by"] is not None
    mine = executor.get("/api/v1/leads").get_json()
    assert [row["id"] for row in mine["items"]] == [lead.id]
    accepted = executor.post(f"/api/v1/leads/{lead.id}/accept")
    assert (accepted.status_code, accepted.get_json()["status"]) == (200, "accepted")
    assert sup.get(f"/api/v1/leads/{lead.id}").get_json()["status"] == "accepted"


def test_assigning_to_an_absent_or_non_executor_is_422_naming_the_field(lead_setup, session):
    lead, sup = lead_setup["lead"], lead_setup["sup"]
    absent = lead_setup["absent"].user
    today = date.today()
    leads.add_absence(session, absent, absent, today - timedelta(days=1), today + timedelta(days=10))
    response = sup.post(f"/api/v1/leads/{lead.id}/assign", {"executor_id": absent.id})
    body = response.get_json()
    assert (response.status_code, body["field"], body["code"]) == (422, "executor_id", "executor_absent")
    assert "陈伟" in body["message"]
    wrong = sup.post(f"/api/v1/leads/{lead.id}/assign", {"executor_id": lead_setup["designer"].id})
    assert (wrong.status_code, wrong.get_json()["code"]) == (422, "not_executor")
    missing = sup.post(f"/api/v1/leads/{lead.id}/assign", {"reason": "忘了选人"})
    assert (missing.status_code, missing.get_json()["field"]) == (422, "executor_id")
    assert session.get(Lead, lead.id).status == "open"


def test_only_supervisors_assign_and_only_the_assignee_accepts(lead_setup):
    lead, executor = lead_setup["lead"], lead_setup["executor"]
    assert executor.post(f"/api/v1/leads/{lead.id}/assign",
                         {"executor_id": executor.user.id}).status_code == 403
    lead_setup["sup"].post(f"/api/v1/leads/{lead.id}/assign", {"executor_id": executor.user.id})
    # Another executor cannot even see the lead.
    assert lead_setup["absent"].post(f"/api/v1/leads/{lead.id}/accept").status_code == 404


def test_the_openapi_document_has_the_queue_and_leads(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/calls/queue", "/api/v1/calls/claims",
                 "/api/v1/calls/claims/{item_id}/outcome", "/api/v1/leads",
                 "/api/v1/leads/{lead_id}/assign", "/api/v1/leads/{lead_id}/accept"):
        assert path in paths
    assert "204" in paths["/api/v1/calls/claims"]["post"]["responses"]
