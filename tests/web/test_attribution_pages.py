"""New/old attribution on the company page: evidence, GM override with a reason, cooperations."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.db import utcnow
from crm.models import AuditEntry, ClientAttribution, Cooperation
from crm.services import leads, workdays
from tests import factories


@pytest.fixture()
def world(session, make_user):
    workdays.seed_calendar(session)
    sup = make_user("execution_supervisor", "execlead1")
    a = make_user("executor", "exec1", display_name="刘洋")
    b = make_user("executor", "exec2", display_name="陈伟")
    company = factories.company(session, "宁波甲机械有限公司")
    factories.cooperation(session, company, date(2024, 9, 10), reference="HT-2024-0917",
                          created_at=utcnow() - timedelta(days=400))
    lead = leads.register_client(session, a, company.id, "self_developed").lead
    leads.record_contact(session, company, a, "visit", utcnow() - timedelta(hours=1))
    row = session.scalars(select(ClientAttribution)).one()
    return {"sup": sup, "a": a, "b": b, "company": company, "lead": lead, "row": row,
            "gm": make_user("general_manager", "gm1", display_name="总经理"),
            "fin": make_user("finance", "fin1")}


def test_company_page_shows_the_locked_attribution_and_its_evidence(world, login, client):
    login(world["a"])
    body = client.get(f"/companies/{world['company'].id}").get_data(as_text=True)
    assert f'data-attribution="{world["row"].id}"' in body
    assert "Old client" in body and "HT-2024-0917" in body and "Visit" in body
    assert "🔒" in body
    assert f'data-open-lead="{world["lead"].id}"' in body
    assert "data-override=" not in body  # only the GM sees the change form


def test_another_executor_does_not_see_someone_elses_attribution(world, session, login, client):
    # exec2 has no lead and the company is exec1's client: it is hidden entirely.
    login(world["b"])
    assert client.get(f"/companies/{world['company'].id}").status_code == 404


def test_gm_override_requires_a_reason_and_is_audited(world, session, login, client):
    row = world["row"]
    login(world["gm"])
    page = client.get(f"/companies/{world['company'].id}").get_data(as_text=True)
    assert f'data-override="{row.id}"' in page
    response = client.post(f"/leads/attributions/{row.id}/override", data={
        "override-classification": "new", "override-reason": "  "}, follow_redirects=True)
    assert "Give the reason for the change." in response.get_data(as_text=True)
    session.refresh(row)
    assert (row.classification, row.overridden_by_id) == ("old", None)
    response = client.post(f"/leads/attributions/{row.id}/override", data={
        "override-classification": "new", "override-source": "inbound",
        "override-reason": "2024年合同是集团另一子公司签的"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "audit log" in body and "data-overridden" in body
    session.refresh(row)
    assert (row.classification, row.source, row.original_classification) == ("new", "inbound", "old")
    assert row.override_reason == "2024年合同是集团另一子公司签的"
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "client_attributions", AuditEntry.entity_id == row.id,
        AuditEntry.action == "override")).one()
    assert entry.user_id == world["gm"].id
    assert entry.before["classification"] == "old"
    assert entry.after["reason"] == "2024年合同是集团另一子公司签的"


@pytest.mark.parametrize("role", ["execution_supervisor", "finance", "executor"])
def test_only_the_gm_may_override(world, session, login, client, make_user, role):
    user = {"execution_supervisor": world["sup"], "finance": world["fin"],
            "executor": world["a"]}[role]
    login(user)
    response = client.post(f"/leads/attributions/{world['row'].id}/override", data={
        "override-classification": "new", "override-reason": "我觉得是新客户"})
    assert response.status_code == 403
    session.refresh(world["row"])
    assert world["row"].classification == "old"


def test_cooperation_added_by_finance_and_refused_to_executors(world, session, login, client, app):
    login(world["fin"])
    page = client.get(f"/companies/{world['company'].id}").get_data(as_text=True)
    assert 'id="cooperation-form"' in page
    response = client.post(f"/leads/companies/{world['company'].id}/cooperations", data={
        "coop-kind": "contract", "coop-amount": "1000"}, follow_redirects=True)
    assert "Give the date." in response.get_data(as_text=True)
    response = client.post(f"/leads/companies/{world['company'].id}/cooperations", data={
        "coop-kind": "project", "coop-signed_on": "2026-03-02", "coop-amount": "350000.50",
        "coop-reference": "HT-2026-0302"}, follow_redirects=True)
    assert "Cooperation recorded." in response.get_data(as_text=True)
    row = session.scalars(select(Cooperation).where(Cooperation.reference == "HT-2026-0302")).one()
    assert (row.kind, str(row.amount), row.created_by_id) == ("project", "350000.50", world["fin"].id)
    assert session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "cooperations", AuditEntry.entity_id == row.id)).one().action == "create"
    # The attribution stays as it was decided: later business never re-decides it.
    session.refresh(world["row"])
    assert world["row"].classification == "old"
    executor = login(world["a"], c=app.test_client())
    assert 'id="cooperation-form"' not in executor.get(
        f"/companies/{world['company'].id}").get_data(as_text=True)
    assert executor.post(f"/leads/companies/{world['company'].id}/cooperations", data={
        "coop-kind": "contract", "coop-signed_on": "2026-03-02"}).status_code == 403


def test_override_needs_csrf(world, session, csrf_app):
    c = csrf_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    assert c.post("/login", data={"username": "gm1", "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    url = f"/leads/attributions/{world['row'].id}/override"
    data = {"override-classification": "new", "override-reason": "集团子公司"}
    c.post(url, data=data)
    session.refresh(world["row"])
    assert world["row"].classification == "old"
    page = c.get(f"/companies/{world['company'].id}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert c.post(url, data=dict(data, **{"override-csrf_token": token})).status_code == 303
    session.refresh(world["row"])
    assert world["row"].classification == "new"


def test_cooperations_of_a_merged_company_show_on_the_survivor(session, make_user, login, client):
    from crm.services import merging

    survivor = factories.company(session, "宁波乙机械有限公司")
    twin = factories.company(session, "宁波乙机械设备有限公司")
    factories.cooperation(session, twin, date(2023, 5, 6), reference="HT-2023-0506")
    merging.merge(session, survivor.id, twin.id)
    login(make_user("general_manager"))
    page = client.get(f"/companies/{survivor.id}").get_data(as_text=True)
    assert "HT-2023-0506" in page
    quiet = factories.company(session, "宁波丙机械有限公司")
    page = client.get(f"/companies/{quiet.id}").get_data(as_text=True)
    assert "HT-2023-0506" not in page and 'id="attribution"' in page
