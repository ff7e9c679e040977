"""Run one source in this process (the `crm crawl` command) and tell how it went."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings


@dataclass
class RunResult:
    """How a run ended: its status (ok / partial / failed), run id, report and error."""

    status: str
    run_id: int | None
    report: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def crawl_settings(*, database_url: str | None = None, limit: int | None = None,
                   pages: int | None = None, run_id: int | None = None,
                   user_id: int | None = None, job: str | None = None,
                   jobdir: str | Path | None = None, sources_dir: str | Path | None = None,
                   redis_url: str | None = None, overrides: dict[str, Any] | None = None
                   ) -> Settings:
    """The project's settings with the options of one run on top."""
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    given = {
        "DATABASE_URL": database_url,
        "CRAWL_ITEM_LIMIT": limit,
        "CLOSESPIDER_ITEMCOUNT": limit,
        "CLOSESPIDER_PAGECOUNT": pages,
        "CRAWL_RUN_ID": run_id,
        "CRAWL_USER_ID": user_id,
        "CRAWL_JOB": job,
        "JOBDIR": str(jobdir) if jobdir else None,
        "CRAWL_SOURCES_DIR": str(sources_dir) if sources_dir else None,
        "REDIS_URL": redis_url,
    }
    for key, value in given.items():
        if value is not None:
            settings.set(key, value, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_source(name: str, *, base_url: str | None = None, **options: Any) -> RunResult:
    """Crawl the source NAME to the end (Twisted's reactor: once per process)."""
    settings = crawl_settings(**options)
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(name)
    kwargs = {"base_url": base_url} if base_url else {}
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    report = stats.get("expolead/report") or {}
    status = stats.get("expolead/status") or ("failed" if process.bootstrap_failed else "failed")
    return RunResult(status=status, run_id=stats.get("expolead/run_id"), report=report,
                     error=stats.get("expolead/error"))
