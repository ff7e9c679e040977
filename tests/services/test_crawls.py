"""Crawl runs, show editions announced ahead, and news matched to companies."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

import crm.services.matching  # noqa: F401  (match keys kept current)
from crm.models import CrawlStatus, Exhibition
from crm.services import crawls
from crm.services.errors import Conflict, ValidationFailed
from crm.services.exhibitions import CalendarEntry, series_name, upsert_from_calendar
from tests import factories


def test_series_name_drops_the_year_and_edition():
    assert series_name("2025第二十届中国国际汽车零部件博览会") == "中国国际汽车零部件博览会"
    assert series_name("第十二届 亚洲宠物展览会（2026）") == "亚洲宠物展览会"
    assert series_name("2025 上海车展") == "上海车展"


def test_upsert_creates_a_show_ahead_and_later_fills_only_blanks(session):
    venue = factories.venue(session, "国家会展中心（上海）", code="necc", city="上海")
    entry = CalendarEntry(name_zh="2026第八届中国国际进口博览会", year=2026,
                          starts_on=date(2026, 11, 5), ends_on=date(2026, 11, 10),
                          venue="国家会展中心(上海) 全馆")
    show, outcome = upsert_from_calendar(session, entry)
    assert outcome == "created"
    assert (show.name_zh, show.year, show.venue_id, show.city) == (
        "中国国际进口博览会", 2026, venue.id, "上海")
    show.starts_on = date(2026, 11, 4)  # a person corrected it
    again = CalendarEntry(name_zh="中国国际进口博览会", year=2026, starts_on=date(2026, 11, 5),
                          website="https://www.ciie.example")
    same, outcome = upsert_from_calendar(session, again)
    assert (same.id, outcome) == (show.id, "updated")
    assert (same.starts_on, same.website) == (date(2026, 11, 4), "https://www.ciie.example")
    assert upsert_from_calendar(session, again)[1] == "unchanged"


def test_upsert_keeps_an_unknown_venue_as_a_note_and_refuses_a_nameless_show(session):
    show, _ = upsert_from_calendar(session, CalendarEntry(name_zh="某展", year=2026, venue="新馆"))
    assert show.venue_id is None and show.notes == "Venue as announced: 新馆"
    with pytest.raises(ValidationFailed):
        upsert_from_calendar(session, CalendarEntry(name_zh="  ", year=2026))


def test_a_run_goes_from_queued_to_running_to_finished(session):
    run = crawls.create_run(session, "expo_directory", item_limit=10)
    assert run.status == "queued"
    crawls.start_run(session, run.id, "expo_directory", kind="exhibitors", worker="h:1", pid=1)
    assert (run.status, run.kind) == ("running", "exhibitors")
    with pytest.raises(Conflict):
        crawls.start_run(session, run.id, "expo_directory", kind="exhibitors", worker="h:2", pid=2)
    assert crawls.run_is_active(session, "expo_directory") == run
    crawls.finish_run(session, run.id, CrawlStatus.PARTIAL, {"pages": 3})
    assert (run.status, run.stats, run.finished) == ("partial", {"pages": 3}, True)
    newer = crawls.create_run(session, "expo_directory")
    other = crawls.create_run(session, "industry_news")
    assert crawls.last_runs(session, ["expo_directory", "industry_news", "none"]) == {
        "expo_directory": newer, "industry_news": other}


def test_news_mentions_are_matched_and_news_is_stored_once_per_url(session):
    haier = factories.company(session, "青岛海尔股份有限公司", name_en="Haier Group")
    article = crawls.NewsData(
        title="海尔与某新能源公司签署战略合作", url="https://news.example/1",
        published_on=date(2025, 5, 10), summary="青岛海尔股份有限公司与无锡未来能源科技有限公司达成合作。",
        crawled_at=datetime(2025, 5, 11, tzinfo=timezone.utc))
    result = crawls.store_news(session, [article], source="industry_news")
    assert (result.new, result.details["mentions_linked"], result.details["mentions_unmatched"]) == (1, 1, 1)
    news = crawls.recent_news(session)[0]
    assert {(m.name, m.status, m.company_id) for m in news.mentions} == {
        ("青岛海尔股份有限公司", "linked", haier.id), ("无锡未来能源科技有限公司", "unmatched", None)}
    assert crawls.news_for_company(session, haier.id) == [news]
    again = crawls.store_news(session, [article], source="industry_news")
    assert (again.new, again.linked) == (0, 1)
    assert len(crawls.recent_news(session)) == 1 and len(news.mentions) == 2


def test_company_names_are_found_in_text():
    assert crawls.companies_in_text("据悉，上海恒泰精密机械有限公司与海尔集团签约") == [
        "上海恒泰精密机械有限公司", "海尔集团"]
    assert crawls.companies_in_text("没有公司名") == []


def test_exhibition_for_a_crawl_is_made_once(session):
    first = crawls.show_for(session, "某某博览会", 2026)
    assert crawls.show_for(session, " 某某博览会 ", 2026).id == first.id
    assert session.scalar(select(func.count()).select_from(Exhibition)) == 1
