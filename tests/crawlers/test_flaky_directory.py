"""flaky_directory: every page answers 500 once, then 200; retries with backoff get through."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Participation


def test_pages_that_fail_once_are_retried_and_everything_is_stored(fixture_crawls):
    out = fixture_crawls["flaky_directory"]
    assert out.hits["/flaky_directory/list.html"] == 2
    assert out.hits["/flaky_directory/detail/1.html"] == 2
    assert out.hits["/flaky_directory/detail/2.html"] == 2
    assert out.hits["/flaky_directory/detail/3.html"] == 1
    assert out.status == "ok"
    assert out.report["retries"] == 3 and out.report["failed_pages"] == {}
    with out.db.session() as s:
        booths = {(p.company.name_zh, p.hall, p.booth_no) for p in s.scalars(select(Participation))}
    assert booths == {("东莞市森雅家具有限公司", "3.1", "3.1A18"),
                      ("佛山市顺德区木韵家居有限公司", "4.2", "4.2B06"),
                      ("浙江安吉椅业有限公司", "5.1", "5.1C33")}
