from crm.services import companies as companies_service
from tests import factories


def test_executor_sees_own_and_unassigned_but_not_colleagues_clients(session, make_user, login, client):
    me = make_user("executor", "exec_a")
    other = make_user("executor", "exec_b")
    mine = factories.company(session, "上海甲有限公司", owner_id=me.id)
    free = factories.company(session, "上海乙有限公司")
    theirs = factories.company(session, "上海丙有限公司", owner_id=other.id)
    login(me)
    body = client.get("/companies/").get_data(as_text=True)
    assert "上海甲有限公司" in body and "上海乙有限公司" in body
    assert "上海丙有限公司" not in body
    assert client.get(f"/companies/{mine.id}").status_code == 200
    assert client.get(f"/companies/{free.id}").status_code == 200
    assert client.get(f"/companies/{theirs.id}").status_code == 404


def test_pinyin_search_finds_haier(session, make_user, login, client):
    factories.company(session, "青岛海尔股份有限公司", name_en="Haier Group")
    factories.company(session, "上海电气集团有限公司")
    login(make_user("telesales"))
    body = client.get("/companies/?q=haier").get_data(as_text=True)
    assert "青岛海尔股份有限公司" in body
    assert "上海电气集团有限公司" not in body


def test_edit_is_audited_with_before_and_after(session, make_user, login, client):
    boss = make_user("general_manager")
    c = factories.company(session, "北京旧名有限公司")
    login(boss)
    response = client.post(f"/companies/{c.id}/edit", data={
        "name_zh": "北京新名有限公司", "country": "CN", "kinds": ["exhibitor"],
        "version": c.version})
    assert response.status_code == 302
    page = client.get(f"/companies/{c.id}").get_data(as_text=True)
    assert "北京新名有限公司" in page
    assert "name_zh: 北京旧名有限公司" in page and "name_zh: 北京新名有限公司" in page


def test_invalid_credit_code_names_the_field_and_keeps_input(session, make_user, login, client):
    login(make_user("market_supervisor"))
    response = client.post("/companies/new", data={
        "name_zh": "深圳测试科技有限公司", "credit_code": "91310000123456789X", "country": "CN",
        "kinds": ["exhibitor"]})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-field="credit_code"' in body
    assert 'value="深圳测试科技有限公司"' in body


def test_show_filter_is_a_picker_offering_the_latest_shows(session, make_user, login, client):
    from datetime import date

    from crm.services import exhibitions

    old = factories.exhibition(session, "中国国际家具博览会", 2014, starts_on=date(2014, 9, 9))
    new = factories.exhibition(session, "中国国际家具博览会", 2026, starts_on=date(2026, 9, 9))
    furniture = factories.company(session, "东莞甲家具有限公司")
    factories.participation(session, furniture, old, booth_no="A1")
    factories.company(session, "东莞乙家具有限公司")
    login(make_user("market_supervisor", "mkt1"))
    page = client.get("/companies/").get_data(as_text=True)
    assert 'data-picker="exhibitions"' in page and f'<option value="{new.id}">' in page
    # Typing finds any show, old ones too, by words of the name and the year.
    assert exhibitions.exhibition_options(session, "家具 2014") == [(old.id, "2014 中国国际家具博览会")]
    found = client.get("/exhibitions/lookup/exhibitions", query_string={"q": "2014 家具"})
    assert f'value="{old.id}"' in found.get_data(as_text=True)
    # A chosen show filters the list and stays offered with its name.
    listed = client.get("/companies/", query_string={"exhibition": old.id}).get_data(as_text=True)
    assert "东莞甲家具有限公司" in listed and "东莞乙家具有限公司" not in listed
    assert f'<option value="{old.id}">2014 中国国际家具博览会</option>' in listed


def test_company_page_shows_every_part_of_the_record(session, make_user, login, client):
    c = factories.company(session, "上海恒泰精密机械有限公司", name_en="Hengtai Precision",
                          phones=["021-58881234", "13812345678"],
                          emails=["sales@hengtai.example", "info@hengtai.example"],
                          kinds=["exhibitor", "agent"])
    companies_service.remember_alias(c, "恒泰精密", "2025 会刊")
    factories.contact(session, c, "李娜", mobile="13900001111", email="lina@hengtai.example")
    factories.contact(session, c, "张伟", title="销售经理")
    show = factories.exhibition(session, "中国国际机床展览会", 2026)
    factories.participation(session, c, show, booth_no="E2-101", hall="E2")
    session.flush()
    session.expire_all()  # the page loads the record itself, not what the test holds
    login(make_user("general_manager"))
    page = client.get(f"/companies/{c.id}").get_data(as_text=True)
    assert "Hengtai Precision" in page and "恒泰精密" in page and "2025 会刊" in page
    assert 'href="tel:+862158881234"' in page and 'href="tel:+8613812345678"' in page
    assert page.index("sales@hengtai.example") < page.index("info@hengtai.example")
    assert page.index("李娜") < page.index("张伟") and "销售经理" in page
    assert ">13900001111</a>" in page
    assert "E2-101" in page and "中国国际机床展览会" in page
    # The kinds, sorted, each as a tag.
    assert ('<span class="tag">Agent / trading company</span><span class="tag">Exhibitor</span>'
            in page)


def test_company_page_of_a_merged_away_company_is_not_found(session, make_user, login, client):
    survivor = factories.company(session, "上海甲有限公司")
    gone = factories.company(session, "上海甲有限责任公司")
    gone.merged_into_id = survivor.id
    session.flush()
    login(make_user("general_manager"))
    assert client.get(f"/companies/{gone.id}").status_code == 404
    assert client.get(f"/companies/{survivor.id}").status_code == 200
