"""What the spiders yield: the values read from a page, where and when they were read.

Values are keyed by the field names of the source file (for exhibitors, the columns of a
show catalogue). The pipelines check them and turn them into the rows the services take.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers.extract import Value


@dataclass
class CrawledItem:
    """One thing found on a site."""

    source: str  # the source file's name
    url: str  # the page the values were read from (the detail page, when there is one)
    crawled_at: datetime  # UTC, when that page was read
    values: dict[str, Value] = field(default_factory=dict)
    list_url: str | None = None  # the list page it was found on
    detail_error: str | None = None  # why the detail page could not be read, if it could not


@dataclass
class ExhibitorItem(CrawledItem):
    """展商: an exhibitor of the source's show edition, with its booth."""


@dataclass
class ShowItem(CrawledItem):
    """展会: a show edition on an organizer's list or a venue's calendar."""


@dataclass
class NewsArticleItem(CrawledItem):
    """行业新闻: one article of a news listing and the companies it names."""


ITEM_CLASSES: dict[str, type[CrawledItem]] = {
    "exhibitors": ExhibitorItem,
    "shows": ShowItem,
    "venue_calendar": ShowItem,
    "news": NewsArticleItem,
}
