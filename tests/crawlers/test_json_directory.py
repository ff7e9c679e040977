"""json_directory: a directory that loads its rows from a JSON endpoint by offset."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.models import Company, CompanyAlias, CompanyPhone, Participation


def test_json_rows_become_exhibitors_with_their_booths(fixture_crawls):
    out = fixture_crawls["json_directory"]
    with out.db.session() as s:
        rows = {(c.name_zh, c.name_en, c.country, c.website) for c in s.scalars(select(Company))}
        assert rows == {
            ("迈瑞医疗国际股份有限公司", "Mindray Medical International Co., Ltd.", "CN",
             "https://www.mindray-demo.com"),
            ("江苏鱼跃医疗设备股份有限公司", None, "CN", None),
            (None, "Siemens Healthineers AG", "DE", "www.siemens-healthineers-demo.de"),
            ("乐普（北京）医疗器械股份有限公司", "Lepu Medical Technology (Beijing) Co., Ltd.", "CN",
             "lepumedical-demo.com"),
        }
        booths = {(p.company.name_zh or p.company.name_en, p.booth_no, p.hall, p.area_m2, p.origin)
                  for p in s.scalars(select(Participation))}
        assert booths == {
            ("迈瑞医疗国际股份有限公司", "1.1A01", "1.1", Decimal("216.00"), "domestic"),
            ("江苏鱼跃医疗设备股份有限公司", "2.1B12", "2.1", Decimal("36.00"), "domestic"),
            ("Siemens Healthineers AG", "8.2C01", "8.2", Decimal("300.00"), "foreign"),
            ("乐普（北京）医疗器械股份有限公司", "3.1D08", "3.1", Decimal("54.00"), "domestic"),
        }
        phones = sorted(p.e164 for p in s.scalars(select(CompanyPhone)))
        assert phones == ["+861080120666", "+8651186900876", "+8651186900877", "+8675581888998"]
        urls = {a.source_url for a in s.scalars(select(CompanyAlias))}
        # Each fact keeps the JSON answer it came from.
        assert {u.rsplit("/", 1)[1] for u in urls} == {
            "exhibitors?offset=0", "exhibitors?offset=2", "exhibitors?offset=4"}


def test_offsets_are_requested_once_each_and_the_nameless_row_is_reported(fixture_crawls):
    out = fixture_crawls["json_directory"]
    assert [out.hits[f"/json_directory/api/exhibitors?offset={o}"] for o in (0, 2, 4, 6)] == [1, 1, 1, 0]
    assert out.status == "partial"
    assert (out.report["list_pages"], out.report["items"], out.report["stored"],
            out.report["new"]) == (3, 5, 4, 4)
    assert out.report["dropped"] == {"no company name": 1}
