"""The generic spider every source file runs on: list pages, items, detail pages, pagination.

A source (crawlers/sources/NAME.yaml, see crm.services.crawl_sources) becomes a subclass
of the spider of its kind named NAME (crawlers.spiderloader). The spider:

- requests the start URLs (HTML list pages, or JSON answers);
- reads every item node with the source's selectors; follows an item's detail page when
  the source has one and merges what it finds there (the detail page wins);
- follows the pagination — a next link, page numbers or an offset parameter — never past
  `limits.max_pages` list pages (endless pagination is bounded and reported);
- records every page that failed and why (HTTP status after retries, robots.txt, redirect
  loop, too large, timeout) in the crawl stats the run report is made of;
- when a start page's item selector matches nothing, records a layout error: the run
  then fails loudly instead of reporting success with 0 items.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import add_or_replace_parameter

from crawlers.environment import apply_environment
from crawlers.extract import extract, extract_fields, json_items, select_items
from crawlers.items import ITEM_CLASSES, CrawledItem
from crm.services import crawl_sources

log = logging.getLogger(__name__)
STATS = "expolead"


def failure_reason(failure) -> str:
    """Why a request failed, in words a report can count."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "forbidden by robots.txt"
        if "redirect" in text:
            return "redirect loop"
        return text or "ignored"
    name = type(exc).__name__
    text = str(exc)
    # Over DOWNLOAD_MAXSIZE: Scrapy cancels the download (the message is not always kept).
    if "max size" in text or name in ("DownloadCancelledError", "CancelledError"):
        return "page too large"
    if "Timeout" in name or "timed out" in text.lower():
        return "timeout"
    if name in ("ConnectionRefusedError", "DNSLookupError", "ConnectError",
                "ConnectionLost", "ResponseNeverReceived", "ConnectionDone"):
        return "connection failed"
    return name


