"""From items to the database: check each item, store them in batches, report the run.

ValidationPipeline turns an item into the row its service takes — an exhibitor into a
catalogue row cleaned by the same reader code as an Excel file (crm.importers.catalogue),
a show into a CalendarEntry, an article into NewsData — or drops it with a reason.

StorePipeline collects checked items and writes them CRAWL_BATCH_SIZE at a time (or every
CRAWL_BATCH_SECONDS), one transaction per batch, in one writer thread so the crawl goes
on while the database works. A batch that fails is rolled back whole and fails the run:
nothing is ever half-written. The run (CrawlRun) is opened when the spider opens, its
report updated with each batch and finished when the spider closes, with a status:

- failed: the layout changed (a start page's item selector matched nothing), nothing
  could be fetched, every item was dropped, storing failed, or the crawl broke off;
- partial: stored, but pages failed, items were dropped or a bound was hit;
- ok: everything found was stored.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import time
import traceback
from collections import Counter
from typing import Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from crawlers.extract import as_text, parse_date, parse_date_range
from crawlers.items import CrawledItem

log = logging.getLogger(__name__)
STATS = "expolead"
USER_LIMIT_REASONS = ("closespider_itemcount",)
BOUND_REASONS = ("closespider_pagecount", "closespider_timeout", "closespider_errorcount")
WRITE_ATTEMPTS = 5


class Reject(Exception):
    """The item cannot be stored; the reason is counted in the run report."""


def _count_reason(crawler, reason: str) -> None:
    crawler.stats.inc_value(f"{STATS}/dropped/{reason}")


# --- checking ---------------------------------------------------------------------------

class ValidationPipeline:
    """Turn each item into the row its service takes, or drop it with a reason."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.seq = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: Any):
        if not isinstance(item, CrawledItem):
            return item
        spider = self.crawler.spider
        self.seq += 1
        self.crawler.stats.inc_value(f"{STATS}/items")
        try:
            for name in spider.config.get("required") or []:
                if item.values.get(name) in (None, "", []):
                    raise Reject(f"missing {name}")
            checker = CHECKERS[spider.kind]
            item.record = checker(item, self.seq, spider)
        except Reject as exc:
            reason = str(exc)
            _count_reason(self.crawler, reason)
            raise DropItem(f"{reason} ({item.url})") from None
        return item


def check_exhibitor(item: CrawledItem, seq: int, spider) -> Any:
    """The item as a catalogue row, cleaned by the catalogue reader's own code."""
    from crm.importers.catalogue import catalogue_row
    from crm.importers.rows import Cells
    from crm.services.crawls import CrawledRow

    names = [n for n in spider.configured_fields() if n != "_"]
    texts = [as_text(item.values.get(n)) or "" for n in names]
    cells = Cells(seq, None, texts, {n: i for i, n in enumerate(names)}, names)
    row = catalogue_row(cells)
    if row.rejected:
        fatal = next(e for e in row.errors if e.fatal)
        raise Reject(_reason(fatal.message))
    for error in row.errors:
        spider.crawler.stats.inc_value(f"{STATS}/values_dropped/{_reason(error.message)}")
    return CrawledRow(row=row, url=item.url, crawled_at=item.crawled_at)


def check_show(item: CrawledItem, seq: int, spider) -> Any:
    """The item as a CalendarEntry: a named show with a year (from its dates or given)."""
    from crm.services.exhibitions import CalendarEntry

    v = item.values
    name = as_text(v.get("name_zh") or v.get("name"), " ")
    name_en = as_text(v.get("name_en"), " ")
    if not name and not name_en:
        raise Reject("missing show name")
    starts_on, ends_on = parse_date_range(as_text(v.get("dates"), " "))
    if v.get("starts_on"):
        starts_on = parse_date(as_text(v["starts_on"], " ")) or starts_on
    if v.get("ends_on"):
        ends_on = parse_date(as_text(v["ends_on"], " ")) or ends_on
    year = None
    if v.get("year"):
        digits = re.findall(r"\d{4}", as_text(v["year"], " ") or "")
        year = int(digits[0]) if digits else None
    year = year or (starts_on.year if starts_on else None)
    if year is None:
        raise Reject("no dates or year")
    website = as_text(v.get("website"), " ")
    return CalendarEntry(name_zh=name or name_en, name_en=name_en, year=year,
                         starts_on=starts_on, ends_on=ends_on,
                         venue=as_text(v.get("venue"), " "), city=as_text(v.get("city"), " "),
                         website=urljoin(item.url, website) if website else None,
                         halls=as_text(v.get("halls"), " "), source_url=item.url)


