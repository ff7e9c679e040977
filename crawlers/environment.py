"""Apply the environment to a crawl's settings when it starts, never at import."""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone

from crawlers import version

SPIDER = "spider"  # above the project's settings, below `-s` on the command line


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def apply_environment(settings, spider_name: str, env: Mapping[str, str] | None = None) -> None:
    """Set what REDIS_URL, CRAWL_HTTPCACHE, CRAWLER_CONTACT_URL and DATABASE_URL ask for."""
    env = os.environ if env is None else env
    contact = env.get("CRAWLER_CONTACT_URL")
    if contact and settings.getpriority("CRAWLER_CONTACT_URL") <= settings_priority("spider"):
        settings.set("CRAWLER_CONTACT_URL", contact, priority=SPIDER)
    if settings.getpriority("USER_AGENT") <= settings_priority("project"):
        settings.set("USER_AGENT", user_agent(settings.get("CRAWLER_CONTACT_URL")),
                     priority=SPIDER)
    if _flag(env.get("CRAWL_HTTPCACHE")):
        settings.set("HTTPCACHE_ENABLED", True, priority=SPIDER)
    if env.get("DATABASE_URL") and not settings.get("DATABASE_URL"):
        settings.set("DATABASE_URL", env["DATABASE_URL"], priority=SPIDER)
    redis_url = settings.get("REDIS_URL") or env.get("REDIS_URL")
    if redis_url:
        use_redis(settings, redis_url, spider_name)


def settings_priority(name: str) -> int:
    from scrapy.settings import SETTINGS_PRIORITIES

    return SETTINGS_PRIORITIES[name]


def user_agent(contact: str | None) -> str:
    return f"ExpoLead-crawler/{version()} (+{contact or 'https://expolead.invalid/crawler'})"


def default_job(spider_name: str) -> str:
    """Workers started the same UTC day for one source share a queue unless told otherwise."""
    return f"{spider_name}:{datetime.now(timezone.utc):%Y%m%d}"


def use_redis(settings, redis_url: str, spider_name: str) -> None:
    """Share the request queue and the dupefilter of this job with every other worker."""
    job = settings.get("CRAWL_JOB") or default_job(spider_name)
    settings.set("CRAWL_JOB", job, priority=SPIDER)
    settings.set("REDIS_URL", redis_url, priority=SPIDER)
    settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", priority=SPIDER)
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority=SPIDER)
    # One worker finishing must not wipe the queue the others still work on.
    settings.set("SCHEDULER_PERSIST", True, priority=SPIDER)
    settings.set("SCHEDULER_QUEUE_KEY", f"expolead:{job}:requests", priority=SPIDER)
    settings.set("SCHEDULER_DUPEFILTER_KEY", f"expolead:{job}:dupefilter", priority=SPIDER)
    settings.set("DUPEFILTER_KEY", f"expolead:{job}:dupefilter", priority=SPIDER)
    # A shared queue lives in Redis, not in a job directory.
    settings.set("JOBDIR", None, priority=SPIDER)
