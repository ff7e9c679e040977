"""Intelligence from the field: executors submit, market expansion reviews and flags."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from crm.models import FieldIntel, StoredFile
from crm.services import field_intel as fi
from crm.services import files, leads
from crm.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories

PDF = b"%PDF-1.7\n%floor plan\n"
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def people(session):
    return {"exec1": factories.user(session, "executor", "exec1"),
            "exec2": factories.user(session, "executor", "exec2"),
            "mkt": factories.user(session, "market_supervisor", "mkt1"),
            "tele": factories.user(session, "telesales", "tele1"),
            "design": factories.user(session, "designer", "design1")}


def test_a_floor_plan_for_a_show_reaches_the_inbox(session, people, tmp_path):
    show = factories.exhibition(session)
    intel = fi.submit(session, people["exec1"], fi.IntelData(
        kind="floor_plan", title="2026 车展 W3 馆平面图", exhibition_id=show.id),
        [(io.BytesIO(PDF), "W3.pdf")], folder=tmp_path, now=NOW)
    assert intel.status == "new" and [f.file.original_name for f in intel.files] == ["W3.pdf"]
    assert fi.inbox(session, people["mkt"]) == [intel]
    assert fi.inbox(session, people["tele"]) == [intel]
    assert fi.mine(session, people["exec1"]) == [intel] and fi.mine(session, people["exec2"]) == []
    with pytest.raises(Forbidden):
        fi.inbox(session, people["exec1"])
    with pytest.raises(NotFound):
        fi.visible(session, people["exec2"], intel.id)
    stored = fi.visible_file(session, people["mkt"], intel.id, intel.files[0].file_id)
    assert files.path_of(stored, tmp_path).read_bytes() == PDF

    with pytest.raises(ValidationFailed) as bad:
        fi.review(session, intel, people["mkt"], "dismissed", "")
    assert bad.value.field == "review_note"
    fi.review(session, intel, people["mkt"], "used", "已导入展商库", now=NOW)
    assert (intel.status, intel.reviewed_by_id) == ("used", people["mkt"].id)
    assert fi.inbox(session, people["mkt"]) == []
    assert fi.inbox(session, people["mkt"], status=None) == [intel]


@pytest.mark.parametrize(("data", "uploads", "field"), [
    ({"kind": "floor_plan", "title": "平面图"}, True, "exhibition_id"),  # for which show?
    ({"kind": "exhibitor_list", "title": "名录", "exhibition_id": -1}, True, "exhibition_id"),
    ({"kind": "exhibitor_list", "title": "名录"}, False, "files"),
    ({"kind": "key_clients", "title": "大客户", "company_names": " \n "}, False, "company_names"),
    ({"kind": "gossip", "title": "x"}, False, "kind"),
    ({"kind": "other", "title": ""}, False, "title"),
])
def test_bad_submissions_name_the_field_and_store_nothing(session, people, tmp_path, data,
                                                         uploads, field):
    with pytest.raises(ValidationFailed) as bad:
        fi.submit(session, people["exec1"], fi.IntelData(**data),
                  [(io.BytesIO(PDF), "a.pdf")] if uploads else [], folder=tmp_path)
    assert field in bad.value.errors
    assert session.scalar(select(func.count(FieldIntel.id))) == 0
    assert session.scalar(select(func.count(StoredFile.id))) == 0


def test_only_executors_submit(session, people, tmp_path):
    with pytest.raises(Forbidden):
        fi.submit(session, people["tele"], fi.IntelData(kind="other", title="x"), folder=tmp_path)


def test_key_client_names_are_matched_and_flagged(session, people, tmp_path):
    known = factories.company(session, "上海汽轮机厂有限公司")
    intel = fi.submit(session, people["exec1"], fi.IntelData(
        kind="key_clients", title="汽车行业大客户", company_id=known.id,
        company_names="上海汽轮机厂有限公司\n\n上海汽轮机厂有限公司\n完全陌生的名字集团"),
        folder=tmp_path)
    assert intel.company_names == "上海汽轮机厂有限公司\n完全陌生的名字集团"  # blanks, repeats dropped
    matches = fi.match_names(session, intel)
    assert [m.name for m in matches] == ["上海汽轮机厂有限公司", "完全陌生的名字集团"]
    assert matches[0].candidates[0].company_id == known.id and matches[1].candidates == []
    with pytest.raises(Forbidden):
        fi.flag_key_client(session, people["exec1"], known.id, intel)
    fi.flag_key_client(session, people["mkt"], known.id, intel)
    assert known.is_key_client
    assert fi.match_names(session, intel)[0].key_client_ids == {known.id}
    plan = fi.submit(session, people["exec1"], fi.IntelData(
        kind="exhibitor_list", title="名录", company_id=known.id),
        [(io.BytesIO(PDF), "list.pdf")], folder=tmp_path)
    with pytest.raises(Conflict):
        fi.flag_key_client(session, people["mkt"], known.id, plan)


def test_other_channel_clients_go_through_the_lead_service(session, people):
    company = factories.company(session)
    result = leads.register_client(session, people["exec1"], company.id, "other_channel",
                                   note="展会现场认识")
    assert (result.lead.source, result.lead.executor_id) == ("other_channel", people["exec1"].id)
