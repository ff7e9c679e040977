"""tele1 works five calls from the keyboard in Chromium; the supervisor (mkt1) sees the
allocation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.models import Call, CallOutcome, Lead, Role, User
from crm.services import call_lists, calls, leads, workdays
from tests import factories

SHOW = "中国国际键盘测试博览会"
COMPANIES = [f"键盘测试{n}展示有限公司" for n in "甲乙丙丁戊己"]
# The outcomes tele1 gives, in order: a meeting first, so a lead is opened.
OUTCOMES = ["meeting_possible", "no_answer", "not_interested", "busy", "send_materials"]


def _user(s, role: Role, username: str, display_name: str) -> User:
    found = s.scalars(select(User).where(User.username == username)).first()
    return found or factories.user(s, role, username, display_name=display_name)


def _seed(db) -> dict[str, str]:
    """Outcomes, tele1, mkt1, exec1 and a list of six exhibitors given to tele1."""
    with db() as s:
        calls.seed_outcomes(s)
        workdays.seed_calendar(s)
        tele = _user(s, Role.TELESALES, "tele1", "张丽")
        sup = _user(s, Role.MARKET_SUPERVISOR, "mkt1", "刘强")
        _user(s, Role.EXECUTOR, "exec1", "陈刚")
        show = factories.exhibition(s, SHOW, 2026, starts_on=date(2026, 10, 20))
        for i, name in enumerate(COMPANIES):
            company = factories.company(s, name, phones=[f"0571-8800 12{i:02d}"])
            factories.participation(s, company, show, booth_no=f"K{i}", booth_type="special",
                                    area_m2=Decimal(200 - i * 10), hall="5H")
        result = call_lists.build_list(s, sup, "键盘测试清单",
                                       call_lists.ListFilters(exhibition_id=show.id),
                                       owner_id=tele.id)
        assert result.added == len(COMPANIES)
        return {o.code: o.hotkey for o in s.scalars(select(CallOutcome))}


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "/")


def test_tele1_works_five_calls_from_the_keyboard_and_mkt1_sees_the_allocation(
        browser, live_server, db):
    hotkeys = _seed(db)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _login(page, live_server, "tele1")
    page.goto(live_server + "/calls/")

    with page.expect_navigation():
        page.keyboard.press("n")  # claim the next call
    called = []
    for outcome in OUTCOMES:
        heading = page.locator("h2")
        expect(heading).to_contain_text("键盘测试")
        called.append(heading.inner_text().strip())
        expect(page.locator(f'form.outcome[data-hotkey="{hotkeys[outcome]}"]')).to_have_count(1)
        with page.expect_navigation():
            page.keyboard.press(hotkeys[outcome])  # log the outcome; the next call opens
    expect(page.locator(".flash.success")).to_be_visible()
    assert len(set(called)) == 5 and set(called) <= set(COMPANIES)
    context.close()

    with db() as s:
        tele = s.scalars(select(User).where(User.username == "tele1")).one()
        logged = list(s.scalars(select(Call).where(Call.user_id == tele.id).order_by(Call.id)))
        assert [c.outcome for c in logged] == OUTCOMES
        assert [c.company.name_zh for c in logged] == called
        lead = s.scalars(select(Lead).where(Lead.call_id == logged[0].id)).one()
        assert lead.created_by_id == tele.id and lead.bucket == "meeting"
        assert s.scalar(select(func.count(Lead.id)).where(
            Lead.company_id.in_([c.company_id for c in logged]))) == 1
        sup = s.scalars(select(User).where(User.username == "mkt1")).one()
        executor = s.scalars(select(User).where(User.username == "exec1")).one()
        leads.assign(s, lead, executor, sup, force=True)
        lead_id, company = lead.id, logged[0].company.name_zh

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _login(page, live_server, "mkt1")
    page.goto(live_server + "/dashboards/")
    row = page.locator(f'#allocation tr[data-lead="{lead_id}"]')
    expect(row).to_contain_text(company)
    expect(row.locator("td.executor")).to_have_text("陈刚")
    expect(row).to_contain_text("张丽")
    expect(page.locator("#people")).to_contain_text("张丽")
    context.close()
