"""Design requests: open, take, deliver versions; missed due dates owe an explanation."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.models import DesignRequest, StoredFile
from crm.services import design_requests as dr
from crm.services import files
from crm.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories

PDF = b"%PDF-1.7\n%proposal\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Wednesday 2026-03-11 10:00 in Shanghai.
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 11)


@pytest.fixture()
def people(session):
    return {"exec1": factories.user(session, "executor", "exec1"),
            "exec2": factories.user(session, "executor", "exec2"),
            "design1": factories.user(session, "designer", "design1"),
            "design2": factories.user(session, "designer", "design2"),
            "lead": factories.user(session, "execution_supervisor", "execlead1"),
            "gm": factories.user(session, "general_manager", "gm1"),
            "tele": factories.user(session, "telesales", "tele1")}


def _data(company, **kw) -> dr.RequestData:
    values = dict(company_id=company.id, brief="9×12 两面开口，科技感，突出新品", due_on=date(2026, 3, 16),
                  budget_min=Decimal("150000"), budget_max=Decimal("220000"),
                  booth_area_m2=Decimal("108"), booth_size="9m × 12m")
    values.update(kw)
    return dr.RequestData(**values)


def _open(session, people, company, tmp_path, **kw):
    return dr.open_request(session, people["exec1"], _data(company, **kw),
                           [(io.BytesIO(PNG), "平面图.png")], folder=tmp_path, now=NOW)


def test_the_flow_from_request_to_delivered_versions(session, people, tmp_path):
    company = factories.company(session, "上海星辰科技有限公司")
    req = _open(session, people, company, tmp_path)
    assert req.status == "open" and req.title == company.display_name
    assert [f.file.original_name for f in req.files] == ["平面图.png"]
    assert dr.queue(session, people["design1"]) == [req]
    assert dr.open_requests_for(session, people["exec1"], TODAY) == [req]

    dr.take(session, req, people["design1"])
    assert (req.status, req.designer_id) == ("in_progress", people["design1"].id)
    with pytest.raises(Conflict):
        dr.take(session, req, people["design2"])  # a colleague holds it
    with pytest.raises(ValidationFailed) as empty:
        dr.deliver(session, req, people["design1"], [], folder=tmp_path)
    assert empty.value.field == "files"

    first = dr.deliver(session, req, people["design1"], [(io.BytesIO(PDF), "方案v1.pdf")],
                       "初稿", folder=tmp_path, now=NOW)
    second = dr.deliver(session, req, people["design1"], [(io.BytesIO(PDF + b"2"), "方案v2.pdf")],
                        folder=tmp_path)
    assert (first.number, second.number) == (1, 2)
    assert req.status == "delivered" and req.delivered_at == NOW
    assert dr.queue(session, people["design1"]) == []
    assert not dr.is_missed(req, date(2026, 3, 30))
    assert dr.open_requests_for(session, people["exec1"], date(2026, 3, 30)) == []
    # the executor downloads the proposal's file; another executor sees nothing
    assert dr.visible_file(session, people["exec1"], req.id, second.files[0].file_id).original_name == "方案v2.pdf"
    with pytest.raises(NotFound):
        dr.visible_request(session, people["exec2"], req.id)


def test_missed_request_owes_an_explanation_until_given(session, people, tmp_path):
    company = factories.company(session)
    req = _open(session, people, company, tmp_path, due_on=date(2026, 3, 12))
    assert not dr.is_missed(req, date(2026, 3, 12))  # due today is not missed yet
    assert dr.needs_explanation(req, date(2026, 3, 13))
    assert dr.past_due(session, date(2026, 3, 13)) == [req]
    assert dr.open_requests_for(session, people["exec1"], date(2026, 3, 13)) == [req]
    later = datetime(2026, 3, 13, 2, 0, tzinfo=timezone.utc)
    with pytest.raises(Conflict):  # cancelling does not wipe a missed due date
        dr.cancel(session, req, people["exec1"], "客户取消", now=later)
    with pytest.raises(ValidationFailed) as blank:
        dr.explain(session, req, people["exec1"], "  ", now=later)
    assert blank.value.field == "explanation"
    with pytest.raises(Forbidden):
        dr.explain(session, req, people["exec2"], "不是我的", now=later)
    dr.explain(session, req, people["exec1"], "客户推迟提供平面图", now=later)
    assert not dr.needs_explanation(req, date(2026, 3, 13))
    assert dr.open_requests_for(session, people["exec1"], date(2026, 3, 13)) == []
    # A late delivery is still a missed due date (the explanation stays on record).
    dr.deliver(session, req, people["design1"], [(io.BytesIO(PDF), "late.pdf")], folder=tmp_path,
               now=datetime(2026, 3, 14, 2, 0, tzinfo=timezone.utc))
    assert dr.is_missed(req, date(2026, 3, 20)) and req.explanation == "客户推迟提供平面图"


def test_late_delivery_without_explanation_nags(session, people, tmp_path):
    req = _open(session, people, factories.company(session), tmp_path, due_on=TODAY)
    # delivered at 00:30 Shanghai on the 12th = 16:30 UTC on the 11th: one day late
    dr.deliver(session, req, people["design1"], [(io.BytesIO(PDF), "p.pdf")], folder=tmp_path,
               now=datetime(2026, 3, 11, 16, 30, tzinfo=timezone.utc))
    assert dr.is_missed(req, date(2026, 3, 12)) and dr.needs_explanation(req, date(2026, 3, 12))
    assert dr.open_requests_for(session, people["exec1"], date(2026, 3, 12)) == [req]
    assert dr.past_due(session, date(2026, 3, 12)) == []  # delivered: no reminder


def test_explanation_refused_when_nothing_is_owed(session, people, tmp_path):
    req = _open(session, people, factories.company(session), tmp_path)
    with pytest.raises(Conflict):
        dr.explain(session, req, people["exec1"], "提前说明", now=NOW)


def test_cancel_needs_a_reason_and_stops_the_queue(session, people, tmp_path):
    req = _open(session, people, factories.company(session), tmp_path)
    with pytest.raises(ValidationFailed):
        dr.cancel(session, req, people["exec1"], "", now=NOW)
    with pytest.raises(Forbidden):
        dr.cancel(session, req, people["exec2"], "别人的", now=NOW)
    dr.cancel(session, req, people["lead"], "客户不参展了", now=NOW)  # a supervisor may
    assert req.status == "cancelled" and dr.queue(session, people["design1"]) == []
    assert not dr.needs_explanation(req, date(2026, 4, 1))
    with pytest.raises(Conflict):
        dr.deliver(session, req, people["design1"], [(io.BytesIO(PDF), "p.pdf")], folder=tmp_path)


@pytest.mark.parametrize(("changes", "field"), [
    ({"due_on": date(2026, 3, 10)}, "due_on"),  # yesterday
    ({"due_on": None}, "due_on"),
    ({"budget_min": Decimal("300000"), "budget_max": Decimal("200000")}, "budget_max"),
    ({"budget_min": Decimal("-1")}, "budget_min"),
    ({"brief": "   "}, "brief"),
    ({"company_id": None}, "company_id"),
    ({"booth_area_m2": Decimal("0")}, "booth_area_m2"),
])
def test_bad_request_values_name_the_field_and_store_nothing(session, people, tmp_path,
                                                            changes, field):
    company = factories.company(session)
    with pytest.raises(ValidationFailed) as bad:
        dr.open_request(session, people["exec1"], _data(company, **changes),
                        [(io.BytesIO(PNG), "a.png")], folder=tmp_path, now=NOW)
    assert field in bad.value.errors
    assert session.scalar(select(func.count(DesignRequest.id))) == 0
    assert session.scalar(select(func.count(StoredFile.id))) == 0


def test_due_today_and_equal_budget_are_fine(session, people, tmp_path):
    req = dr.open_request(session, people["exec1"], _data(
        factories.company(session), due_on=TODAY, budget_min=Decimal("100000"),
        budget_max=Decimal("100000")), folder=tmp_path, now=NOW)
    assert req.due_on == TODAY and req.budget_min == req.budget_max


def test_a_refused_upload_names_the_field(session, people, tmp_path):
    with pytest.raises(files.FileRefused) as refused:
        dr.open_request(session, people["exec1"], _data(factories.company(session)),
                        [(io.BytesIO(b"MZ\x90\x00 exe"), "virus.exe")], folder=tmp_path, now=NOW)
    assert refused.value.field == "files" and "virus.exe" in str(refused.value)
    with pytest.raises(files.FileRefused, match="MB"):
        dr.open_request(session, people["exec1"], _data(factories.company(session)),
                        [(io.BytesIO(PNG + b"\x00" * 4096), "big.png")], folder=tmp_path,
                        max_bytes=1024, now=NOW)


def test_who_may_do_what(session, people, tmp_path):
    company = factories.company(session)
    with pytest.raises(Forbidden):
        dr.open_request(session, people["tele"], _data(company), folder=tmp_path, now=NOW)
    with pytest.raises(Forbidden):
        dr.open_request(session, people["design1"], _data(company), folder=tmp_path, now=NOW)
    mine = _open(session, people, company, tmp_path)
    theirs = dr.open_request(session, people["exec2"], _data(factories.company(session)),
                             folder=tmp_path, now=NOW)
    with pytest.raises(Forbidden):
        dr.take(session, mine, people["exec1"])  # executors do not design
    assert dr.queue(session, people["exec1"]) == [mine]
    assert {r.id for r in dr.queue(session, people["design2"])} == {mine.id, theirs.id}
    assert {r.id for r in dr.queue(session, people["gm"])} == {mine.id, theirs.id}
    assert dr.queue(session, people["tele"]) == []
    with pytest.raises(NotFound):
        dr.visible_request(session, people["exec1"], theirs.id)
    assert dr.visible_request(session, people["lead"], theirs.id) == theirs


def test_past_due_feeds_the_daily_reminder(session, people, tmp_path):
    req = _open(session, people, factories.company(session, "宁波远航机械有限公司"), tmp_path,
                due_on=TODAY)
    dr.take(session, req, people["design1"])
    reminders = list(dr.past_due_reminders(session, date(2026, 3, 13), NOW))
    assert {r.user_id for r in reminders} == {people["exec1"].id, people["design1"].id}
    assert all(r.key == f"design:{req.id}" and "宁波远航" in r.title for r in reminders)
    from crm.services import reminders as rem

    assert "design_requests_past_due" in rem.sources()


def test_one_refused_file_keeps_none_of_the_form(session, people, tmp_path):
    with pytest.raises(files.FileRefused):
        dr.open_request(session, people["exec1"], _data(factories.company(session)),
                        [(io.BytesIO(PNG), "ok.png"), (io.BytesIO(b"MZ\x90\x00"), "bad.exe")],
                        folder=tmp_path, now=NOW)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # bytes another stored file shares stay on disk
    kept = files.store(session, people["exec1"], io.BytesIO(PNG), "kept.png", folder=tmp_path)
    with pytest.raises(files.FileRefused):
        files.store_all(session, people["exec1"], [(io.BytesIO(PNG), "again.png"),
                                                    (io.BytesIO(b""), "empty.png")],
                         folder=tmp_path)
    assert files.path_of(kept, tmp_path).read_bytes() == PNG


def test_the_request_links_the_executors_open_lead(session, people, tmp_path):
    company = factories.company(session)
    lead = factories.lead(session, company, status="accepted", executor=people["exec1"])
    req = _open(session, people, company, tmp_path)
    assert req.lead_id == lead.id
    other = dr.open_request(session, people["exec2"], _data(company), folder=tmp_path, now=NOW)
    assert other.lead_id is None  # not their lead
