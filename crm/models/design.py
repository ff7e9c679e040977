"""Design requests (设计需求) and the proposals the design department delivers.

When a client gives design requirements the executor opens a request with a due date.
Designers deliver proposals (files, numbered versions). If nothing is delivered by the due
date the executor must explain why; the Monday meeting shows the explanation.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped, utcnow


class DesignStatus(enum.StrEnum):
    OPEN = "open"  # waiting for a designer
    IN_PROGRESS = "in_progress"  # a designer took it
    DELIVERED = "delivered"  # at least one proposal delivered
    CANCELLED = "cancelled"


class DesignRequest(Timestamped, Base):
    """设计需求: a client's design requirements handed to the design department."""

    __tablename__ = "design_requests"
    __table_args__ = (
        Index("ix_design_requests_status_due_on", "status", "due_on"),
        Index("ix_design_requests_executor_id_status", "executor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    exhibition_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="SET NULL"))
    # The executor who owes the client a proposal (and the explanation if none comes).
    executor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    designer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    brief: Mapped[str] = mapped_column(Text)
    show_starts_on: Mapped[date | None] = mapped_column()
    booth_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    booth_size: Mapped[str | None] = mapped_column(String(60))  # e.g. 9m × 12m, two sides open
    budget_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    due_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=DesignStatus.OPEN.value)
    delivered_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Owed when nothing was delivered by the due date (设计方案未按要求提交的解释).
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_at: Mapped[datetime | None] = mapped_column()
    explained_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    company = relationship("Company")
    lead = relationship("Lead")
    exhibition = relationship("Exhibition")
    executor = relationship("User", foreign_keys=[executor_id])
    designer = relationship("User", foreign_keys=[designer_id])
    files: Mapped[list[DesignRequestFile]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DesignRequestFile.id")
    proposals: Mapped[list[DesignProposal]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="DesignProposal.number")


class DesignRequestFile(Base):
    """A file the client gave with the requirements: brief, floor plan, logo, references."""

    __tablename__ = "design_request_files"
    __table_args__ = (UniqueConstraint("request_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("design_requests.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DesignRequest] = relationship(back_populates="files")
    file = relationship("StoredFile")


class DesignProposal(Base):
    """设计方案: one delivered version of a proposal, with its files."""

    __tablename__ = "design_proposals"
    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("design_requests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()  # version 1, 2, 3 … per request
    designer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DesignRequest] = relationship(back_populates="proposals")
    designer = relationship("User")
    files: Mapped[list[DesignProposalFile]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="DesignProposalFile.id")


class DesignProposalFile(Base):
    __tablename__ = "design_proposal_files"
    __table_args__ = (UniqueConstraint("proposal_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("design_proposals.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))

    proposal: Mapped[DesignProposal] = relationship(back_populates="files")
    file = relationship("StoredFile")
