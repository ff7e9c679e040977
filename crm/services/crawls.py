"""Crawl runs and what they store: exhibitors through ingest, shows, industry news.

A crawl run (CrawlRun) is one worker process crawling one source. Its pipeline hands
batches of checked items here, one transaction per batch:

- exhibitors go through crm.services.ingest like a catalogue import (the same matching,
  the same facts), each fact keeping the page it was read from and when;
- show editions from organizers' lists and venue calendars are created ahead of time or
  completed (crm.services.exhibitions.upsert_from_calendar);
- news items are stored once per URL, and the companies they name are matched to the
  database through crm.services.matching (linked, possible, or unmatched).

The run's report (pages, items, new, linked, review, dropped with reasons …) is kept in
`CrawlRun.stats` and updated with every batch, so the UI shows a run while it runs.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    CrawlRun,
    CrawlRunBatch,
    CrawlStatus,
    Exhibition,
    ImportKind,
    MentionStatus,
    NewsItem,
    NewsMention,
)
from crm.services import audit, ingest, matching
from crm.services.errors import Conflict, N_, NotFound


# --- runs -------------------------------------------------------------------------------

def create_run(session: Session, source: str, *, kind: str | None = None,
               user_id: int | None = None, item_limit: int | None = None,
               status: CrawlStatus = CrawlStatus.QUEUED, job: str | None = None) -> CrawlRun:
    """Record that a crawl of `source` is asked for (the process sets it running)."""
    run = CrawlRun(source=source, kind=kind, user_id=user_id, item_limit=item_limit,
                   status=status.value, job=job, stats={})
    session.add(run)
    session.flush()
    return run


def start_run(session: Session, run_id: int | None, source: str, *, kind: str,
              worker: str, pid: int, job: str | None = None, user_id: int | None = None,
              item_limit: int | None = None) -> CrawlRun:
    """Mark the run as running in this worker (making the row when none was made before)."""
    run = session.get(CrawlRun, run_id) if run_id else None
    if run_id and run is None:
        raise NotFound(N_("No such crawl run."))
    if run is None:
        run = create_run(session, source, kind=kind, user_id=user_id, item_limit=item_limit)
    elif run.status != CrawlStatus.QUEUED.value:
        raise Conflict(N_("This crawl run has already started."))
    run.kind = kind
    run.status = CrawlStatus.RUNNING.value
    run.worker = worker[:120]
    run.pid = pid
    run.job = job
    run.started_at = utcnow()
    session.flush()
    return run


def update_stats(session: Session, run_id: int, stats: dict[str, Any]) -> None:
    """Keep the report of a running run current."""
    run = session.get(CrawlRun, run_id)
    if run is not None:
        run.stats = dict(stats)
        session.flush()


def finish_run(session: Session, run_id: int, status: CrawlStatus, stats: dict[str, Any],
               error: str | None = None) -> CrawlRun:
    """Record how the run ended and its report."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(N_("No such crawl run."))
    run.status = status.value
    run.stats = dict(stats)
    run.error = error[:20000] if error else None
    run.finished_at = utcnow()
    session.flush()
    return run


def fail_queued(session: Session, run_id: int, error: str) -> None:
    """A run that never started (its process could not be launched)."""
    run = session.get(CrawlRun, run_id)
    if run is not None and run.status == CrawlStatus.QUEUED.value:
        run.status = CrawlStatus.FAILED.value
        run.error = error[:20000]
        run.finished_at = utcnow()
        session.flush()


def get_run(session: Session, run_id: int) -> CrawlRun:
    run = session.get(CrawlRun, run_id, options=[selectinload(CrawlRun.user)])
    if run is None:
        raise NotFound(N_("No such crawl run."))
    return run