def check_news(item: CrawledItem, seq: int, spider) -> Any:
    """The item as NewsData: a title and the article's address."""
    from crm.services.crawls import NewsData

    v = item.values
    title = as_text(v.get("title"), " ")
    link = as_text(v.get("link"), " ")
    if not title:
        raise Reject("missing title")
    if not link:
        raise Reject("missing link")
    companies = v.get("companies") or []
    if isinstance(companies, str):
        companies = [companies]
    return NewsData(title=title, url=urljoin(item.url, link.split()[0]),
                    published_on=parse_date(as_text(v.get("date"), " ")),
                    summary=as_text(v.get("summary"), " "), companies=list(companies),
                    listing_url=item.list_url, crawled_at=item.crawled_at)


CHECKERS = {"exhibitors": check_exhibitor, "shows": check_show, "venue_calendar": check_show,
            "news": check_news}


def _reason(message: str) -> str:
    text = re.sub(r"'[^']*'", "'…'", message)
    return re.sub(r"\d[\d,]*", "N", text)[:200]


# --- storing ------------------------------------------------------------------------------

class StorePipeline:
    """Write checked items in batches, one transaction each; keep the run and its report."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.batch_size = max(1, settings.getint("CRAWL_BATCH_SIZE", 500))
        self.batch_seconds = settings.getfloat("CRAWL_BATCH_SECONDS", 5.0)
        self.item_limit = settings.getint("CRAWL_ITEM_LIMIT", 0)
        self.run_id: int | None = settings.getint("CRAWL_RUN_ID") or None
        self.user_id: int | None = settings.getint("CRAWL_USER_ID") or None
        self.database_url = settings.get("DATABASE_URL")
        self.buffer: list[CrawledItem] = []
        self.buffer_since = 0.0
        self.accepted = 0
        self.totals: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.details: Counter[str] = Counter()
        self.batches = 0
        self.exhibition_id: int | None = None
        self.store_error: str | None = None
        self.started = time.monotonic()
        self.pool = None
        self.sessions = None
        self.engine = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- the writer thread ------------------------------------------------------------------

    def _in_thread(self, fn, *args):
        from twisted.internet import reactor, threads

        return maybe_deferred_to_future(threads.deferToThreadPool(reactor, self.pool, fn, *args))

    async def open_spider(self) -> None:
        from twisted.python.threadpool import ThreadPool

        from crm.config import database_url
        from crm.db import make_engine, make_session_factory
        import crm.services  # noqa: F401  (session hooks: audit, search index)

        url = database_url({"DATABASE_URL": self.database_url} if self.database_url else None)
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self.pool = ThreadPool(1, 1, name="expolead-store")
        self.pool.start()
        self.started = time.monotonic()
        spider = self.crawler.spider
        try:
            self.run_id = await self._in_thread(self._retrying, self._start_run, spider.name,
                                                spider.kind)
        except Exception as exc:
            self.pool.stop()
            raise RuntimeError(f"cannot record the crawl run: {exc}") from exc
        spider.crawl_run_id = self.run_id
        self.crawler.stats.set_value(f"{STATS}/run_id", self.run_id)
        log.info("%s: crawl run #%s", spider.name, self.run_id)

    def _start_run(self, source: str, kind: str) -> int:
        from crm.db import session_scope
        from crm.services import crawls

        with session_scope(self.sessions) as s:
            run = crawls.start_run(
                s, self.run_id, source, kind=kind,
                worker=f"{socket.gethostname()}:{os.getpid()}", pid=os.getpid(),
                job=self.crawler.settings.get("CRAWL_JOB"), user_id=self.user_id,
                item_limit=self.item_limit or None)
            return run.id

    # -- items ---------------------------------------------------------------------------------

    async def process_item(self, item: Any):
        if not isinstance(item, CrawledItem) or getattr(item, "record", None) is None:
            return item
        if self.store_error is not None:
            raise DropItem("the run failed to store an earlier batch")
        if self.item_limit and self.accepted >= self.item_limit:
            self.crawler.stats.inc_value(f"{STATS}/over_limit")
            raise DropItem("over the run's item limit")
        self.accepted += 1
        if not self.buffer:
            self.buffer_since = time.monotonic()
        self.buffer.append(item)
        if (len(self.buffer) >= self.batch_size
                or time.monotonic() - self.buffer_since >= self.batch_seconds):
            await self._flush()
        return item

    async def _flush(self) -> None:
        if not self.buffer or self.store_error is not None:
            self.buffer = []
            return
        batch, self.buffer = self.buffer, []
        try:
            result = await self._in_thread(self._write, batch)
        except Exception as exc:  # the batch was rolled back; the run fails
            self.store_error = f"storing a batch of {len(batch)} items failed: {exc}"
            log.error("%s: %s\n%s", self.crawler.spider.name, self.store_error,
                      traceback.format_exc())
            if self.crawler.engine is not None and self.crawler.spider is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))
            return
        self.batches += 1
        self.totals["stored"] += len(batch) - sum(result.dropped.values())
        self.totals["new"] += result.new
        self.totals["linked"] += result.linked
        self.totals["review"] += result.review
        self.dropped.update(result.dropped)
        self.details.update(result.details)
        if result.exhibition_id:
            self.exhibition_id = result.exhibition_id

    def _write(self, batch: list[CrawledItem]):
        return self._retrying(self._write_once, batch)

    @staticmethod
    def _retrying(fn, *args):
        """Run a transaction; one that lost a race with another worker (SQLite busy, a
        PostgreSQL deadlock or serialization failure) was rolled back whole: run it again."""
        from sqlalchemy.exc import OperationalError

        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return fn(*args)
            except OperationalError as exc:
                text = str(exc.orig).lower()
                if attempt == WRITE_ATTEMPTS or not any(
                        w in text for w in ("locked", "busy", "deadlock", "serializ")):
                    raise
                log.warning("batch write lost a race (%s); trying again", exc.orig)
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def _write_once(self, batch: list[CrawledItem]):
        """One transaction: the batch through its service, and the run's report so far."""
        from crm.db import session_scope
        from crm.services import crawls, writing_turn

        spider = self.crawler.spider
        config = spider.config
        records = [item.record for item in batch]
        with session_scope(self.sessions) as s:
            # Before anything is read: an import or another worker's batch is waited for.
            writing_turn.take(s)
            if spider.kind == "exhibitors":
                result = crawls.store_exhibitors(
                    s, records, source=spider.name, exhibition_name=config["exhibition"]["name"],
                    year=config["exhibition"]["year"], run_id=self.run_id, user_id=self.user_id)
            elif spider.kind == "news":
                result = crawls.store_news(s, records, source=spider.name, run_id=self.run_id)
            else:
                organizer = config.get("organizer") if spider.kind == "shows" else None
                result = crawls.store_shows(
                    s, records, source=spider.name,
                    venue_name=config.get("venue") if spider.kind == "venue_calendar" else None,
                    organizer=organizer, organizer_url=spider.start_urls[0],
                    run_id=self.run_id, user_id=self.user_id)
            report = self.report(pending=result, pending_count=len(batch))
            crawls.update_stats(s, self.run_id, report)
        return result

    async def close_spider(self) -> None:
        await self._flush()

    # -- the end of the run -----------------------------------------------------------------

    async def spider_closed(self, spider, reason: str) -> None:
        if self.pool is None or self.run_id is None:
            return
        status, error = self.status(reason)
        report = self.report(reason=reason)
        report["status"] = status
        self.crawler.stats.set_value(f"{STATS}/status", status)
        self.crawler.stats.set_value(f"{STATS}/report", report)
        self.crawler.stats.set_value(f"{STATS}/error", error)
        try:
            await self._in_thread(self._retrying, self._finish, status, report, error)
        finally:
            self.pool.stop()
            self.engine.dispose()
        level = logging.ERROR if status == "failed" else logging.INFO
        log.log(level, "%s: crawl run #%s %s: %s pages, %s items, %s new, %s linked, "
                       "%s to review, %s dropped%s", spider.name, self.run_id, status.upper(),
                report["pages"], report["items"], report["new"], report["linked"],
                report["review"], sum(report["dropped"].values()),
                f" — {error}" if error else "")

    def _finish(self, status: str, report: dict[str, Any], error: str | None) -> None:
        from crm.db import session_scope
        from crm.models import CrawlStatus
        from crm.services import crawls

        with session_scope(self.sessions) as s:
            crawls.finish_run(s, self.run_id, CrawlStatus(status), report, error)

    def _stat(self, key: str, default: int = 0) -> int:
        return self.crawler.stats.get_value(key, default) or 0

    def _prefixed(self, prefix: str) -> dict[str, int]:
        stats = self.crawler.stats.get_stats()
        return {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}

    def report(self, *, reason: str | None = None, pending: Any = None,
               pending_count: int = 0) -> dict[str, Any]:
        """The run report: what was fetched, found, stored and dropped, and why."""
        spider = self.crawler.spider
        totals = Counter(self.totals)
        dropped = Counter(self._prefixed(f"{STATS}/dropped/"))
        dropped.update(self.dropped)
        details = Counter(self.details)
        if pending is not None:  # the batch being written, counted before it is committed
            totals["new"] += pending.new
            totals["linked"] += pending.linked
            totals["review"] += pending.review
            totals["stored"] += pending_count - sum(pending.dropped.values())
            dropped.update(pending.dropped)
            details.update(pending.details)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pages = max(0, self._stat("response_received_count")
                    - self._stat("robotstxt/response_count"))
        limits = sorted(getattr(spider, "limits_hit", set()))
        if reason in BOUND_REASONS or reason in USER_LIMIT_REASONS:
            limits.append(reason.removeprefix("closespider_"))
        report: dict[str, Any] = {
            "pages": pages,
            "list_pages": self._stat(f"{STATS}/list_pages"),
            "detail_pages": self._stat(f"{STATS}/detail_pages"),
            "items": self._stat(f"{STATS}/items"),
            "stored": totals["stored"],
            "new": totals["new"], "linked": totals["linked"], "review": totals["review"],
            "dropped": dict(sorted(dropped.items())),
            "failed_pages": dict(sorted(self._prefixed(f"{STATS}/failed_pages/").items())),
            "values_dropped": dict(sorted(self._prefixed(f"{STATS}/values_dropped/").items())),
            "retries": self._stat("retry/count"),
            "duplicates": self._stat(f"{STATS}/duplicate_requests")
            + self._stat(f"{STATS}/duplicate_items"),
            "items_without_detail": self._stat(f"{STATS}/items_without_detail"),
            "limits": limits,
            "layout_errors": list(getattr(spider, "layout_errors", [])),
            "warnings": self._warnings(spider),
            "batches": self.batches,
            "elapsed_s": round(elapsed, 2),
            "pages_per_s": round(pages / elapsed, 1),
            "items_per_s": round(self._stat(f"{STATS}/items") / elapsed, 1),
        }
        if details:
            report["details"] = dict(sorted(details.items()))
        if self.exhibition_id:
            report["exhibition_id"] = self.exhibition_id
        if reason:
            report["finish_reason"] = reason
        if self.crawler.settings.get("CRAWL_JOB"):
            report["job"] = self.crawler.settings.get("CRAWL_JOB")
        return report

    def _warnings(self, spider) -> list[str]:
        out = []
        found = getattr(spider, "items_found", 0)
        if found:
            for name in spider.configured_fields():
                if not spider.field_hits.get(name):
                    out.append(f"the selector of {name} matched nothing on any item")
        if self.item_limit and self.accepted >= self.item_limit:
            out.append(f"stopped at the run's limit of {self.item_limit} items")
        return out

    def status(self, reason: str) -> tuple[str, str | None]:
        """ok, partial or failed, and why it failed."""
        spider = self.crawler.spider
        redis = bool(getattr(spider, "redis", False))
        items = self._stat(f"{STATS}/items")
        pages = self._stat("response_received_count") - self._stat("robotstxt/response_count")
        failed = self._prefixed(f"{STATS}/failed_pages/")
        dropped = self._prefixed(f"{STATS}/dropped/")
        stored = self.totals["stored"]
        if self.store_error:
            return "failed", self.store_error
        if spider.layout_errors:
            return "failed", "Layout changed? " + "; ".join(spider.layout_errors)
        if reason not in ("finished", "shutdown", *USER_LIMIT_REASONS, *BOUND_REASONS):
            return "failed", f"The crawl stopped: {reason}."
        if self._stat(f"{STATS}/failed_start_pages") and stored <= 0:
            why = ", ".join(f"{k} ×{v}" for k, v in sorted(failed.items()))
            return "failed", f"The start pages could not be read ({why})."
        if not redis and pages <= 0:
            why = ", ".join(f"{k} ×{v}" for k, v in sorted(failed.items())) or "no page answered"
            return "failed", f"Nothing could be fetched ({why})."
        if items and stored <= 0 and not self.item_limit:
            why = ", ".join(f"{k} ×{v}" for k, v in sorted(dropped.items()))
            return "failed", f"Every item was dropped ({why}); a field's selector may no " \
                             f"longer match."
        if not redis and items == 0 and spider.items_found == 0:
            return "failed", "No item was found on any page."
        if reason == "shutdown":
            return "partial", None
        if failed or dropped or self.dropped or getattr(spider, "limits_hit", None) \
                or reason in BOUND_REASONS:
            return "partial", None
        return "ok", None
