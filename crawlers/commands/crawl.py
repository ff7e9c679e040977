"""`scrapy crawl NAME`: Scrapy's command, whose exit status says whether the run failed.

A site whose layout changed must not look like a quiet success to a scheduler or a shell
script: when the run's status is "failed" (see crawlers.pipelines) the exit status is 1.
"""
from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give one source (see `scrapy list`)")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        status = crawler.stats.get_value("expolead/status")
        if self.crawler_process.bootstrap_failed or status not in ("ok", "partial"):
            self.exitcode = 1
