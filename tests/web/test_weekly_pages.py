"""The Monday meeting report pages: the week's page, the Excel export, the printable page."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.models import WeeklyReport
from crm.services import leads, weekly_report
from tests import factories

MONDAY = date(2026, 11, 30)


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc) - timedelta(hours=8)


@pytest.fixture()
def week(session):
    tele = factories.user(session, "telesales", "tele1", display_name="电销甲")
    exec1 = factories.user(session, "executor", "exec1", display_name="执行一")
    mkt = factories.user(session, "market_supervisor", "mkt1", display_name="主管")
    lead = factories.lead(session, factories.company(session, "周日深夜有限公司"), bucket="meeting",
                          created_by_id=tele.id)
    leads.assign(session, lead, exec1, mkt, now=shanghai(2026, 12, 6, 23, 30))
    factories.mailing_task(session, factories.company(session, "寄资料有限公司"), assignee=tele,
                           created_at=shanghai(2026, 12, 2, 10))
    return {"tele": tele, "exec1": exec1, "mkt": mkt, "design": factories.user(session, "designer")}


def test_the_page_shows_the_week_and_its_snapshot(session, client, login, week):
    login(week["exec1"])
    body = client.get("/weekly/?week=2026-12-02").get_data(as_text=True)
    assert "2026-11-30 – 2026-12-06" in body
    assert "周日深夜有限公司" in body and "寄资料有限公司" in body and "执行一" in body
    assert 'id="report-source"' in body and "Snapshot of" not in body
    assert client.post("/weekly/snapshot?week=2026-11-30").status_code == 403  # executors read
    client.post("/logout")
    login(week["mkt"])
    assert client.post("/weekly/snapshot?week=2026-11-30").status_code == 303
    assert session.scalar(select(func.count(WeeklyReport.id))) == 1
    body = client.get("/weekly/?week=2026-11-30").get_data(as_text=True)
    assert "Snapshot of" in body
    snap = client.get("/weekly/?week=2026-11-30&snapshot=1").get_data(as_text=True)
    assert "周日深夜有限公司" in snap and "Show live data" in snap


def test_the_default_is_last_week(session, client, login, week):
    login(week["mkt"])
    monday = weekly_report.last_week()
    body = client.get("/weekly/").get_data(as_text=True)
    assert f"{monday.isoformat()} – {(monday + timedelta(days=6)).isoformat()}" in body


def test_excel_export_has_one_sheet_per_section_with_the_rows(session, client, login, week):
    login(week["tele"])
    response = client.get("/weekly/export.xlsx?week=2026-11-30")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["分配表", "执行跟进", "合计"]
    allocation = list(wb["分配表"].iter_rows(values_only=True))
    assert allocation[0][:3] == ("类别", "客户", "负责人")
    assert ("可以安排面洽", "周日深夜有限公司", "执行一") in [r[:3] for r in allocation[1:]]
    assert ("寄发资料", "寄资料有限公司", "电销甲") in [r[:3] for r in allocation[1:]]
    totals = list(wb["合计"].iter_rows(values_only=True))
    assert totals[0][:4] == ("人员", "面洽客户", "具体要求客户", "寄发资料")
    assert totals[-1][:4] == ("合计", 1, 0, 1)


def test_printable_page_is_a4_landscape_without_nav(session, client, login, week):
    login(week["exec1"])
    response = client.get("/weekly/print?week=2026-11-30")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "size: A4 landscape" in body and '<nav class="top">' not in body
    assert "周日深夜有限公司" in body


def test_who_may_see_it(session, client, login, week):
    login(week["design"])
    assert client.get("/weekly/").status_code == 403
    assert client.get("/weekly/export.xlsx").status_code == 403
