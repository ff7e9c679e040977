"""Crawls: each run of a source with its report, and the industry news the crawlers read.

A source is a YAML file in crawlers/sources/ (data, edited in the UI); the database keeps
what happened when it ran. Exhibitors a crawl finds go through crm.services.ingest like any
import, so they live in the company tables with their import batches; a run lists its batches.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, utcnow


class CrawlStatus(enum.StrEnum):
    QUEUED = "queued"  # asked for in the UI, the process not started yet
    RUNNING = "running"
    OK = "ok"  # finished, everything it found was stored
    PARTIAL = "partial"  # stored what it could; pages failed, items dropped or a bound was hit
    FAILED = "failed"  # the layout changed, nothing could be fetched, or storing failed


FINISHED_STATUSES = (CrawlStatus.OK, CrawlStatus.PARTIAL, CrawlStatus.FAILED)


class CrawlRun(Base):
    """采集记录: one run of one crawl source by one worker process, with its report."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_id", "source", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))  # the YAML file's name, without .yaml
    kind: Mapped[str | None] = mapped_column(String(20))  # exhibitors / shows / venue_calendar / news
    status: Mapped[str] = mapped_column(String(10), default=CrawlStatus.QUEUED.value)
    # Several workers share one job when the crawl is spread over machines (scrapy-redis).
    job: Mapped[str | None] = mapped_column(String(120))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid
    pid: Mapped[int | None] = mapped_column()
    item_limit: Mapped[int | None] = mapped_column()
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the run report
    error: Mapped[str | None] = mapped_column(Text)
    log_path: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    user = relationship("User")
    batches: Mapped[list[CrawlRunBatch]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="CrawlRunBatch.import_batch_id")

    @property
    def finished(self) -> bool:
        return self.status in {s.value for s in FINISHED_STATUSES}


class CrawlRunBatch(Base):
    """One import batch (a transaction of stored items) written by a crawl run."""

    __tablename__ = "crawl_run_batches"

    crawl_run_id: Mapped[int] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="CASCADE"), primary_key=True)
    import_batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True, index=True)

    run: Mapped[CrawlRun] = relationship(back_populates="batches")
    batch = relationship("ImportBatch")


class MentionStatus(enum.StrEnum):
    LINKED = "linked"  # matched to a company above the link threshold
    POSSIBLE = "possible"  # a candidate in the review band, for a person to confirm
    UNMATCHED = "unmatched"  # no company in the database is this name


class NewsItem(Base):
    """行业新闻: one article of an industry news listing, where and when it was read."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    published_on: Mapped[date | None] = mapped_column(index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))  # the crawl source
    listing_url: Mapped[str | None] = mapped_column(String(500))  # the page it was found on
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    crawled_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentions: Mapped[list[NewsMention]] = relationship(
        back_populates="news_item", cascade="all, delete-orphan", order_by="NewsMention.id")


class NewsMention(Base):
    """A company named in a news item, and the company in the database it was matched to."""

    __tablename__ = "news_mentions"
    __table_args__ = (UniqueConstraint("news_item_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    news_item_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))  # as written in the article
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    status: Mapped[str] = mapped_column(String(10), default=MentionStatus.UNMATCHED.value)

    news_item: Mapped[NewsItem] = relationship(back_populates="mentions")
    company = relationship("Company")
