"""Scheduled jobs: their definitions (data an administrator edits), each run, the leader lease.

The scheduler process (`crm jobs start`, jobs/scheduler.py) reads `JobDefinition` rows,
keeps APScheduler's own job store in `scheduler_jobs`, takes the `scheduler_leases` row so
that only one process fires jobs, and writes a `JobRun` per fire. The unique
(job_name, scheduled_for) of a run means one fire is never carried out twice.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped, utcnow


class JobRunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobTrigger(enum.StrEnum):
    SCHEDULER = "scheduler"
    MANUAL = "manual"


class JobOrigin(enum.StrEnum):
    FILE = "file"  # declared in data/jobs.yaml
    CRAWL = "crawl"  # a crawl source's `schedule` (crawlers/sources/*.yaml)


class JobDefinition(Timestamped, Base):
    """定时任务: one scheduled job — what it calls, when (cron, Asia/Shanghai), on or off."""

    __tablename__ = "job_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    callable: Mapped[str] = mapped_column(String(200))  # dotted path, resolved when it runs
    kwargs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    description_zh: Mapped[str | None] = mapped_column(String(500))
    description_en: Mapped[str | None] = mapped_column(String(500))
    result_key: Mapped[str | None] = mapped_column(String(50))  # names a bare count result
    enabled: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(10), default=JobOrigin.FILE.value)


class JobRun(Base):
    """任务运行记录: one run of a job — when it was due, start, end, result or error."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_name", "scheduled_for"),
        Index("ix_job_runs_job_name_started_at", "job_name", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=JobRunStatus.RUNNING.value,
                                        index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[str] = mapped_column(String(10), default=JobTrigger.SCHEDULER.value)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid

    user = relationship("User")

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SchedulerLease(Base):
    """The leader lease: the one scheduler process that may fire jobs, until `expires_at`."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    expires_at: Mapped[datetime | None] = mapped_column()
    acquired_at: Mapped[datetime | None] = mapped_column()


# APScheduler's SQLAlchemyJobStore table, declared here so Alembic owns the schema (the
# store's own create-if-missing then finds it). Column types are the store's.
scheduler_jobs = Table(
    "scheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
