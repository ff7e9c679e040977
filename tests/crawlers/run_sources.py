"""Run several sources at once in one Scrapy process, each into its own database.

    python tests/crawlers/run_sources.py JOBS.json RESULTS.json

JOBS.json is a list of {"name", "database_url", "base_url", "settings"}; RESULTS.json
gets {name: {"status", "run_id", "report", "error"}}. One process for all the fixture
sites keeps the crawler tests fast: Python, Scrapy and the app load once, not per spider.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scrapy.crawler import AsyncCrawlerProcess, Crawler  # noqa: E402

from crawlers.runner import crawl_settings  # noqa: E402


def main(jobs_file: str, results_file: str) -> None:
    jobs = json.loads(Path(jobs_file).read_text("utf-8"))
    process = AsyncCrawlerProcess(crawl_settings())
    crawlers = {}
    for job in jobs:
        settings = crawl_settings(database_url=job["database_url"],
                                  overrides=job.get("settings") or {})
        crawler = Crawler(process.spider_loader.load(job["name"]), settings)
        crawlers[job["name"]] = crawler
        process.crawl(crawler, base_url=job["base_url"])
    process.start()
    results = {}
    for name, crawler in crawlers.items():
        stats = crawler.stats.get_stats()
        results[name] = {"status": stats.get("expolead/status"),
                         "run_id": stats.get("expolead/run_id"),
                         "report": stats.get("expolead/report") or {},
                         "error": stats.get("expolead/error")}
    Path(results_file).write_text(json.dumps(results, ensure_ascii=False, default=str), "utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
