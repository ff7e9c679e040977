"""Materials and field-intelligence pages: record sending, hand over, submit, review."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crm.models import FieldIntel, Lead, StoredFile
from tests import factories

PDF = b"%PDF-1.7\n%floor plan\n"


@pytest.fixture()
def people(session):
    return {"tele": factories.user(session, "telesales", "tele1"),
            "exec1": factories.user(session, "executor", "exec1"),
            "mkt": factories.user(session, "market_supervisor", "mkt1")}


def test_telesales_record_a_sent_pack(session, client, login, people):
    task = factories.mailing_task(session, factories.company(session, "寄资料有限公司"),
                                  assignee=people["tele"])
    login(people["tele"])
    assert f'data-mailing="{task.id}"' in client.get("/materials/").get_data(as_text=True)
    bad = client.post(f"/materials/{task.id}/sent", data={"sent-method": "pigeon",
                                                          "sent-tracking_no": "SF1"})
    assert bad.status_code == 422 and 'value="SF1"' in bad.get_data(as_text=True)
    ok = client.post(f"/materials/{task.id}/sent", data={
        "sent-method": "courier", "sent-tracking_no": "SF1234567890",
        "sent-content": "公司画册"})
    assert ok.status_code == 303
    session.expire_all()
    assert (task.status, task.tracking_no) == ("sent", "SF1234567890")
    assert client.post(f"/materials/{task.id}/follow-up",
                       data={"fu-follow_up_note": "已收到"}).status_code == 303


def test_supervisor_hands_a_targeted_task_over(session, client, login, people):
    task = factories.mailing_task(session, factories.company(session), kind="targeted")
    login(people["tele"])
    assert client.get(f"/materials/{task.id}").status_code == 404  # not theirs
    client.post("/logout")
    login(people["mkt"])
    assert f'data-mailing="{task.id}"' in client.get("/materials/?view=unassigned").get_data(as_text=True)
    response = client.post(f"/materials/{task.id}/hand",
                           data={"hand-assignee_id": str(people["exec1"].id)})
    assert response.status_code == 303
    session.expire_all()
    assert task.assignee_id == people["exec1"].id


def test_executor_submits_and_market_expansion_reviews(session, client, login, people, app,
                                                       tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    show = factories.exhibition(session)
    login(people["exec1"])
    refused = client.post("/intel/new", data={
        "kind": "floor_plan", "title": "W3 馆平面图", "exhibition_id": str(show.id),
        "files": [(io.BytesIO(b"MZ\x90\x00exe"), "plan.exe")]}, content_type="multipart/form-data")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "plan.exe" in body and 'value="W3 馆平面图"' in body
    assert session.scalar(select(func.count(StoredFile.id))) == 0
    ok = client.post("/intel/new", data={
        "kind": "floor_plan", "title": "W3 馆平面图", "exhibition_id": str(show.id),
        "files": [(io.BytesIO(PDF), "W3.pdf")]}, content_type="multipart/form-data")
    assert ok.status_code == 303
    intel = session.scalars(select(FieldIntel)).one()
    client.post("/logout")
    login(people["tele"])
    inbox = client.get("/intel/").get_data(as_text=True)
    assert f'data-intel="{intel.id}"' in inbox and "Exec1" in inbox  # from whom
    file_id = intel.files[0].file_id
    assert client.get(f"/intel/{intel.id}/files/{file_id}").data == PDF
    assert client.post(f"/intel/{intel.id}/review",
                       data={"review-status": "used", "review-review_note": "已导入"}).status_code == 303
    session.expire_all()
    assert intel.status == "used"


def test_key_client_flagged_from_the_names(session, client, login, people):
    known = factories.company(session, "上海汽轮机厂有限公司")
    login(people["exec1"])
    client.post("/intel/new", data={"kind": "key_clients", "title": "大客户",
                                    "company_names": "上海汽轮机厂有限公司"},
                content_type="multipart/form-data")
    intel = session.scalars(select(FieldIntel)).one()
    client.post("/logout")
    login(people["mkt"])
    page = client.get(f"/intel/{intel.id}").get_data(as_text=True)
    assert f'name="flag-company_id" value="{known.id}"' in page
    assert client.post(f"/intel/{intel.id}/flag",
                       data={"flag-company_id": str(known.id)}).status_code == 303
    session.expire_all()
    assert known.is_key_client


def test_other_channel_client_registration(session, client, login, people):
    company = factories.company(session)
    login(people["exec1"])
    response = client.post("/intel/other-channel", data={"company_id": str(company.id),
                                                         "note": "朋友介绍"})
    assert response.status_code == 303
    lead = session.scalars(select(Lead)).one()
    assert (lead.source, lead.executor_id) == ("other_channel", people["exec1"].id)


def test_management_reads_every_mailing_and_designers_none(session, client, login, people):
    task = factories.mailing_task(session, factories.company(session), assignee=people["tele"])
    login(factories.user(session, "general_manager", "gm1"))
    assert f'data-mailing="{task.id}"' in client.get("/materials/").get_data(as_text=True)
    client.post("/logout")
    login(factories.user(session, "designer", "design1"))
    assert client.get("/materials/").status_code == 403