def recent_runs(session: Session, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
    stmt = select(CrawlRun).options(selectinload(CrawlRun.user)).order_by(CrawlRun.id.desc())
    if source:
        stmt = stmt.where(CrawlRun.source == source)
    return list(session.scalars(stmt.limit(limit)))


def last_runs(session: Session, sources: Iterable[str]) -> dict[str, CrawlRun]:
    """The latest run of each source."""
    names = list(sources)
    if not names:
        return {}
    latest = (select(CrawlRun.source, func.max(CrawlRun.id).label("id"))
              .where(CrawlRun.source.in_(names)).group_by(CrawlRun.source).subquery())
    runs = session.scalars(select(CrawlRun).join(latest, CrawlRun.id == latest.c.id))
    return {run.source: run for run in runs}


def run_is_active(session: Session, source: str) -> CrawlRun | None:
    """A queued or running run of this source, if there is one."""
    return session.scalars(select(CrawlRun).where(
        CrawlRun.source == source,
        CrawlRun.status.in_((CrawlStatus.QUEUED.value, CrawlStatus.RUNNING.value)))
        .order_by(CrawlRun.id.desc()).limit(1)).first()


def launch(run: CrawlRun, *, database_url: str, sources_dir: str | None = None,
           log_dir: str | Path = "instance/crawls", extra_env: dict[str, str] | None = None
           ) -> subprocess.Popen:
    """Start `crm crawl SOURCE --run-id ID` in the background; its output goes to a log file."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{run.id}.log"
    command = [sys.executable, "-c", "from crm.cli import main; main()", "crawl", run.source,
               "--run-id", str(run.id)]
    if run.item_limit:
        command += ["--limit", str(run.item_limit)]
    env = {**os.environ, "DATABASE_URL": database_url, **(extra_env or {})}
    if sources_dir:
        env["CRAWL_SOURCES_DIR"] = str(sources_dir)
    run.log_path = str(log_path)
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                                cwd=str(Path(__file__).resolve().parents[2]))


def log_tail(run: CrawlRun, lines: int = 40) -> str:
    """The last lines of the run's log, if it has one on this machine."""
    if not run.log_path:
        return ""
    try:
        with open(run.log_path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# --- storing exhibitors -------------------------------------------------------------------

@dataclass
class CrawledRow:
    """A checked catalogue row (crm.importers.catalogue.CatalogueRow) and where it was read."""

    row: Any
    url: str
    crawled_at: datetime


@dataclass
class StoreResult:
    """What one batch stored."""

    new: int = 0
    linked: int = 0
    review: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    batch_id: int | None = None
    exhibition_id: int | None = None
    details: dict[str, int] = field(default_factory=dict)


def store_exhibitors(session: Session, rows: Sequence[CrawledRow], *, source: str,
                     exhibition_name: str, year: int, run_id: int | None,
                     user_id: int | None = None) -> StoreResult:
    """Write a batch of crawled exhibitors of a show edition through the one ingest path."""
    show = show_for(session, exhibition_name, year)
    records = []
    for crawled in rows:
        rec = ingest.catalogue_record(crawled.row)
        rec.url = crawled.url[:500]
        rec.seen_at = crawled.crawled_at
        records.append(rec)
    src = ingest.Source(kind=ImportKind.CRAWL.value, file_name=source, url=None,
                        exhibition_id=show.id, user_id=user_id)
    with audit.acting_as(user_id):
        report = ingest.ingest_records(session, records, source=src, exhibition=show)
    result = StoreResult(new=report.created, linked=report.linked, review=report.review,
                         batch_id=report.batch_id, exhibition_id=show.id)
    for outcome in report.outcomes:
        if outcome.action == "error":
            reason = _reason(outcome.message or "not stored")
            result.dropped[reason] = result.dropped.get(reason, 0) + 1
    if run_id is not None and report.batch_id is not None:
        session.add(CrawlRunBatch(crawl_run_id=run_id, import_batch_id=report.batch_id))
        session.flush()
    return result


def show_for(session: Session, name: str, year: int) -> Exhibition:
    """The show edition, made if missing — safely when several workers make it at once."""
    from sqlalchemy.exc import IntegrityError

    found = ingest.find_exhibition(session, name, year)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            return ingest.exhibition_for(session, name, year)
    except IntegrityError:  # another worker made it between our look and our insert
        found = ingest.find_exhibition(session, name, year)
        if found is None:
            raise
        return found


def _reason(message: str) -> str:
    """A drop reason without the value in it, so equal reasons count together."""
    text = re.sub(r"'[^']*'", "'…'", message)
    text = re.sub(r"\d[\d,]*", "N", text)
    return text[:200]


# --- storing show editions ---------------------------------------------------------------

def store_shows(session: Session, entries: Sequence[Any], *, source: str,
                venue_name: str | None = None, organizer: dict[str, Any] | None = None,
                organizer_url: str | None = None, run_id: int | None = None,
                user_id: int | None = None) -> StoreResult:
    """Create or complete the show editions of an organizer's list or a venue's calendar.

    `entries` are crm.services.exhibitions.CalendarEntry. A venue calendar names its venue,
    which must be in the venue list; an organizer's list may name the organizer, which is
    found or created as a company through the ingest path.
    """
    from crm.services import exhibitions

    result = StoreResult()
    venue = None
    if venue_name:
        venue = exhibitions.find_venue(session, venue_name)
        if venue is None:
            raise NotFound(N_("No venue %(name)s in the venue list; add it (or fix the "
                              "source's venue) before crawling its calendar."), name=venue_name)
    organizer_id = None
    with audit.acting_as(user_id):
        if organizer:
            organizer_id = _organizer_company(session, organizer, source=source,
                                              url=organizer_url, user_id=user_id)
        for entry in entries:
            _show, outcome = exhibitions.upsert_from_calendar(
                session, entry, venue=venue, organizer_id=organizer_id)
            if outcome == "created":
                result.new += 1
            else:
                result.linked += 1
            result.details[outcome] = result.details.get(outcome, 0) + 1
    return result


def _organizer_company(session: Session, organizer: dict[str, Any], *, source: str,
                       url: str | None, user_id: int | None) -> int | None:
    """The organizer's company, found or created through ingest (kind organizer)."""
    from types import SimpleNamespace

    row = SimpleNamespace(row=1, sheet=None, name_zh=organizer.get("name_zh"),
                          name_en=organizer.get("name_en"), website=organizer.get("website"))
    rec = ingest.catalogue_record(row)
    if rec.errors:
        return None
    rec.kind = "organizer"
    rec.booth = None
    rec.url = (url or "")[:500] or None
    rec.seen_at = utcnow()
    src = ingest.Source(kind=ImportKind.CRAWL.value, file_name=source, user_id=user_id)
    report = ingest.ingest_records(session, [rec], source=src)
    outcome = next((o for o in report.outcomes if o.company_id), None)
    return outcome.company_id if outcome else None


# --- storing news -------------------------------------------------------------------------

@dataclass
class NewsData:
    """A checked news article."""

    title: str
    url: str
    published_on: date | None = None
    summary: str | None = None
    companies: list[str] = field(default_factory=list)
    listing_url: str | None = None
    crawled_at: datetime | None = None


# A company name as news write it: a run of CJK (and brackets, letters) ending in a legal form.
_LEGAL = r"(?:股份有限公司|有限责任公司|有限公司|集团股份有限公司|集团有限公司|集团|股份公司)"
_COMPANY_IN_TEXT = re.compile(r"([\u4e00-\u9fffA-Za-z0-9（）()·]{2,40}?" + _LEGAL + r")")
_LEADING_NOISE = re.compile(r"^(?:据|由|与|和|及|对|向|将|在|为|是|被|获|近日|日前|今日|昨日|本报讯)+")


def companies_in_text(text: str | None) -> list[str]:
    """Company names with a Chinese legal form mentioned in a text (titles, summaries)."""
    if not text:
        return []
    found: list[str] = []
    for match in _COMPANY_IN_TEXT.finditer(text):
        name = _LEADING_NOISE.sub("", match.group(1))
        if len(name) >= 4 and name not in found:
            found.append(name)
    return found


def store_news(session: Session, items: Sequence[NewsData], *, source: str,
               run_id: int | None = None) -> StoreResult:
    """Store news items once per URL and match the companies they name.

    A name is looked up through crm.services.matching: a candidate in the link band links
    the mention, one in the review band is kept as possible, none leaves it unmatched.
    News never creates companies: a name in an article is not a customer yet.
    """
    result = StoreResult()
    cfg = matching.MatchSettings.load(session)
    urls = [item.url[:500] for item in items]
    known = {n.url: n for n in session.scalars(
        select(NewsItem).where(NewsItem.url.in_(urls)).options(selectinload(NewsItem.mentions)))}
    counts = {s.value: 0 for s in MentionStatus}
    for item in items:
        url = item.url[:500]
        news = known.get(url)
        if news is None:
            news = NewsItem(url=url, title=item.title[:500], published_on=item.published_on,
                            summary=item.summary, source=source[:100],
                            listing_url=(item.listing_url or "")[:500] or None,
                            crawl_run_id=run_id, crawled_at=item.crawled_at or utcnow())
            session.add(news)
            known[url] = news
            result.new += 1
        else:
            result.linked += 1
            news.published_on = news.published_on or item.published_on
            news.summary = news.summary or item.summary
        names = list(dict.fromkeys(
            [n for n in item.companies if n] + companies_in_text(item.title)
            + companies_in_text(item.summary)))
        have = {m.name for m in news.mentions}
        for name in names:
            name = " ".join(name.split())[:300]
            if not name or name in have:
                continue
            have.add(name)
            mention = match_mention(session, name, cfg)
            news.mentions.append(mention)
            counts[mention.status] += 1
    session.flush()
    result.details = {f"mentions_{k}": v for k, v in counts.items()}
    return result


def match_mention(session: Session, name: str,
                  cfg: matching.MatchSettings | None = None) -> NewsMention:
    """A mention of `name`, matched to the best company the matcher finds for it."""
    profile = matching.build_profile([name])
    candidates = matching.find_candidates(session, profile, cfg=cfg, limit=1) if profile.names else []
    if not candidates:
        return NewsMention(name=name, status=MentionStatus.UNMATCHED.value)
    best = candidates[0]
    status = MentionStatus.LINKED if best.band == "link" else MentionStatus.POSSIBLE
    return NewsMention(name=name, company_id=best.company_id, score=Decimal(str(best.score)),
                       status=status.value)


def news_for_company(session: Session, company_id: int, limit: int = 20) -> list[NewsItem]:
    """News items that name the company (linked mentions), latest first."""
    return list(session.scalars(
        select(NewsItem).join(NewsMention).where(NewsMention.company_id == company_id,
                                                  NewsMention.status == MentionStatus.LINKED.value)
        .order_by(NewsItem.published_on.desc().nulls_last(), NewsItem.id.desc()).limit(limit)))


def recent_news(session: Session, source: str | None = None, limit: int = 50) -> list[NewsItem]:
    stmt = (select(NewsItem).options(selectinload(NewsItem.mentions)
                                     .selectinload(NewsMention.company))
            .order_by(NewsItem.id.desc()))
    if source:
        stmt = stmt.where(NewsItem.source == source)
    return list(session.scalars(stmt.limit(limit)))


def exhibition_of_source(session: Session, name: str, year: int) -> Exhibition | None:
    return ingest.find_exhibition(session, name, year)

