"""tele1 logs in, finds a company by pinyin, opens it and sees its booths."""
from decimal import Decimal

from playwright.sync_api import expect

from sqlalchemy import select

from crm.models import Role, User
from tests import factories


def _seed(db):
    with db() as s:
        if s.scalars(select(User).where(User.username == "tele1")).first():
            return
        factories.user(s, Role.TELESALES, "tele1", display_name="张丽")
        haier = factories.company(s, "青岛海尔股份有限公司", name_en="Haier Group",
                                  phones=["0532-88939999"])
        factories.company(s, "上海电气集团股份有限公司", name_en="Shanghai Electric")
        show = factories.exhibition(s, "中国国际家用电器博览会", 2026)
        factories.participation(s, haier, show, booth_no="N3-A01", hall="N3",
                                area_m2=Decimal("360"), booth_type="special")


def _login(page, base, username="tele1"):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")


def test_tele1_finds_haier_by_pinyin_and_sees_its_booth(page, live_server, db):
    _seed(db)
    _login(page, live_server)
    page.goto(live_server + "/companies/")
    page.fill("input[name=q]", "haier")
    page.keyboard.press("Enter")
    row = page.get_by_role("link", name="青岛海尔股份有限公司")
    expect(row).to_be_visible()
    expect(page.get_by_text("上海电气集团股份有限公司")).to_have_count(0)
    row.click()
    expect(page.locator("h2")).to_contain_text("青岛海尔股份有限公司")
    booths = page.locator("#shows td.booth")
    expect(booths).to_have_text(["N3-A01"])
    expect(page.locator("#shows")).to_contain_text("2026 中国国际家用电器博览会")


def test_company_page_fits_a_phone_screen(phone_page, live_server, db):
    _seed(db)
    _login(phone_page, live_server)
    phone_page.goto(live_server + "/companies/?q=海尔")
    phone_page.get_by_role("link", name="青岛海尔股份有限公司").click()
    # Measure the company page once it is there, not the list it is leaving.
    expect(phone_page.locator("h2")).to_contain_text("青岛海尔股份有限公司")
    phone_page.wait_for_load_state("load")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide on a 390px phone"
