"""venue_calendar: a venue's calendar creates the shows it will host, at that venue."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.models import Exhibition


def test_upcoming_shows_are_created_at_the_venue(fixture_crawls):
    out = fixture_crawls["venue_calendar"]
    assert out.status == "ok"
    with out.db.session() as s:
        shows = {(e.name_zh, e.year, e.starts_on, e.ends_on, e.venue.code, e.city, e.halls)
                 for e in s.scalars(select(Exhibition))}
    assert shows == {
        ("中国国际工业博览会", 2026, date(2026, 9, 22), date(2026, 9, 26), "necc_shanghai", "上海", "1H-8H"),
        ("中国国际进口博览会", 2026, date(2026, 11, 5), date(2026, 11, 10), "necc_shanghai", "上海", "全馆"),
        ("上海国际广印展", 2027, date(2027, 3, 3), date(2027, 3, 6), "necc_shanghai", "上海", None),
    }
    assert (out.report["items"], out.report["new"]) == (3, 3)
