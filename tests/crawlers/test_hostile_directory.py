"""hostile_directory: endless pagination, a huge page, a redirect loop — bounded, reported."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Participation


def test_endless_pagination_stops_at_max_pages_and_is_reported(fixture_crawls):
    out = fixture_crawls["hostile_directory"]
    pages = sorted(int(p.rsplit("/", 1)[1]) for p in out.hits if p.startswith("/hostile_directory/page/"))
    assert pages == [1, 2, 3, 4, 5]  # limits.max_pages: 5
    assert out.status == "partial"
    assert out.report["limits"] == ["max_pages"]


def test_huge_page_and_redirect_loop_fail_alone_and_are_counted(fixture_crawls):
    out = fixture_crawls["hostile_directory"]
    assert out.report["failed_pages"] == {"page too large": 1, "redirect loop": 1}
    assert out.hits["/hostile_directory/huge"] == 1
    # Followed up to REDIRECT_MAX_TIMES, then given up.
    assert 1 <= out.hits["/hostile_directory/loop/a"] <= 11
    with out.db.session() as s:
        booths = sorted((p.booth_no, p.company.name_zh) for p in s.scalars(select(Participation)))
    # Items whose detail page failed keep what the list said; each stored whole.
    assert booths == [("H1", "巨页测试有限公司"), ("H2", "循环跳转测试有限公司"),
                      *[(f"P{n}", f"无尽分页第{n}号有限公司") for n in range(1, 6)]]
    assert out.report["warnings"] == ["the selector of address matched nothing on any item"]
