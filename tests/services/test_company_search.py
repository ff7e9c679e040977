"""The company search as companies.find runs it: narrow and broad words, several words, paging."""
import pytest
from sqlalchemy import func, select

from crm.models import Company
from crm.services import companies, paging, search
from tests import factories


def _names(page):
    return [c.name_zh for c in page.items]


def _find(session, user, query, **kw):
    return companies.find(session, user, companies.CompanyFilters(query=query), **kw)


def test_full_chinese_name_with_legal_form_finds_the_company(session, make_user):
    factories.company(session, "上海恒泰精密机械有限公司")
    factories.company(session, "恒泰（苏州）电子科技有限公司")
    factories.company(session, "上海电气集团股份有限公司")
    boss = make_user("general_manager")
    assert _names(_find(session, boss, "上海恒泰精密机械有限公司")) == ["上海恒泰精密机械有限公司"]
    assert _names(_find(session, boss, "恒泰（苏州）电子科技有限公司")) == ["恒泰（苏州）电子科技有限公司"]


@pytest.mark.parametrize("probe_rows", [1000, 2])
def test_every_word_must_match_whichever_drives(session, make_user, monkeypatch, probe_rows):
    # With tiny probe limits no word is read in full: the driver's companies are probed.
    monkeypatch.setattr(search, "PROBE_ROWS", probe_rows)
    monkeypatch.setattr(search, "DEEP_PROBE_ROWS", probe_rows)
    factories.company(session, "上海恒泰机械有限公司", name_en="Shanghai Hengtai Machinery Co., Ltd.")
    factories.company(session, "苏州恒泰电子有限公司", name_en="Suzhou Hengtai Electronics Co., Ltd.")
    factories.company(session, "上海华鑫机械有限公司", name_en="Shanghai Huaxin Machinery Co., Ltd.")
    boss = make_user("general_manager")
    assert _names(_find(session, boss, "hengtai machinery")) == ["上海恒泰机械有限公司"]
    assert _names(_find(session, boss, "Shanghai Hengtai Machinery Co., Ltd.")) == ["上海恒泰机械有限公司"]
    assert _names(_find(session, boss, "恒泰 nothing-like-this")) == []


def test_phone_search_respects_who_sees_what(session, make_user):
    me = make_user("executor")
    other = make_user("executor")
    factories.company(session, "上海甲有限公司", owner_id=me.id, phones=["021-58881234"])
    factories.company(session, "上海乙有限公司", owner_id=other.id, phones=["021-58881235"])
    assert _names(_find(session, me, "021-58881234")) == ["上海甲有限公司"]
    assert _names(_find(session, me, "021-58881235")) == []


@pytest.mark.parametrize("cap", [3, 10_000])
def test_broad_and_narrow_searches_page_the_same_way(session, make_user, monkeypatch, cap):
    # With a tiny cap the search takes its "broad" path (walk companies newest first).
    monkeypatch.setattr(companies, "COUNT_CAP", cap)
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    made = [factories.company(session, f"宁波华鑫{i}号五金有限公司") for i in range(7)]
    factories.company(session, "宁波其他五金有限公司")
    boss = make_user("general_manager")
    first = _find(session, boss, "华鑫", per_page=4)
    second = _find(session, boss, "华鑫", page=2, per_page=4)
    newest_first = [c.id for c in reversed(made)]
    assert [c.id for c in first.items + second.items] == newest_first
    if cap < 7:
        assert first.total == cap and first.total_is_capped
    else:
        assert first.total == 7 and not first.total_is_capped
        assert first.has_next and not second.has_next


def test_plan_drives_from_the_rarest_word(session, monkeypatch):
    hengtai = factories.company(session, "上海恒泰机械有限公司",
                                name_en="Shanghai Hengtai Machinery Co., Ltd.")
    for i in range(3):
        factories.company(session, f"上海华{i}机械有限公司", name_en=f"Shanghai Hua{i} Machinery Co., Ltd.")
    match = search.plan(session, "machinery hengtai")
    # Both words are rare enough to read in full: their companies are intersected at once.
    assert match.driver == "hengtai" and match.candidates == (hengtai.id,)
    # When only one word can be read in full, it drives and the other is probed.
    monkeypatch.setattr(search, "PROBE_ROWS", 3)
    monkeypatch.setattr(search, "DEEP_PROBE_ROWS", 3)
    match = search.plan(session, "machinery hengtai")
    assert (match.driver, match.others, match.candidates) == ("hengtai", ("machinery",), None)
    assert search.plan(session, "  !! ") is None


def test_page_of_ids_keeps_the_given_order_and_counts_all(session):
    made = [factories.company(session, f"测试{i}有限公司") for i in range(5)]
    ids = [c.id for c in made][::-1]
    page = paging.page_of_ids(session, select(Company), Company.id, ids, 2, 2)
    assert [c.id for c in page.items] == ids[2:4]
    assert page.total == 5 and page.pages == 3 and not page.total_is_capped


def test_a_deleted_company_leaves_no_search_terms_nor_match_keys(session):
    from crm.models import (CompanyMatchKey, CompanyMatchProfile, CompanySearchTerm,
                            CompanySearchText)
    doomed = factories.company(session, "上海恒泰精密机械有限公司", phones=["021-58881234"])
    kept = factories.company(session, "苏州恒泰电子有限公司")
    terms_of = lambda c: session.scalars(select(CompanySearchTerm.term).where(  # noqa: E731
        CompanySearchTerm.company_id == c.id)).all()
    assert "恒泰精密机械" in terms_of(doomed) and "58881234" in terms_of(doomed)
    doomed_id = doomed.id
    companies.delete(session, doomed)
    session.flush()
    assert session.scalars(select(CompanySearchTerm.term).where(
        CompanySearchTerm.company_id == doomed_id)).all() == []
    assert session.get(CompanySearchText, doomed_id) is None
    assert "恒泰电子" in terms_of(kept)
    assert search.split_terms(session.get(CompanySearchText, kept.id).terms) == set(terms_of(kept))
    # The match keys and profile are derived too, with no foreign key to cascade by.
    for table in (CompanyMatchKey, CompanyMatchProfile):
        assert session.scalar(select(func.count()).select_from(table).where(
            table.company_id == kept.id)) > 0
        assert session.scalar(select(func.count()).select_from(table).where(
            table.company_id == doomed_id)) == 0


