"""exec1 files a visit report at a phone-sized viewport in Chromium, with a photo."""
from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from crm.db import utcnow
from crm.models import Company, Lead, ReportStatus, Role, User, Visit, VisitReport
from crm.services import visits, workdays
from tests import factories

COMPANY = "上海手机测试展览器材有限公司"


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small valid PNG (a grey square), so the page can show its thumbnail."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _seed(db) -> int:
    """exec1 with an accepted lead and a visit planned an hour ago; returns the visit id."""
    with db() as s:
        exec1 = s.scalars(select(User).where(User.username == "exec1")).first()
        if exec1 is None:
            exec1 = factories.user(s, Role.EXECUTOR, "exec1", display_name="陈刚")
        company = s.scalars(select(Company).where(Company.name_zh == COMPANY)).first()
        if company is None:
            company = factories.company(s, COMPANY, owner_id=exec1.id)
            factories.lead(s, company, status="accepted", executor=exec1)
        visit = visits.plan_visit(s, exec1, company.id, utcnow() - timedelta(hours=1),
                                  "国家会展中心（上海）北厅咖啡馆", people="王总监、采购李经理",
                                  purpose="了解明年参展计划")
        s.flush()
        return visit.id


def _no_sideways_scroll(page) -> None:
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide in a {inner}px viewport"


def test_exec1_files_a_visit_report_on_a_phone(phone_page, live_server, db):
    visit_id = _seed(db)
    page = phone_page
    page.goto(live_server + "/login")
    page.fill("#username", "exec1")
    page.fill("#password", factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/desk/")  # the executor's start page
    card = page.locator(f'[data-visit="{visit_id}"]')
    expect(card).to_contain_text(COMPANY)
    _no_sideways_scroll(page)
    card.locator(f'a[href="/visits/{visit_id}/report"]').click()
    expect(page).to_have_url(live_server + f"/visits/{visit_id}/report")
    _no_sideways_scroll(page)

    page.fill("#project_lead_name", "王建国")
    page.fill("#project_lead_role", "市场总监")
    page.fill("#project_lead_contact", "13812345678")
    page.fill("#situation", "客户明年参加上海、广州、成都三个展，今年展台由总部统一招标。")
    page.select_option("#rating", "A")
    page.fill("#budget_min", "200000")
    page.fill("#budget_max", "350000")
    page.fill("#booth_area_m2", "108")
    page.fill("#competing_builders", "两家本地搭建商")
    page.set_input_files("#photos", files=[
        {"name": "展台现场.png", "mimeType": "image/png", "buffer": _png()}])
    page.fill("#referrals-0-company_name", "苏州手机测试电子科技有限公司")
    page.fill("#referrals-0-contact_name", "周总")
    page.fill("#next_step", "下周三前发方案初稿")
    due = workdays.local_date(utcnow()) + timedelta(days=7)
    page.fill("#next_step_due", due.isoformat())
    _no_sideways_scroll(page)
    page.locator("button[name=file]").click()  # 提交报告 (File report)

    expect(page).to_have_url(live_server + f"/visits/{visit_id}")
    expect(page.locator("#report")).to_contain_text("王建国")
    expect(page.locator("#report img.thumb")).to_be_visible()
    _no_sideways_scroll(page)

    with db() as s:
        report = s.scalars(select(VisitReport).where(VisitReport.visit_id == visit_id)).one()
        assert report.status == ReportStatus.FILED.value and report.rating == "A"
        assert [(f.kind, f.file.original_name, f.file.content_type) for f in report.files] == [
            ("photo", "展台现场.png", "image/png")]
        assert s.get(Visit, visit_id).status == "done"
        referral = report.referrals[0]
        lead = s.get(Lead, referral.lead_id)
        assert lead.source == "referral" and lead.company.name_zh == "苏州手机测试电子科技有限公司"
