"""What the database holds before a fixture site is crawled, by source name."""
from __future__ import annotations

from tests import factories


def expo_directory(s) -> None:
    # Known before the crawl: the crawl links to it and adds its English name.
    factories.company(s, "苏州瑞丰新材料有限公司")


def organizer_shows(s) -> None:
    factories.venue(s, "上海新国际博览中心", name_en="Shanghai New International Expo Centre",
                    code="sniec", city="上海")
    # Typed in by hand without dates: the organizer's list fills them in.
    factories.exhibition(s, "中国国际汽车零部件博览会", 2025, notes="entered by hand")


def venue_calendar(s) -> None:
    factories.venue(s, "国家会展中心（上海）", name_en="National Exhibition and Convention Center "
                    "(Shanghai)", code="necc_shanghai", city="上海")


def industry_news(s) -> None:
    factories.company(s, "上海恒泰精密机械有限公司")
    factories.company(s, "青岛海尔股份有限公司", name_en="Haier Group")


SEEDS = {"expo_directory": expo_directory, "organizer_shows": organizer_shows,
         "venue_calendar": venue_calendar, "industry_news": industry_news}