class SourceSpider(scrapy.Spider):
    """The engine; subclasses set `kind`, the loader sets `name` and `sources_dir`."""

    kind: ClassVar[str] = ""
    sources_dir: ClassVar[str | None] = None

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        apply_environment(settings, cls.name)
        # A source's politeness: above the project's defaults, below `-s` on the command line.
        config = crawl_sources.load_source(cls.name, settings.get("CRAWL_SOURCES_DIR")
                                           or cls.sources_dir)
        politeness = config.get("politeness") or {}
        if "concurrency" in politeness:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", politeness["concurrency"],
                         priority="spider")
        if "delay" in politeness:
            settings.set("DOWNLOAD_DELAY", politeness["delay"], priority="spider")
        if settings.get("REDIS_URL"):
            # A worker takes from the shared queue only what it can fetch now, so the
            # others get their share instead of waiting while one worker hoards requests.
            settings.set("CONCURRENT_REQUESTS", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
                         priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis = bool(crawler.settings.get("REDIS_URL"))
        crawler.signals.connect(spider._on_request_dropped, signals.request_dropped)
        if spider.redis:
            crawler.signals.connect(spider._on_idle, signals.spider_idle)
            crawler.signals.connect(spider._on_opened, signals.spider_opened)
        return spider

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = crawl_sources.load_source(self.name, self.sources_dir)
        if self.config.kind != self.kind:
            raise ValueError(f"source {self.name} is a {self.config.kind} source, "
                             f"not {self.kind}")
        self.base_url = base_url or self.config.get("base_url")
        self.start_urls = [self._absolute(u) for u in self.config["start_urls"]]
        domains = self.config.get("allowed_domains") or sorted(
            {urlparse(u).hostname for u in self.start_urls if urlparse(u).hostname})
        self.allowed_domains = list(domains)
        self.is_json = "json" in self.config.data
        section = self.config["json"] if self.is_json else self.config["list"]
        self.item_spec = section["items"]
        self.list_fields = section["fields"]
        self.detail = self.config.get("detail")
        self.pagination = self.config.get("pagination") or {}
        self.max_pages = self.config["limits"]["max_pages"]
        self.list_requests = len(self.start_urls)
        self.layout_errors: list[str] = []
        self.limits_hit: set[str] = set()
        self.field_hits: Counter[str] = Counter()
        self.items_found = 0
        self.detail_seen: set[str] = set()
        self.last_activity = time.monotonic()
        self.quiet_since: float | None = None
        self.redis = False

    # -- helpers ------------------------------------------------------------------------------

    @property
    def stats(self):
        return self.crawler.stats

    def _inc(self, key: str, count: int = 1) -> None:
        self.stats.inc_value(f"{STATS}/{key}", count)

    def _absolute(self, url: str) -> str:
        if re.match(r"^https?://", url):
            return url
        return urljoin(self.base_url.rstrip("/") + "/", url.lstrip("/")) if self.base_url else url

    def _decoded(self, response: Response) -> Response:
        encoding = self.config.get("encoding")
        if encoding and isinstance(response, TextResponse):
            return response.replace(encoding=encoding)
        return response

    def _root(self, response: Response) -> Any:
        """The JSON document of a JSON answer, or the page's selector (ValueError if neither)."""
        if self.is_json or _looks_json(response):
            if not isinstance(response, TextResponse):
                raise ValueError("not a text answer")
            return response.json()
        if not isinstance(response, TextResponse):
            raise ValueError("not a text page")
        return response.selector

    def _now(self) -> datetime:
        return datetime.now(timezone.utc)

    def make_item(self, values: dict[str, Any], *, url: str, list_url: str | None,
                  detail_error: str | None = None) -> CrawledItem:
        item_class = ITEM_CLASSES[self.kind]
        return item_class(source=self.name, url=url, crawled_at=self._now(), values=values,
                          list_url=list_url, detail_error=detail_error)

    def configured_fields(self) -> list[str]:
        """The fields the source reads, from list items and detail pages, in order."""
        names = list(self.list_fields)
        if self.detail:
            names += [n for n in self.detail["fields"] if n not in names]
        return names

    # -- requests -------------------------------------------------------------------------------

    async def start(self):
        first = self._first_page_number()
        for url in self.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.page_failed,
                          meta={"page": first, "start": True, "origin": url},
                          dont_filter=not self.redis)

    def _first_page_number(self) -> int:
        if "pages" in self.pagination:
            return self.pagination["pages"].get("start", 1)
        if "offset" in self.pagination:
            return self.pagination["offset"].get("start", 0)
        return 1

    def _list_request(self, url: str, page: int, origin: str) -> Request | None:
        if self.list_requests >= self.max_pages:
            if "max_pages" not in self.limits_hit:
                log.warning("%s: stopped following the pagination at %s list pages "
                            "(limits.max_pages)", self.name, self.max_pages)
            self.limits_hit.add("max_pages")
            self._inc("pages_not_followed")
            return None
        self.list_requests += 1
        return Request(url, callback=self.parse_list, errback=self.page_failed,
                       meta={"page": page, "start": False, "origin": origin})

    # -- list pages ---------------------------------------------------------------------------

    def parse_list(self, response: Response):
        self.last_activity = time.monotonic()
        response = self._decoded(response)
        self._inc("list_pages")
        try:
            root = self._root(response)
            nodes = (json_items(root, self.item_spec) if isinstance(root, (dict, list))
                     else list(select_items(root, self.item_spec)))
        except ValueError as exc:
            self._page_error(response, f"unreadable page ({type(exc).__name__})")
            return
        if not nodes:
            self._inc("empty_list_pages")
            if response.meta.get("start"):
                what = self.item_spec if isinstance(self.item_spec, str) else (
                    self.item_spec.get("css") or self.item_spec.get("xpath"))
                message = (f"{response.url}: the item selector {what!r} matched nothing; "
                           "the site's layout may have changed")
                log.error("%s: %s", self.name, message)
                self.layout_errors.append(message)
                self._inc("empty_start_pages")
            return
        self.items_found += len(nodes)
        self._inc("items_found", len(nodes))
        for node in nodes:
            values = extract_fields(self.list_fields, node)
            self.field_hits.update(values.keys())
            if self.detail:
                link = extract(self.detail["link"], node)
                link = link[0] if isinstance(link, list) else link
                if link:
                    url = response.urljoin(link)
                    if url in self.detail_seen:
                        self._inc("duplicate_items")
                        continue
                    self.detail_seen.add(url)
                    yield Request(url, callback=self.parse_detail, errback=self.detail_failed,
                                  meta={"values": values, "list_url": response.url},
                                  dont_filter=True)
                    continue
                self._inc("items_without_detail_link")
            yield self.make_item(values, url=response.url, list_url=response.url)
        yield from self._next_pages(response, root)

    def _next_pages(self, response: Response, root: Any):
        page = response.meta.get("page", 1)
        origin = response.meta.get("origin") or response.url
        if "next" in self.pagination:
            link = extract(self.pagination["next"], root)
            link = link[0] if isinstance(link, list) else link
            if link:
                url = response.urljoin(link)
                if url != response.url:
                    request = self._list_request(url, page + 1, origin)
                    if request is not None:
                        yield request
            return
        for key in ("pages", "offset"):
            if key not in self.pagination:
                continue
            spec = self.pagination[key]
            step = spec["step"]
            bound = spec.get("last") if key == "pages" else spec.get("total")
            if bound is not None:
                if not response.meta.get("start"):
                    return  # every page was requested from the first one
                number = _number(extract(bound, root))
                if number is None:
                    self._page_error(response, f"pagination: the {key} bound matched nothing")
                    return
                last = number if key == "pages" else spec["start"] + number - 1
                value = page + step
                while value <= last:
                    request = self._list_request(self._page_url(spec, origin, value), value, origin)
                    if request is None:
                        return
                    yield request
                    value += step
                return
            # No bound: the next page, until a page has no items.
            request = self._list_request(self._page_url(spec, origin, page + step),
                                         page + step, origin)
            if request is not None:
                yield request
            return

    def _page_url(self, spec: dict[str, Any], origin: str, value: int) -> str:
        if spec.get("template"):
            path = spec["template"].format(page=value)
            return self._absolute(path) if self.base_url else urljoin(origin, path)
        return add_or_replace_parameter(origin, spec["param"], str(value))

    # -- detail pages ---------------------------------------------------------------------------

    def parse_detail(self, response: Response):
        self.last_activity = time.monotonic()
        response = self._decoded(response)
        self._inc("detail_pages")
        values = dict(response.meta["values"])
        try:
            root = response.json() if _looks_json(response) else response.selector
        except (ValueError, AttributeError) as exc:  # bad JSON, or a binary answer
            yield from self._detail_fallback(response.request, f"unreadable page ({type(exc).__name__})")
            return
        found = extract_fields(self.detail["fields"], root)
        self.field_hits.update(found.keys())
        values.update(found)
        yield self.make_item(values, url=response.url, list_url=response.meta.get("list_url"))

    def detail_failed(self, failure):
        self.last_activity = time.monotonic()
        reason = failure_reason(failure)
        self._inc(f"failed_pages/{reason}")
        log.warning("%s: detail page %s failed: %s", self.name, failure.request.url, reason)
        yield from self._detail_fallback(failure.request, reason)

    def _detail_fallback(self, request: Request, reason: str):
        if self.detail.get("required"):
            self._inc(f"dropped/detail page failed: {reason}")
            return
        self._inc("items_without_detail")
        yield self.make_item(dict(request.meta["values"]), url=request.meta["list_url"],
                             list_url=request.meta["list_url"], detail_error=reason)

    # -- failures -------------------------------------------------------------------------------

    def page_failed(self, failure):
        self.last_activity = time.monotonic()
        reason = failure_reason(failure)
        self._inc(f"failed_pages/{reason}")
        request = failure.request
        log.warning("%s: list page %s failed: %s", self.name, request.url, reason)
        if request.meta.get("start"):
            self._inc("failed_start_pages")

    def _page_error(self, response: Response, reason: str) -> None:
        self._inc(f"failed_pages/{reason}")
        log.warning("%s: %s: %s", self.name, response.url, reason)
        if response.meta.get("start"):
            self._inc("failed_start_pages")

    def _on_request_dropped(self, request: Request, spider) -> None:
        if spider is self:
            self._inc("duplicate_requests")

    # -- scale-out: workers share the queue and stop together ------------------------------
    #
    # A worker whose share of the queue is empty does not stop while another worker of the
    # job is busy: that one may queue more pages. Busy workers keep a key
    # expolead:JOB:busy:HOST:PID alive; a worker stops once the queue is empty, no other
    # worker is busy and it has been so for CRAWL_REDIS_IDLE_CLOSE seconds.

    def _redis_server(self):
        server = getattr(self, "_redis", None)
        if server is None:
            import redis

            server = self._redis = redis.from_url(self.crawler.settings.get("REDIS_URL"))
        return server

    def _job_prefix(self) -> str:
        return f"expolead:{self.crawler.settings.get('CRAWL_JOB')}"

    def _busy_key(self) -> str:
        import os
        import socket

        return f"{self._job_prefix()}:busy:{socket.gethostname()}:{os.getpid()}"

    def _queue_size(self) -> int:
        settings = self.crawler.settings
        key = settings.get("SCHEDULER_QUEUE_KEY") % {"spider": self.name}
        server = self._redis_server()
        kind = server.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "zset":
            return server.zcard(key)
        if kind == "list":
            return server.llen(key)
        return 0

    def _others_busy(self) -> bool:
        mine = self._busy_key()
        return any((k.decode() if isinstance(k, bytes) else k) != mine
                   for k in self._redis_server().scan_iter(f"{self._job_prefix()}:busy:*"))

    def _heartbeat(self) -> None:
        engine = getattr(self.crawler, "engine", None)
        try:
            if engine is not None and not engine.spider_is_idle():
                self._redis_server().set(self._busy_key(), 1, ex=5)
                self.quiet_since = None
        except Exception:  # the engine closing, or Redis gone: the idle check decides
            log.debug("%s: heartbeat skipped", self.name, exc_info=True)

    def _on_opened(self, spider) -> None:
        if spider is not self:
            return
        from twisted.internet import task

        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(1.0, now=True)

    def _on_idle(self, spider) -> None:
        if spider is not self:
            return
        grace = self.crawler.settings.getfloat("CRAWL_REDIS_IDLE_CLOSE", 30.0)
        try:
            server = self._redis_server()
            server.delete(self._busy_key())
            work_left = self._queue_size() > 0 or self._others_busy()
        except Exception:  # Redis gone: nothing more will come; let the worker finish
            log.exception("%s: cannot read the shared queue", self.name)
            return
        now = time.monotonic()
        if work_left:
            self.quiet_since = None
        elif self.quiet_since is None:
            self.quiet_since = now
        if work_left or now - self.quiet_since < grace:
            self._poke_soon()
            raise DontCloseSpider

    def _poke_soon(self) -> None:
        # The engine looks at the scheduler every 5 s when idle; look sooner, so a worker
        # joins in as soon as another one has queued work.
        from twisted.internet import reactor

        def poke() -> None:
            slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

        reactor.callLater(0.5, poke)

    def closed(self, reason: str) -> None:
        if not self.redis:
            return
        beat = getattr(self, "_beat", None)
        if beat is not None and beat.running:
            beat.stop()
        try:
            settings = self.crawler.settings
            server = self._redis_server()
            server.delete(self._busy_key())
            ttl = settings.getint("CRAWL_REDIS_KEY_TTL", 7 * 24 * 3600)
            for name in ("SCHEDULER_QUEUE_KEY", "SCHEDULER_DUPEFILTER_KEY"):
                server.expire(settings.get(name) % {"spider": self.name}, ttl)
        except Exception:
            log.exception("%s: cannot set the expiry of the shared queue", self.name)


def _looks_json(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "json" in content_type


def _number(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[-1] if value else None
    if value is None:
        return None
    digits = re.findall(r"\d+", str(value).replace(",", ""))
    return int(digits[-1]) if digits else None
