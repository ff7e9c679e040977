"""The import wizard: upload, mapping, preview, background commit, report, revert."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm import create_app
from crm.models import Company, ImportBatch, Setting
from tests import factories
from tests.conftest import migrated_database

GBK_CSV = ("公司名称,展位号,电话\n"
           "上海瑞丰汽车零部件有限公司,1A01,021-64881234\n"
           "杭州新星电子科技有限公司,1A02,0571-88886666\n"
           ",1A03,\n").encode("gbk")


@pytest.fixture()
def wizard(app, tmp_path, session, make_user, login):
    app.config.update(UPLOAD_FOLDER=str(tmp_path))
    known = factories.company(session, "上海瑞丰汽车零部件有限公司")
    user = make_user("market_supervisor")
    login(user)
    return known


def upload(client, data: bytes, name: str, kind: str = "catalogue"):
    return client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    return re.search(r"/imports/u/([0-9a-f-]{36})/", response.headers["Location"]).group(1)


def map_and_preview(client, token: str, body: str, **extra):
    fields = dict(re.findall(r'<select[^>]*name="(f_\w+)".*?<option selected value="(\d*)"',
                             body, flags=re.DOTALL))
    data = {**fields, "step": "save", "exhibition": "2026测试汽配展", "year": "2026", **extra}
    response = client.post(f"/imports/u/{token}/mapping", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.get(f"/imports/u/{token}/preview")


def test_gbk_csv_through_the_wizard_and_back_out(wizard, client, session):
    response = upload(client, GBK_CSV, "会刊.csv")
    assert response.status_code == 302
    token = token_of(response)
    page = client.get(f"/imports/u/{token}/mapping").get_data(as_text=True)
    assert "公司名称" in page and "header found in row 1" in page
    # The company-name column is suggested from its Chinese header.
    assert re.search(r'name="f_name".*?<option selected value="0">公司名称', page, re.DOTALL)
    assert re.search(r'name="f_booth_no".*?<option selected value="1">展位号', page, re.DOTALL)
    preview = map_and_preview(client, token, page)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Linked to 上海瑞丰汽车零部件有限公司" in body
    assert "New company" in body
    assert "Error in column 公司名称" in body
    # The preview wrote nothing.
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert session.scalar(select(func.count()).select_from(Company)) == 1
    # The mapping is remembered for the next file.
    assert session.get(Setting, "import_mapping:default").value["name"] == "公司名称"

    done = client.post(f"/imports/u/{token}/commit")
    assert done.status_code == 302
    progress = client.get(done.headers["Location"])
    assert progress.status_code == 302, progress.get_data(as_text=True)
    batch = session.scalars(select(ImportBatch)).one()
    assert progress.headers["Location"].endswith(f"/imports/{batch.id}")
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert re.search(r'data-count="created">1<', page)
    assert re.search(r'data-count="linked">1<', page)
    assert re.search(r'data-count="errors">1<', page)
    assert session.scalars(select(Company).where(
        Company.name_zh == "杭州新星电子科技有限公司")).one()
    report = client.get(f"/imports/{batch.id}/report.csv")
    text = report.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("row,action,company_id")
    assert ",linked," in text and ",created," in text and ",error," in text
    rejected = client.get(f"/imports/{batch.id}/rejected.xlsx")
    assert rejected.status_code == 200 and rejected.data[:2] == b"PK"
    assert "会刊.csv" in client.get("/imports/").get_data(as_text=True)

    reverted = client.post(f"/imports/{batch.id}/revert")
    assert reverted.status_code == 302
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == "reverted"
    assert session.scalars(select(Company).where(
        Company.name_zh == "杭州新星电子科技有限公司")).first() is None
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert re.search(r"data-reverted>Reverted .*: 1 companies removed, 0 kept", page)
    assert 'data-status="reverted"' in page and "hx-trigger" not in page
    again = client.post(f"/imports/{batch.id}/revert", follow_redirects=True)
    assert "already reverted" in again.get_data(as_text=True)


def _one_import(client) -> None:
    response = upload(client, GBK_CSV, "会刊.csv")
    token = token_of(response)
    map_and_preview(client, token, client.get(response.headers["Location"]).get_data(as_text=True))
    client.post(f"/imports/u/{token}/commit")


def test_a_failed_revert_changes_nothing_and_says_why(wizard, client, session, monkeypatch):
    from crm.services import ingest
    _one_import(client)
    batch = session.scalars(select(ImportBatch)).one()
    made = session.scalar(select(func.count()).select_from(Company))

    def broken(*_a, **_k):
        raise RuntimeError("the disk is full")
    monkeypatch.setattr(ingest, "revert_batch", broken)
    client.post(f"/imports/{batch.id}/revert")
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == "done"  # may be reverted again
    assert session.scalar(select(func.count()).select_from(Company)) == made
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    # what broke is for the server's log, not the page
    assert ("The revert failed and changed nothing: an unexpected error; the server&#39;s log "
            "says more") in page
    assert "the disk is full" not in page
    assert "Revert this import" in page


def test_a_revert_in_progress_is_followed_and_not_started_twice(wizard, client, session):
    _one_import(client)
    batch = session.scalars(select(ImportBatch)).one()
    batch.status = "reverting"  # as while the background revert runs
    session.flush()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'data-status="reverting"' in page and 'hx-trigger="every 1s"' in page
    assert "Revert this import" not in page
    second = client.post(f"/imports/{batch.id}/revert", follow_redirects=True)
    assert "This import is being reverted." in second.get_data(as_text=True)
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == "reverting"
    polled = client.get(f"/imports/{batch.id}", headers={"HX-Request": "true"})
    assert "<html" not in polled.get_data(as_text=True) and "HX-Refresh" not in polled.headers
    # Once it ends, the next poll reloads the page whole.
    batch.status = "reverted"
    session.flush()
    ended = client.get(f"/imports/{batch.id}", headers={"HX-Request": "true"})
    assert ended.headers.get("HX-Refresh") == "true"


def test_a_revert_whose_process_died_may_be_started_again(wizard, client, session):
    from datetime import timedelta

    from crm.db import utcnow
    from crm.services import ingest
    _one_import(client)
    batch = session.scalars(select(ImportBatch)).one()
    batch.status = "reverting"
    batch.reverted_at = utcnow() - ingest.REVERT_GIVEN_UP_AFTER - timedelta(minutes=1)
    session.flush()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "Revert this import" in page and "hx-trigger" not in page
    client.post(f"/imports/{batch.id}/revert")
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == "reverted"
    assert session.scalars(select(Company).where(
        Company.name_zh == "杭州新星电子科技有限公司")).first() is None


def test_xlsx_with_a_title_row_and_business_cards(wizard, client, session):
    book = Workbook()
    sheet = book.active
    sheet.title = "名片"
    sheet.append(["2026 展会名片"])
    sheet.append(["姓名", "公司", "手机"])
    sheet.append(["王伟", "苏州远景机械有限公司", "13812345678"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue(), "cards.xlsx", kind="contacts")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    token = token_of(response)
    page = client.get(f"/imports/u/{token}/mapping").get_data(as_text=True)
    assert "header found in row 2" in page
    preview = map_and_preview(client, token, page, exhibition="", year="")
    assert "New company" in preview.get_data(as_text=True)
    client.post(f"/imports/u/{token}/commit")
    batch = session.scalars(select(ImportBatch)).one()
    assert batch.kind == "contacts" and batch.status == "done" and batch.created == 1


def test_a_png_named_xlsx_is_refused_with_a_clear_message(wizard, client, session):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    response = upload(client, png, "展商名录.xlsx")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "展商名录.xlsx" in body
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_file_without_a_name_column_is_refused(wizard, client, session):
    response = upload(client, "展位号,电话\n1A01,123\n".encode(), "booths.csv")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "booths.csv" in body and "company-name column" in body


def test_telesales_may_import_finance_may_not(app, tmp_path, make_user, login, client):
    app.config.update(UPLOAD_FOLDER=str(tmp_path))
    login(make_user("telesales", "tele"))
    assert client.get("/imports/new").status_code == 200
    assert client.get("/imports/").status_code == 200
    client.get("/logout")
    client.post("/logout")
    login(make_user("finance", "fin"))
    assert client.get("/imports/new").status_code == 403
    assert upload(client, GBK_CSV, "x.csv").status_code == 403


def test_a_file_over_the_size_limit_gets_a_message(wizard, app, client, session):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, b"a" * 4096, "big.csv")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_someone_elses_wizard_is_not_found(wizard, client, make_user, login):
    token = token_of(upload(client, GBK_CSV, "a.csv"))
    client.post("/logout")
    login(make_user("telesales", "tele2"))
    assert client.get(f"/imports/u/{token}/mapping").status_code == 404


def test_progress_page_polls_while_running_and_reports_failure(wizard, app, client, tmp_path):
    import json
    token = token_of(upload(client, GBK_CSV, "a.csv"))
    state_file = tmp_path / "imports" / f"{token}.json"
    state = json.loads(state_file.read_text("utf-8"))
    state.update(status="running", done=40, total=100)
    state_file.write_text(json.dumps(state), "utf-8")
    page = client.get(f"/imports/u/{token}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and 'value="40" max="100"' in page
    state.update(status="failed", message="a.csv: row 3, column 电话: boom")
    state_file.write_text(json.dumps(state), "utf-8")
    fragment = client.get(f"/imports/u/{token}/progress", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "The import failed: a.csv: row 3" in text and "every 1s" not in text


def test_row_errors_read_in_chinese_in_a_chinese_session(wizard, client):
    token = token_of(upload(client, GBK_CSV, "会刊.csv"))
    page = client.get(f"/imports/u/{token}/mapping").get_data(as_text=True)
    assert client.get(f"/lang/zh_CN?next=/imports/u/{token}/mapping").status_code == 302
    body = map_and_preview(client, token, page).get_data(as_text=True)
    assert "没有公司名称" in body and "no company name" not in body


def test_the_rejected_rows_workbook_speaks_the_default_language(wizard, app, client, session):
    from openpyxl import load_workbook
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    token = token_of(upload(client, GBK_CSV, "会刊.csv"))
    page = client.get(f"/imports/u/{token}/mapping").get_data(as_text=True)
    map_and_preview(client, token, page)
    assert client.post(f"/imports/u/{token}/commit").status_code == 302
    batch = session.scalars(select(ImportBatch)).one()
    rejected = client.get(f"/imports/{batch.id}/rejected.xlsx")
    rows = list(load_workbook(io.BytesIO(rejected.data)).active.values)
    assert rows[0][:3] == ("行号", "列", "原因")
    assert rows[1][:3] == (4, "公司名称", "没有公司名称")


def test_a_refused_file_is_explained_in_chinese(wizard, client):
    client.get("/lang/zh_CN?next=/imports/new")
    response = upload(client, "展位号,电话\n1A01,123\n".encode(), "booths.csv")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "booths.csv: 没有公司名称列" in body and "company-name column" not in body


@pytest.mark.parametrize("worker, silent_for", [
    ("{host}:999999999", 0),  # this host, a process that is gone
    ("elsewhere:1234", 16 * 60),  # another host, no progress for 16 minutes
])
def test_an_import_whose_process_stopped_can_be_imported_again(wizard, client, app, session,
                                                              worker, silent_for):
    import json
    import os
    import socket
    import time
    response = upload(client, GBK_CSV, "会刊.csv")
    token = token_of(response)
    map_and_preview(client, token, client.get(response.headers["Location"]).get_data(as_text=True))
    state_file = Path(app.config["UPLOAD_FOLDER"]) / "imports" / f"{token}.json"
    state = json.loads(state_file.read_text("utf-8"))
    state.update(status="running", done=0, total=3,
                 worker=worker.format(host=socket.gethostname()))
    state_file.write_text(json.dumps(state), "utf-8")
    os.utime(state_file, (time.time() - silent_for,) * 2)
    progress = client.get(f"/imports/u/{token}/progress")
    assert progress.status_code == 302 and progress.location.endswith(f"/u/{token}/preview")
    preview = client.get(progress.location).get_data(as_text=True)
    assert "stopped before it finished" in preview
    assert json.loads(state_file.read_text("utf-8"))["status"] == "mapped"
    client.post(f"/imports/u/{token}/commit")
    assert session.scalars(select(ImportBatch)).one().status == "done"


def test_an_import_running_elsewhere_and_reporting_is_followed(wizard, client, app):
    import json
    response = upload(client, GBK_CSV, "会刊.csv")
    token = token_of(response)
    map_and_preview(client, token, client.get(response.headers["Location"]).get_data(as_text=True))
    state_file = Path(app.config["UPLOAD_FOLDER"]) / "imports" / f"{token}.json"
    state = json.loads(state_file.read_text("utf-8"))
    state.update(status="running", done=1, total=3, worker="elsewhere:1234")
    state_file.write_text(json.dumps(state), "utf-8")
    page = client.get(f"/imports/u/{token}/progress")
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.get_data(as_text=True)


@pytest.fixture()
def own_database(tmp_path):
    """A database of the app's own, so the import runs in a thread of its own as in
    production, and another transaction can hold the writing turn meanwhile."""
    yield from migrated_database(tmp_path, "imports.sqlite3")


def test_an_import_waits_for_another_writer_and_says_so(own_database, tmp_path):
    from crm.services import writing_turn
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": own_database,
                      "WTF_CSRF_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en",
                      "UPLOAD_FOLDER": str(tmp_path)})
    factory = app.extensions["db_sessions"]
    with factory() as s:
        username = factories.user(s, "market_supervisor").username
        s.commit()
    client = app.test_client()
    client.post("/login", data={"username": username, "password": factories.PASSWORD})
    response = upload(client, GBK_CSV, "会刊.csv")
    token = token_of(response)
    map_and_preview(client, token, client.get(response.headers["Location"]).get_data(as_text=True))
    holder = factory()
    writing_turn.take(holder)  # as a revert or a crawl batch running meanwhile
    try:
        assert client.post(f"/imports/u/{token}/commit").status_code == 302
        text = _poll(client, token, lambda t: "Waiting for another import or revert" in t)
        assert "Waiting for another import or revert to finish" in text
    finally:
        holder.rollback()
        holder.close()
    done = _poll(client, token, lambda t: t is None)
    assert done is None  # the page was sent on to the finished import
    with factory() as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.status, batch.created) == ("done", 2)
    factory.kw["bind"].dispose()


def _poll(client, token: str, until, seconds: float = 20):
    """The progress fragment's text until `until(text)` (None once it redirects)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(f"/imports/u/{token}/progress", headers={"HX-Request": "true"})
        text = None if response.headers.get("HX-Redirect") else response.get_data(as_text=True)
        if until(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.1)
