"""Visits (面洽) and the reports executors file after them (面洽客户报告).

A visit is planned for a company (usually for a lead) by the assigned executor. If they
cannot go, a colleague goes, arranged before the visit: `visitor_id` records who went,
the credit stays with `executor_id`. After the visit a report is filed — easy from a phone
on site, kept as a draft until it is complete.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped, utcnow


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"  # the visit took place (its report may still be a draft)
    CANCELLED = "cancelled"


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"  # saved incomplete; only the author sees it
    FILED = "filed"  # complete and submitted: counted by the Monday report


class ReportFileKind(enum.StrEnum):
    """What a file attached to a visit report is (what was obtained at the visit)."""

    FLOOR_PLAN = "floor_plan"  # 平面图
    EXHIBITOR_LIST = "exhibitor_list"  # 展商名录
    PHOTO = "photo"  # 现场照片
    OTHER = "other"


class Visit(Timestamped, Base):
    """面洽: a planned or made visit to a client by an executor (or a delegated colleague)."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_executor_id_planned_at", "executor_id", "planned_at"),
        Index("ix_visits_visitor_id_planned_at", "visitor_id", "planned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"),
                                                index=True)
    # The assigned executor: the visit (and the client) is credited to them.
    executor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Who goes / went: the executor, or the colleague it was delegated to beforehand.
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    delegated_at: Mapped[datetime | None] = mapped_column()
    delegation_note: Mapped[str | None] = mapped_column(Text)
    planned_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(300))
    people: Mapped[str | None] = mapped_column(Text)  # whom we meet, who of ours goes
    purpose: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=VisitStatus.PLANNED.value)
    done_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    company = relationship("Company")
    lead = relationship("Lead")
    executor = relationship("User", foreign_keys=[executor_id])
    visitor = relationship("User", foreign_keys=[visitor_id])
    report: Mapped[VisitReport | None] = relationship(back_populates="visit", uselist=False)

    @property
    def delegated(self) -> bool:
        return self.visitor_id != self.executor_id


class VisitReport(Timestamped, Base):
    """面洽客户报告: the executor's written report of a meeting with a client."""

    __tablename__ = "visit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One report per visit: a second submit finds the first instead of storing twice.
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DRAFT.value)
    filed_at: Mapped[datetime | None] = mapped_column()
    # The client's project lead (客户项目负责人).
    project_lead_name: Mapped[str | None] = mapped_column(String(100))
    project_lead_role: Mapped[str | None] = mapped_column(String(100))
    project_lead_contact: Mapped[str | None] = mapped_column(String(200))
    project_lead_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"))
    situation: Mapped[str | None] = mapped_column(Text)  # 客户情况分析
    # Value analysis (价值分析).
    budget_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    booth_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    shows_planned: Mapped[str | None] = mapped_column(Text)
    decision_process: Mapped[str | None] = mapped_column(Text)
    competing_builders: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(1))  # A / B / C
    value_note: Mapped[str | None] = mapped_column(Text)
    # What was obtained: files are attached; the industry's big clients are named here.
    big_clients: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_due: Mapped[date | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    visit: Mapped[Visit] = relationship(back_populates="report")
    author = relationship("User")
    project_lead_contact_ref = relationship("Contact")
    files: Mapped[list[VisitReportFile]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="VisitReportFile.id")
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Referral.id")


class VisitReportFile(Base):
    """A file attached to a visit report: a floor plan, an exhibitor list, a photo."""

    __tablename__ = "visit_report_files"
    __table_args__ = (UniqueConstraint("report_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("visit_reports.id", ondelete="CASCADE"),
                                           index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20), default=ReportFileKind.OTHER.value)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[VisitReport] = relationship(back_populates="files")
    file = relationship("StoredFile")


class Referral(Base):
    """客户介绍: a company the client referred us to; it enters the database as a lead."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("visit_reports.id", ondelete="CASCADE"),
                                           index=True)
    company_name: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    # Filled when the report is filed: the company found or created, and its lead.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))

    report: Mapped[VisitReport] = relationship(back_populates="referrals")
    company = relationship("Company")
    lead = relationship("Lead")
