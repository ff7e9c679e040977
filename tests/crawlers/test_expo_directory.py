"""expo_directory: a paginated exhibitor list with detail pages; robots.txt forbids one."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.models import (
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyPhone,
    CrawlRun,
    CrawlRunBatch,
    Exhibition,
    ImportBatch,
    Participation,
)

SHOW = "2025 中国国际汽车零部件博览会"


def test_exhibitors_companies_aliases_and_booths_are_stored_exactly(fixture_crawls):
    out = fixture_crawls["expo_directory"]
    base = _base(out)
    with out.db.session() as s:
        show = s.scalars(select(Exhibition)).one()
        assert (show.name_zh, show.year) == ("中国国际汽车零部件博览会", 2025)
        companies = {c.name_zh: c for c in s.scalars(select(Company))}
        assert set(companies) == {"上海恒泰精密机械有限公司", "深圳市华锐电子科技有限公司",
                                  "北京京诚汽车零部件有限公司", "苏州瑞丰新材料有限公司"}
        hengtai = companies["上海恒泰精密机械有限公司"]
        assert hengtai.name_en == "Shanghai Hengtai Precision Machinery Co., Ltd."
        assert hengtai.website == "http://www.hengtai-precision.com"
        assert hengtai.address == "上海市浦东新区川沙路1888号"
        booths = {(p.company.name_zh, p.booth_no, p.hall, p.area_m2, p.booth_type)
                  for p in s.scalars(select(Participation))}
        assert booths == {
            ("上海恒泰精密机械有限公司", "N1-A101", "N1", Decimal("54.00"), "special"),
            ("上海恒泰精密机械有限公司", "N1-A102", "N1", Decimal("9.00"), "standard"),
            ("深圳市华锐电子科技有限公司", "N2-B202", "N2", Decimal("36.00"), "raw_space"),
            # Its detail page is forbidden by robots.txt: the list's values only.
            ("北京京诚汽车零部件有限公司", "W1-C303", None, None, None),
            ("苏州瑞丰新材料有限公司", "S1-D404", "S1", Decimal("18.00"), None),
        }
        aliases = {(a.company.name_zh, a.name, a.source_url)
                   for a in s.scalars(select(CompanyAlias).where(CompanyAlias.source_url.is_not(None)))}
        assert aliases == {
            ("上海恒泰精密机械有限公司", "上海恒泰精密机械有限公司", f"{base}/detail/hengtai.html"),
            ("上海恒泰精密机械有限公司", "Shanghai Hengtai Precision Machinery Co., Ltd.",
             f"{base}/detail/hengtai.html"),
            ("深圳市华锐电子科技有限公司", "深圳市华锐电子科技有限公司", f"{base}/detail/huarui.html"),
            ("深圳市华锐电子科技有限公司", "Shenzhen Huarui Electronic Technology Co., Ltd.",
             f"{base}/detail/huarui.html"),
            ("北京京诚汽车零部件有限公司", "北京京诚汽车零部件有限公司", f"{base}/list-1.html"),
            # Known before the crawl under its Chinese name: linked, its English name added.
            ("苏州瑞丰新材料有限公司", "Suzhou Ruifeng New Material Co., Ltd.",
             f"{base}/detail/ruifeng.html"),
        }
        phones = {(p.company.name_zh, p.e164) for p in s.scalars(select(CompanyPhone))}
        assert phones == {("上海恒泰精密机械有限公司", "+862158881234"),
                          ("上海恒泰精密机械有限公司", "+8613816612345"),
                          ("深圳市华锐电子科技有限公司", "+8675526781234"),
                          ("苏州瑞丰新材料有限公司", "+8651265551234")}
        emails = {(e.company.name_zh, e.email) for e in s.scalars(select(CompanyEmail))}
        assert emails == {("上海恒泰精密机械有限公司", "sales@hengtai-precision.com"),
                          ("深圳市华锐电子科技有限公司", "info@huarui-tech.cn")}


def test_every_fact_keeps_its_page_and_crawl_time(fixture_crawls):
    out = fixture_crawls["expo_directory"]
    base = _base(out)
    with out.db.session() as s:
        run = s.get(CrawlRun, out.run_id)
        booth = s.scalars(select(Participation).where(Participation.booth_no == "N1-A102")).one()
        assert booth.source.startswith(f"crawl:{base}/detail/hengtai-2.html")
        assert booth.source.endswith(f"@{SHOW}")
        phone = s.scalars(select(CompanyPhone).where(CompanyPhone.e164 == "+8613816612345")).one()
        assert phone.source.startswith(f"crawl:{base}/detail/hengtai.html")
        for alias in s.scalars(select(CompanyAlias).where(CompanyAlias.source_url.is_not(None))):
            assert run.started_at <= alias.seen_at <= run.finished_at
        batch = s.scalars(select(ImportBatch)).one()
        assert batch.kind == "crawl" and batch.file_name == "expo_directory"
        assert [b.import_batch_id for b in s.scalars(select(CrawlRunBatch))] == [batch.id]


def test_the_run_report_counts_pages_items_and_the_forbidden_page(fixture_crawls):
    out = fixture_crawls["expo_directory"]
    # robots.txt forbids one detail page: stored without it, so the run is partial.
    assert out.status == "partial"
    report = out.report
    assert (report["pages"], report["list_pages"], report["detail_pages"]) == (6, 2, 4)
    assert (report["items"], report["stored"], report["new"], report["linked"],
            report["review"]) == (5, 5, 3, 2, 0)
    assert report["failed_pages"] == {"forbidden by robots.txt": 1}
    assert report["items_without_detail"] == 1
    assert report["dropped"] == {}
    assert out.hits["/expo_directory/private/jingcheng.html"] == 0
    assert out.hits["/robots.txt"] >= 1
    with out.db.session() as s:
        run = s.get(CrawlRun, out.run_id)
        assert (run.source, run.kind, run.status) == ("expo_directory", "exhibitors", "partial")
        assert run.stats["new"] == 3 and run.stats["failed_pages"] == {"forbidden by robots.txt": 1}
        assert run.finished_at is not None and run.error is None


def _base(out) -> str:
    with out.db.session() as s:
        url = s.scalars(select(CompanyAlias.source_url).where(
            CompanyAlias.source_url.like("%/list-1.html"))).first()
    return url.rsplit("/", 1)[0]
