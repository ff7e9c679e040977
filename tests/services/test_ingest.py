"""The one write path: catalogue and business-card rows resolved and written, re-imports
changing nothing, reverts leaving the database as before."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from crm.models import (
    AuditEntry, Company, CompanyAlias, CompanyEmail, CompanyKindLink, CompanyMatchKey,
    CompanyMatchProfile,
    CompanyPhone, CompanySearchTerm, CompanySearchText, Contact, ImportBatch, ImportRowResult,
    Participation,
    ReviewItem,
)
from crm.services import ingest, search
from crm.services.ingest import Source
from tests import factories

BUSINESS_TABLES = (Company, CompanyAlias, CompanyPhone, CompanyEmail, Contact, Participation,
                   CompanyKindLink, ReviewItem, CompanyMatchKey, CompanyMatchProfile,
                   CompanySearchTerm, CompanySearchText)


def row(n: int, name_zh: str | None = None, **fields) -> SimpleNamespace:
    """A catalogue row as crm.importers.catalogue.CatalogueRow hands it over."""
    values = dict(row=n, sheet="Sheet1", name_zh=name_zh, name_en=None, booth_no=None,
                  hall=None, area_m2=None, booth_type=None, origin=None, country=None,
                  province=None, city=None, address=None, website=None, phones=[], emails=[],
                  credit_code=None, contact_name=None, contact_title=None, contact_mobile=None,
                  contact_email=None, wechat=None, pavilion=None, industry=None, products=None,
                  raw={})
    values.update(fields)
    return SimpleNamespace(**values)


def card(n: int, name: str, company_zh: str | None, **fields) -> SimpleNamespace:
    values = dict(row=n, sheet="Cards", name=name, company_zh=company_zh, company_en=None,
                  title=None, department=None, mobile=None, landline=None, email=None,
                  wechat=None, address=None, website=None, raw={})
    values.update(fields)
    return SimpleNamespace(**values)


def counts(session) -> dict[str, int]:
    session.flush()
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in BUSINESS_TABLES}


@pytest.fixture()
def show(session):
    return factories.exhibition(session, "上海国际汽车零部件博览会", 2025)


def source(**kw) -> Source:
    return Source(kind="catalogue", file_name="会刊.xlsx", sheet="Sheet1", sha256="ab" * 32, **kw)


CATALOGUE = [
    row(2, "上海瑞丰汽车零部件有限公司", name_en="Shanghai Ruifeng Auto Parts Co., Ltd.",
        booth_no="5.1A01", hall="5.1H", area_m2=Decimal("54"), booth_type="special",
        phones=["021-58881234"], emails=["sales@ruifeng-auto.com"],
        website="www.ruifeng-auto.com", contact_name="王伟", contact_mobile="13812345678",
        contact_title="市场经理", city="上海"),
    row(3, "宁波恒泰精密机械有限公司", booth_no="5.1B02", phones=["0574-87654321"]),
    # The same company again, in English, at a second booth.
    row(4, None, name_en="SHANGHAI RUIFENG AUTO PARTS CO.,LTD", booth_no="5.1A02"),
    row(5, None),  # no name: an error, the other rows go on
]


def test_catalogue_rows_become_companies_booths_and_contacts(session, show):
    report = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source())
    assert (report.rows, report.created, report.linked, report.review) == (4, 2, 1, 0)
    assert [(e.row, e.column) for e in report.errors] == [(5, "name_zh")]
    ruifeng = session.get(Company, report.outcomes[0].company_id)
    assert report.outcomes[2].company_id == ruifeng.id  # row 4 linked to row 2's company
    assert ruifeng.name_en == "Shanghai Ruifeng Auto Parts Co., Ltd."
    assert ruifeng.website_domain == "ruifeng-auto.com"
    aliases = {a.name: a.source for a in ruifeng.aliases}
    assert aliases["SHANGHAI RUIFENG AUTO PARTS CO.,LTD"] == "catalogue:会刊.xlsx[Sheet1]#4 @2025 上海国际汽车零部件博览会"
    booths = session.scalars(select(Participation).where(Participation.company_id == ruifeng.id)
                             .order_by(Participation.booth_no)).all()
    assert [(b.booth_no, b.area_m2, b.booth_type) for b in booths] == [
        ("5.1A01", Decimal("54.00"), "special"), ("5.1A02", None, None)]
    assert all(b.import_batch_id == report.batch_id for b in booths)
    assert [(c.name, c.mobile_e164) for c in ruifeng.contacts] == [("王伟", "+8613812345678")]
    assert [p.e164 for p in ruifeng.phones] == ["+862158881234"]
    assert ruifeng.kind_values == ["exhibitor"]
    # Searchable at once, and findable by the matcher.
    assert ruifeng.id in set(session.scalars(search.matching_ids("瑞丰")))
    batch = session.get(ImportBatch, report.batch_id)
    assert (batch.status, batch.created, batch.linked, batch.errors) == ("done", 2, 1, 1)
    results = session.scalars(select(ImportRowResult).where(
        ImportRowResult.batch_id == batch.id).order_by(ImportRowResult.row)).all()
    assert [r.action for r in results] == ["created", "created", "linked", "error"]
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.company_id == ruifeng.id, AuditEntry.action == "import")) == 2


def test_rows_link_to_existing_companies_and_fill_blanks(session, show):
    known = factories.company(session, "上海瑞丰汽车零部件有限公司")
    report = ingest.ingest_catalogue(session, [
        row(2, "瑞丰汽车零部件（上海）有限公司", website="http://ruifeng-auto.com",
            booth_no="A1")], exhibition=show, source=source())
    assert (report.created, report.linked) == (0, 1)
    assert report.outcomes[0].company_id == known.id
    session.refresh(known)
    assert known.website == "http://ruifeng-auto.com"
    assert "瑞丰汽车零部件（上海）有限公司" in {a.name for a in known.aliases}


def test_reimporting_the_same_file_changes_nothing(session, show):
    first = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source())
    before = counts(session)
    again = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source())
    assert counts(session) == before
    assert (again.created, again.linked, again.review) == (0, 3, 0)
    assert [o.company_id for o in again.outcomes] == [o.company_id for o in first.outcomes]


def test_a_likely_typo_is_queued_for_review(session, show):
    known = factories.company(session, "上海瑞丰汽车零部件有限公司")
    # The same sound, no place: perhaps 上海瑞丰, perhaps a 瑞峰 elsewhere.
    report = ingest.ingest_catalogue(session, [row(2, "瑞峰汽车零部件有限公司")],
                                     exhibition=show, source=source())
    assert (report.created, report.linked, report.review) == (0, 0, 1)
    outcome = report.outcomes[0]
    assert outcome.candidate_id == known.id and outcome.company_id != known.id
    item = session.scalars(select(ReviewItem)).one()
    assert {item.company_a_id, item.company_b_id} == {known.id, outcome.company_id}
    assert item.status == "open" and item.evidence["name"]["how"] == "trade names sound alike"


def test_a_switchboard_on_every_row_links_nothing(session, show):
    rows = [row(i + 2, name, phones=["021-20205555"]) for i, name in enumerate(
        ["上海华恒机械有限公司", "苏州鑫源电子有限公司", "杭州宏瑞包装材料有限公司",
         "深圳金海照明有限公司", "广州天中食品有限公司", "宁波嘉汇模具有限公司",
         "青岛博远化工有限公司"])]
    report = ingest.ingest_catalogue(session, rows, exhibition=show, source=source())
    assert (report.created, report.linked, report.review) == (7, 0, 0)


def test_same_credit_code_links_whatever_the_name(session, show):
    known = factories.company(session, "上海瑞丰汽车零部件有限公司",
                              credit_code="91310115MA1H7GXQ5L")
    report = ingest.ingest_catalogue(session, [row(2, "上海某某新名字科技有限公司",
                                                   credit_code="91310115MA1H7GXQ5L")],
                                     exhibition=show, source=source())
    assert report.linked == 1 and report.outcomes[0].company_id == known.id


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(session, show):
    before = counts(session)
    report = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source(),
                                     all_or_nothing=True)
    assert not report.written and [e.row for e in report.errors] == [5]
    assert counts(session) == before
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_dry_run_says_what_would_happen_and_writes_nothing(session, show):
    before = counts(session)
    report = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source(),
                                     dry_run=True)
    assert (report.created, report.linked) == (2, 1)
    assert counts(session) == before


def test_a_name_of_5000_characters_is_an_error_naming_the_column(session, show):
    report = ingest.ingest_catalogue(session, [row(7, "公" * 5000), row(8, "上海华恒机械有限公司")],
                                     exhibition=show, source=source())
    assert report.created == 1
    assert (report.errors[0].row, report.errors[0].column) == (7, "name_zh")
    assert "5000" in report.errors[0].message


def test_revert_leaves_the_database_as_before(session, show):
    known = factories.company(session, "上海瑞丰汽车零部件有限公司")
    before = counts(session)
    report = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source())
    assert report.linked == 2  # rows 2 and 4 are the known company
    session.refresh(known)
    assert known.website == "www.ruifeng-auto.com"
    ingest.revert_batch(session, report.batch_id)
    session.expire_all()
    assert counts(session) == before
    assert known.website is None and known.website_domain is None
    assert session.get(ImportBatch, report.batch_id).status == "reverted"
    with pytest.raises(ingest.Conflict):
        ingest.revert_batch(session, report.batch_id)


def test_revert_keeps_a_company_someone_has_worked_on(session, show):
    report = ingest.ingest_catalogue(session, CATALOGUE[1:2], exhibition=show, source=source())
    company = session.get(Company, report.outcomes[0].company_id)
    factories.contact(session, company, "李娜")  # added by hand after the import
    result = ingest.revert_batch(session, report.batch_id)
    assert result.companies_kept == 1
    session.expire_all()
    assert session.get(Company, company.id) is not None
    assert [c.name for c in company.contacts] == ["李娜"]
    assert company.phones == [] and company.import_batch_id is None


def _owned(session, company):
    company.owner_id = factories.user(session, "executor").id


def _organizes(session, company):
    factories.exhibition(session, "某组展公司主办的展会", organizer_id=company.id)


def _built_a_booth(session, company):
    client = factories.company(session, "上海客户有限公司")
    factories.participation(session, client, factories.exhibition(session, "另一展会"),
                            builder_id=company.id)


def _marked_different(session, company):
    from crm.models import NonMatch
    other = factories.company(session, "北京另一家有限公司")
    low, high = sorted((company.id, other.id))
    session.add(NonMatch(company_a_id=low, company_b_id=high))


@pytest.mark.parametrize("refer", [_owned, _organizes, _built_a_booth, _marked_different])
def test_revert_keeps_a_company_something_else_refers_to(session, show, refer):
    report = ingest.ingest_catalogue(session, CATALOGUE[1:3], exhibition=show, source=source())
    made = [o.company_id for o in report.outcomes if o.action == "created"]
    assert len(made) == 2
    refer(session, session.get(Company, made[0]))
    session.flush()
    result = ingest.revert_batch(session, report.batch_id)
    assert (result.companies_kept, result.companies_removed) == (1, 1)
    session.expire_all()
    assert session.get(Company, made[0]) is not None
    assert session.get(Company, made[1]) is None


def test_business_cards_find_their_company(session):
    known = factories.company(session, "上海瑞丰汽车零部件有限公司")
    cards = [card(2, "张敏", "上海瑞丰汽车零部件有限公司", mobile="139 1234 5678",
                  email="zhang.min@ruifeng-auto.com", title="采购经理"),
             card(3, "刘洋", None, company_en="Hangzhou Hongrui Packaging Co., Ltd.")]
    report = ingest.ingest_contacts(session, cards,
                                    source=Source(kind="contacts", file_name="cards.csv"))
    assert (report.linked, report.created) == (1, 1)
    session.refresh(known)
    assert [(c.name, c.mobile_e164, c.title) for c in known.contacts] == [
        ("张敏", "+8613912345678", "采购经理")]
    assert known.kind_values == ["exhibitor"]  # a card adds no kind


def test_progress_is_reported_per_chunk(session, show):
    seen = []
    ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source(),
                            progress=lambda done, total: seen.append((done, total)),
                            chunk_size=2)
    assert seen == [(2, 4), (4, 4)]


def test_terms_and_keys_of_every_chunk_are_written(session, show):
    # SQLite holds the terms and keys back to the end of the batch (ingest.SEARCH_TERMS);
    # PostgreSQL writes them chunk by chunk. Either way, one row a chunk:
    report = ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source(),
                                     chunk_size=1)
    ids = {o.company_id for o in report.outcomes if o.company_id}
    assert len(ids) == 2
    for cid in ids:
        assert session.scalar(select(func.count()).select_from(CompanySearchTerm).where(
            CompanySearchTerm.company_id == cid)) > 5
        assert session.scalar(select(func.count()).select_from(CompanyMatchKey).where(
            CompanyMatchKey.company_id == cid)) > 0
    found = set(session.scalars(search.matching_ids("ruifeng")))
    assert found & ids
    before = counts(session)
    ingest.ingest_catalogue(session, CATALOGUE, exhibition=show, source=source(),
                            chunk_size=1)
    assert counts(session) == before
