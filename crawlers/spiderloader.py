"""Find spiders by name: the project's spider classes, and one per source file.

`scrapy list` shows every source; `scrapy crawl NAME` and `crm crawl NAME` load
crawlers/sources/NAME.yaml, validate it (errors name the line and the field) and run the
generic spider of its kind under that name.
"""
from __future__ import annotations

from scrapy.spiderloader import SpiderLoader

from crm.services import crawl_sources


def spider_classes() -> dict[str, type]:
    from crawlers.spiders.exhibitors import ExhibitorDirectorySpider
    from crawlers.spiders.news import NewsSpider
    from crawlers.spiders.shows import OrganizerShowsSpider
    from crawlers.spiders.venue_calendar import VenueCalendarSpider

    return {cls.kind: cls for cls in (ExhibitorDirectorySpider, OrganizerShowsSpider,
                                      VenueCalendarSpider, NewsSpider)}


def spider_for_source(name: str, sources_dir: str | None = None) -> type:
    """The spider class of a source file (raises SourceInvalid when the file is invalid)."""
    config = crawl_sources.load_source(name, sources_dir)
    base = spider_classes()[config.kind]
    return type(f"{base.__name__}_{name}", (base,),
                {"name": name, "sources_dir": sources_dir, "__module__": base.__module__})


class SourceSpiderLoader(SpiderLoader):
    """Scrapy's loader, plus the source files of CRAWL_SOURCES_DIR (or crawlers/sources)."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.sources_dir = settings.get("CRAWL_SOURCES_DIR") or None

    def _source_names(self) -> list[str]:
        return crawl_sources.source_names(self.sources_dir)

    def load(self, spider_name: str):
        if spider_name in self._source_names():
            return spider_for_source(spider_name, self.sources_dir)
        return super().load(spider_name)

    def list(self) -> list[str]:
        return sorted(set(super().list()) | set(self._source_names()))
