"""Design-request pages: open with files, the designers' queue, delivery, the missed nag."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.models import DesignRequest, StoredFile
from crm.services import design_requests as dr
from crm.services import workdays
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%proposal\n"


@pytest.fixture()
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    app.config["UPLOAD_MAX_FILE_BYTES"] = 4096
    return tmp_path


@pytest.fixture()
def people(session):
    return {"exec1": factories.user(session, "executor", "exec1"),
            "exec2": factories.user(session, "executor", "exec2"),
            "design1": factories.user(session, "designer", "design1"),
            "tele": factories.user(session, "telesales", "tele1")}


def _today():
    return workdays.local_date(utcnow())


def _form(company, **kw):
    data = {"company_id": str(company.id), "brief": "两面开口，突出新品发布区",
            "due_on": (_today() + timedelta(days=5)).isoformat(), "budget_min": "150000",
            "budget_max": "220000", "booth_area_m2": "108", "booth_size": "9m × 12m"}
    data.update(kw)
    return data


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_executor_opens_a_request_and_the_designer_delivers(session, client, login, people,
                                                            uploads):
    company = factories.company(session, "上海星辰科技有限公司")
    login(people["exec1"])
    assert client.get("/design/new").status_code == 200
    data = _form(company, files=[(io.BytesIO(PNG), "平面图.png")])
    response = client.post("/design/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    req = session.scalars(select(DesignRequest)).one()
    assert req.executor_id == people["exec1"].id and len(req.files) == 1
    assert response.headers["Location"].endswith(f"/design/{req.id}")
    client.post("/logout")

    c2 = login(people["design1"])
    queue = c2.get("/design/").get_data(as_text=True)
    assert f'data-request="{req.id}"' in queue
    assert c2.post(f"/design/{req.id}/take").status_code == 303
    no_file = c2.post(f"/design/{req.id}/deliver", data={"deliver-note": "初稿"},
                      content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Attach at least one file" in no_file.get_data(as_text=True)
    done = c2.post(f"/design/{req.id}/deliver",
                   data={"deliver-note": "初稿", "deliver-files": [(io.BytesIO(PDF), "方案v1.pdf")]},
                   content_type="multipart/form-data")
    assert done.status_code == 303
    session.expire_all()
    assert req.status == "delivered" and [p.number for p in req.proposals] == [1]
    client.post("/logout")

    login(people["exec1"])
    page = client.get(f"/design/{req.id}").get_data(as_text=True)
    file_id = req.proposals[0].files[0].file_id
    assert "方案v1.pdf" in page and f"/design/{req.id}/files/{file_id}" in page
    download = client.get(f"/design/{req.id}/files/{file_id}")
    assert download.status_code == 200 and download.data == PDF


@pytest.mark.parametrize(("upload", "message"), [
    ((b"MZ\x90\x00 not a drawing", "virus.exe"), "is not a kind of file this form takes"),
    ((PNG + b"\x00" * 8192, "huge.png"), "is larger than"),
])
def test_a_refused_upload_keeps_the_form_and_stores_nothing(session, client, login, people,
                                                            uploads, upload, message):
    company = factories.company(session)
    login(people["exec1"])
    content, name = upload
    response = client.post("/design/new", data=_form(company, files=[(io.BytesIO(content), name)]),
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-field="files">[^<]*' + re.escape(name) + r"[^<]*" + message, body)
    assert "两面开口，突出新品发布区" in body and 'value="9m × 12m"' in body  # kept
    assert _count(session, DesignRequest) == 0 and _count(session, StoredFile) == 0
    assert [p for p in uploads.rglob("*") if p.is_file()] == []


def test_bad_values_are_shown_on_their_fields(session, client, login, people, uploads):
    company = factories.company(session)
    login(people["exec1"])
    response = client.post("/design/new", data=_form(
        company, due_on=(_today() - timedelta(days=1)).isoformat(), budget_min="300000"),
        content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="due_on"' in body and 'data-field="budget_max"' in body
    assert _count(session, DesignRequest) == 0


def test_a_missed_request_nags_until_explained(session, client, login, people, uploads):
    company = factories.company(session, "宁波远航机械有限公司")
    req = dr.open_request(session, people["exec1"], dr.RequestData(
        company_id=company.id, brief="b", due_on=_today()), folder=uploads)
    req.due_on = _today() - timedelta(days=2)  # time passed with nothing delivered
    session.flush()
    login(people["exec1"])
    page = client.get(f"/design/{req.id}").get_data(as_text=True)
    assert 'id="explanation-owed"' in page and 'id="explain-form"' in page
    listing = client.get("/design/").get_data(as_text=True)
    assert f'data-owes="{req.id}"' in listing
    desk = client.get("/desk/")  # the executor's desk flags it too
    assert desk.status_code == 200 and f'data-owes="{req.id}"' in desk.get_data(as_text=True)
    blank = client.post(f"/design/{req.id}/explain", data={"explain-explanation": " "})
    assert blank.status_code == 422 and 'data-field="explain-explanation"' in blank.get_data(as_text=True)
    assert client.post(f"/design/{req.id}/explain",
                       data={"explain-explanation": "客户迟迟未给平面图"}).status_code == 303
    page = client.get(f"/design/{req.id}").get_data(as_text=True)
    assert 'id="explanation-owed"' not in page and "客户迟迟未给平面图" in page


def test_rows_and_roles(session, client, login, people, uploads):
    theirs = dr.open_request(session, people["exec2"], dr.RequestData(
        company_id=factories.company(session).id, brief="b", due_on=_today()), folder=uploads)
    login(people["exec1"])
    assert client.get(f"/design/{theirs.id}").status_code == 404
    assert f'data-request="{theirs.id}"' not in client.get("/design/").get_data(as_text=True)
    assert client.post(f"/design/{theirs.id}/take").status_code == 403
    client.post("/logout")
    login(people["tele"])
    assert client.get("/design/").status_code == 403
    assert client.get("/design/new").status_code == 403
