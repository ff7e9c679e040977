"""The environment a crawl starts in: Redis scale-out, the HTTP cache, the user agent."""
from __future__ import annotations

from scrapy.settings import Settings

from crawlers import version
from crawlers.environment import apply_environment


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    return settings


def test_defaults_are_polite_and_bounded():
    s = project_settings()
    apply_environment(s, "expo", env={})
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.get("USER_AGENT") == f"ExpoLead-crawler/{version()} (+https://expolead.invalid/crawler)"
    assert s.getint("DOWNLOAD_MAXSIZE") == 10 * 1024 * 1024 and s.getint("RETRY_TIMES") == 3
    assert s.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert not s.getbool("HTTPCACHE_ENABLED")


def test_redis_url_moves_queue_and_dupefilter_to_redis_per_job():
    s = project_settings()
    s.set("CRAWL_JOB", "canton-0415", priority="cmdline")
    apply_environment(s, "cantonfair", env={"REDIS_URL": "redis://h:6379/0",
                                            "CRAWL_HTTPCACHE": "1",
                                            "CRAWLER_CONTACT_URL": "https://firm.example/bot"})
    assert s.get("SCHEDULER") == "scrapy_redis.scheduler.Scheduler"
    assert s.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert s.get("SCHEDULER_QUEUE_KEY") == "expolead:canton-0415:requests"
    assert s.getbool("SCHEDULER_PERSIST") and s.get("JOBDIR") is None
    assert s.getbool("HTTPCACHE_ENABLED")
    assert s.get("USER_AGENT").endswith("(+https://firm.example/bot)")


def test_the_command_line_wins_over_the_environment():
    s = project_settings()
    s.set("USER_AGENT", "mine", priority="cmdline")
    apply_environment(s, "expo", env={"CRAWLER_CONTACT_URL": "https://firm.example/bot"})
    assert s.get("USER_AGENT") == "mine"
