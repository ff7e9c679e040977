"""Intelligence from the field (业务执行部提供的信息) and the Monday meeting's reports.

Executors hand market expansion what it lacks — floor plans, exhibitor lists, which
clients are the big ones in an industry — so the database grows from both sides. The
weekly meeting report (周会报表) is generated each Monday and kept as a snapshot.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, utcnow


class IntelKind(enum.StrEnum):
    FLOOR_PLAN = "floor_plan"  # 平面图
    EXHIBITOR_LIST = "exhibitor_list"  # 展商名录
    KEY_CLIENTS = "key_clients"  # 行业重点大客户
    OTHER = "other"


class IntelStatus(enum.StrEnum):
    NEW = "new"  # waiting for market expansion to look at it
    USED = "used"  # taken into the database (imported, key clients flagged …)
    DISMISSED = "dismissed"


class FieldIntel(Base):
    """One piece of intelligence an executor submitted: what, for which show or company."""

    __tablename__ = "field_intel"
    __table_args__ = (Index("ix_field_intel_status_submitted_at", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # For key_clients: one company name per line.
    company_names: Mapped[str | None] = mapped_column(Text)
    exhibition_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"))  # the client it came through
    visit_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_reports.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=IntelStatus.NEW.value)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)

    exhibition = relationship("Exhibition")
    company = relationship("Company")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    files: Mapped[list[FieldIntelFile]] = relationship(
        back_populates="intel", cascade="all, delete-orphan", order_by="FieldIntelFile.id")


class FieldIntelFile(Base):
    __tablename__ = "field_intel_files"
    __table_args__ = (UniqueConstraint("intel_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intel_id: Mapped[int] = mapped_column(ForeignKey("field_intel.id", ondelete="CASCADE"),
                                          index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))

    intel: Mapped[FieldIntel] = relationship(back_populates="files")
    file = relationship("StoredFile")


class WeeklyReport(Base):
    """周会报表: the Monday meeting's report of one week (Monday–Sunday, Asia/Shanghai)."""

    __tablename__ = "weekly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(unique=True)  # the Monday
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))  # None: the scheduled job
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
