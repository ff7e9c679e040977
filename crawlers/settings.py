"""Scrapy settings of the ExpoLead crawlers: polite by default, bounded against hostile sites.

Constants only: what depends on the environment (REDIS_URL, CRAWL_HTTPCACHE,
CRAWLER_CONTACT_URL, DATABASE_URL) is applied when a spider starts, by
crawlers.environment.apply_environment, so importing this module reads nothing.
Command-line `-s NAME=VALUE` and `crm crawl` options override both.
"""
from crawlers import version

BOT_NAME = "expolead"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
# Every YAML file in crawlers/sources/ is a spider of the same name.
SPIDER_LOADER_CLASS = "crawlers.spiderloader.SourceSpiderLoader"
COMMANDS_MODULE = "crawlers.commands"
CRAWL_SOURCES_DIR = None  # None: $CRAWL_SOURCES_DIR or crawlers/sources

# --- who we are ---------------------------------------------------------------------------
# Site owners who see us in their logs can find out who crawls and how to reach us.
CRAWLER_CONTACT_URL = "https://expolead.invalid/crawler"  # set $CRAWLER_CONTACT_URL
USER_AGENT = f"ExpoLead-crawler/{version()} (+{CRAWLER_CONTACT_URL})"

# --- politeness -----------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32  # over all sites of one run
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # a source's `politeness.concurrency` overrides it
DOWNLOAD_DELAY = 0.25  # the floor AutoThrottle never goes below; `politeness.delay` overrides
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- robustness -----------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled for each next one
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30
REDIRECT_MAX_TIMES = 10
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.BackoffDelayMiddleware": 560,
}

# --- bounds (hostile or broken sites) ------------------------------------------------------
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # a directory page is never 10 MB: refuse, report
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DEPTH_LIMIT = 2000  # a safety net; a source's `limits.max_pages` bounds its pagination
CLOSESPIDER_PAGECOUNT = 100_000
CLOSESPIDER_ITEMCOUNT = 0  # `crm crawl --limit N` sets it for one run
CLOSESPIDER_TIMEOUT = 6 * 3600

# --- the way into the database -------------------------------------------------------------
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidationPipeline": 100,
    "crawlers.pipelines.StorePipeline": 800,
}
CRAWL_BATCH_SIZE = 500  # items per transaction
CRAWL_BATCH_SECONDS = 5.0  # or sooner, so a run's progress shows while it runs
CRAWL_RUN_ID = None  # a run row made beforehand (the web UI); otherwise one is made
CRAWL_USER_ID = None  # who started the run, for the audit log
CRAWL_ITEM_LIMIT = 0  # store at most this many items (crm crawl --limit)
DATABASE_URL = None  # None: $DATABASE_URL or the app's default

# --- development -----------------------------------------------------------------------------
# CRAWL_HTTPCACHE=1 in the environment (or -s HTTPCACHE_ENABLED=1) replays pages from
# .scrapy/httpcache instead of fetching them again while a source's selectors are tuned.
HTTPCACHE_ENABLED = False
HTTPCACHE_EXPIRATION_SECS = 24 * 3600
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_IGNORE_HTTP_CODES = [500, 502, 503, 504, 408, 429]

# --- scale-out (REDIS_URL set) ----------------------------------------------------------------
# The scheduler and dupefilter move to Redis so several workers share one queue; keys are
# per job (crm crawl --job, default the source and the UTC date) and expire after a week.
CRAWL_JOB = None
CRAWL_REDIS_IDLE_CLOSE = 10.0  # a worker stops once the job (queue and every worker) is quiet this long
CRAWL_REDIS_KEY_TTL = 7 * 24 * 3600

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