def test_forgetting_many_companies_drops_exactly_their_term_rows(session, monkeypatch):
    """Terms are dropped chunk by chunk by (term, company) pairs: rows other companies hold
    under the same terms stay."""
    from crm.models import CompanySearchTerm
    monkeypatch.setattr(search.bulk, "PG_CHUNK", 7)  # several chunks of pairs
    doomed = [factories.company(session, f"恒泰{city}机械有限公司", phones=[f"021-5888{i:04d}"])
              for i, city in enumerate(["上海", "苏州", "宁波"])]
    kept = factories.company(session, "恒泰上海机械有限公司")
    kept_terms = set(session.scalars(select(CompanySearchTerm.term).where(
        CompanySearchTerm.company_id == kept.id)))
    assert "恒泰" in kept_terms or any(t.startswith("恒泰") for t in kept_terms)
    doomed_ids = [c.id for c in doomed]
    search.forget(session, doomed_ids)
    left = session.execute(select(CompanySearchTerm.company_id, CompanySearchTerm.term)).all()
    assert {cid for cid, _ in left} == {kept.id}
    assert {t for _, t in left} == kept_terms


def test_a_term_another_term_starts_with_is_not_stored_yet_still_finds(session, make_user):
    from crm.models import CompanySearchTerm
    made = factories.company(session, "青岛海尔股份有限公司", name_en="Qingdao Haier Co., Ltd.")
    terms = set(session.scalars(select(CompanySearchTerm.term).where(
        CompanySearchTerm.company_id == made.id)))
    # "qingdao" (the first word) and "qingdaohaier" (the name without its legal form) are
    # both prefixes of "qingdaohaiercoltd"; the single initial "e" of "er".
    assert {"qingdaohaiercoltd", "haier", "er", "qdhe"} <= terms
    assert not {"qingdao", "qingdaohaier", "e"} & terms
    boss = make_user("general_manager")
    for query in ("qingdao", "Qingdao Haier", "qingdaohaier", "e", "qdh", "海尔"):
        assert _names(_find(session, boss, query)) == ["青岛海尔股份有限公司"], query


def test_terms_added_to_a_company_skip_what_a_longer_held_term_covers():
    from crm.services.ingest import _search_writes
    held = search.joined_terms(search.company_terms(["Qingdao Haier Co., Ltd."], []))
    written: dict[int, str] = {}
    writes = _search_writes("sqlite", "company_search_terms",
                            [(7, ["Qingdao Haier", "Haier Smart Home"], [], held)], written)
    assert {term for term, _cid in writes.terms.data} == {"haiersmarthome", "smart", "home"}
    # The company's text is replaced by one holding the old terms and the new.
    assert writes.replaced == [7]
    assert search.split_terms(written[7]) == (search.split_terms(held)
                                              | {"haiersmarthome", "smart", "home"})
    assert writes.texts.data == [(7, written[7])]
    # A later chunk adding nothing new leaves the text alone.
    again = _search_writes("sqlite", "company_search_terms", [(7, ["Haier"], [], held)],
                           written)
    assert again.terms.data == [] and again.replaced == [] and again.texts.data == []


@pytest.mark.parametrize("name", ["上海 恒泰\u3000精密\u00a0机械有限公司", "Foo\u00a0Bar\tBaz Co., Ltd.",
                                  "恒泰 (苏州) 电子", "株式会社\u3000東京", "x\u2003y Ltd", "\u3000上海"])
def test_terms_hold_no_whitespace_so_a_search_text_splits_back_into_them(name):
    terms = search.company_terms([name], ["+862158881234"])
    assert terms and not any(ch.isspace() for term in terms for ch in term)
    assert search.split_terms(search.joined_terms(terms)) == terms


@pytest.mark.parametrize("typed", ["010-65881234", "01065881234", "65881234", "+861065881234",
                                   "0106588", "010 6588 1234", "010-6588 1234", "+86 10 6588 1234",
                                   "(010) 6588-1234", "6588 1234"])
def test_a_beijing_landline_is_found_as_people_type_it(session, make_user, typed):
    # 010's numbers start with 1 like mobiles; they are landlines all the same.
    factories.company(session, "北京京城机械有限公司", phones=["010-65881234"])
    factories.company(session, "兰州湖宝建材有限公司", phones=["0931-3671575"])
    boss = make_user("general_manager")
    assert _names(_find(session, boss, typed)) == ["北京京城机械有限公司"]
    assert _names(_find(session, boss, "3671575")) == ["兰州湖宝建材有限公司"]


@pytest.mark.parametrize("typed, tokens", [
    ("138 1234 5678", ["13812345678"]),
    ("021 5888 1234", ["2158881234"]),
    ("恒泰 021 5888", ["恒泰", "215888"]),
    ("13812345678 13912345678", ["13812345678", "13912345678"]),  # two numbers
    ("上海 2024", ["上海", "2024"]),
    ("Hall 5 1A01", ["hall", "5", "1a01"]),  # a booth number is no phone
])
def test_a_number_typed_in_groups_is_one_token(typed, tokens):
    assert search.query_tokens(typed) == tokens
