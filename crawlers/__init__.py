"""Scrapy project: exhibitor directories, show lists, venue calendars and industry news.

Spiders are mostly data: each YAML file in crawlers/sources/ is a spider of the same name
(`scrapy crawl NAME`, `crm crawl NAME`), run by the generic spider of its kind. Items go
through crawlers.pipelines into crm.services (ingest for exhibitors, exhibitions for
shows, crawls for news), one transaction per batch; each run is a CrawlRun with its report.
"""
from __future__ import annotations


def version() -> str:
    """The installed ExpoLead version, for the user agent."""
    try:
        from importlib.metadata import version as dist_version

        return dist_version("expolead")
    except Exception:  # not installed (a bare checkout)
        return "0.1.0"
