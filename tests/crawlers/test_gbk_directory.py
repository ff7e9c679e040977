"""gbk_directory: GBK pages declared only in <meta>, numbered pages, broken markup."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Company, Participation


def test_gbk_pages_and_broken_markup_are_read_exactly(fixture_crawls):
    out = fixture_crawls["gbk_directory"]
    assert out.status == "ok"
    with out.db.session() as s:
        booths = {(p.company.name_zh, p.booth_no) for p in s.scalars(select(Participation))}
        phones = {c.name_zh: sorted(p.e164 for p in c.phones) for c in s.scalars(select(Company))}
    # 堃 and 喆 are GBK, not GB2312: the page says gb2312 and means GBK, as browsers read it.
    assert booths == {("杭州堃鹏机电设备有限公司", "5C21"), ("广州市喆华包装材料有限公司", "5D02"),
                      # Page 2's markup is broken (unclosed cells, stray tags): still read.
                      ("宁波永新光学股份有限公司", "6A11"), ("无锡市宏达染整设备有限公司", "6B07")}
    assert phones == {"杭州堃鹏机电设备有限公司": ["+8657187651234"],
                      "广州市喆华包装材料有限公司": ["+862038881234"],
                      "宁波永新光学股份有限公司": ["+8657488881234"],
                      "无锡市宏达染整设备有限公司": ["+8651085551234"]}


def test_numbered_pages_stop_at_the_first_empty_page(fixture_crawls):
    out = fixture_crawls["gbk_directory"]
    hits = [out.hits[f"/gbk_directory/list.html?page={n}"] for n in (1, 2, 3, 4)]
    assert hits == [1, 1, 1, 0]
    assert out.report["list_pages"] == 3 and out.report["layout_errors"] == []
