"""organizer_shows: an organizer's show list creates editions ahead of time."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.models import Company, Exhibition


def test_shows_are_created_or_completed_with_dates_venue_and_organizer(fixture_crawls):
    out = fixture_crawls["organizer_shows"]
    with out.db.session() as s:
        organizer = s.scalars(select(Company)).one()
        assert (organizer.name_zh, organizer.name_en) == ("上海博华国际展览有限公司", "UBM Sinoexpo")
        assert organizer.kind_values == ["organizer"]
        shows = {(e.name_zh, e.year): e for e in s.scalars(select(Exhibition))}
        assert set(shows) == {("中国国际汽车零部件博览会", 2025), ("亚洲宠物展览会", 2026),
                              ("中国国际食品和饮料展览会", 2026)}
        auto = shows[("中国国际汽车零部件博览会", 2025)]
        # Entered by hand without dates: completed, its notes kept.
        assert (auto.starts_on, auto.ends_on, auto.notes) == (date(2025, 12, 3), date(2025, 12, 6),
                                                             "entered by hand")
        assert auto.venue.name_zh == "上海新国际博览中心" and auto.organizer_id == organizer.id
        assert auto.website.endswith("/shows/auto")
        pets = shows[("亚洲宠物展览会", 2026)]
        assert (pets.name_en, pets.starts_on, pets.ends_on, pets.venue.code, pets.city) == (
            "Pet Fair Asia", date(2026, 8, 19), date(2026, 8, 23), "sniec", "上海")
        food = shows[("中国国际食品和饮料展览会", 2026)]
        assert (food.starts_on, food.ends_on, food.venue_id) == (date(2026, 3, 30), date(2026, 4, 2), None)
        assert food.notes == "Venue as announced: 杭州某新建会展中心"
    assert out.report["dropped"] == {"no dates or year": 1}
    assert (out.report["new"], out.report["linked"]) == (2, 1)
    assert out.report["details"] == {"created": 2, "updated": 1}
