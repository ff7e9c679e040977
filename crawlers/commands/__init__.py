"""Project commands: `scrapy crawl` exits non-zero when the run failed."""
