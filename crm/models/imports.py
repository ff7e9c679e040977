"""Imports of show catalogues and business cards, and what each input row became."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, utcnow


class ImportKind(enum.StrEnum):
    CATALOGUE = "catalogue"  # 会刊: the exhibitor list of a show
    CONTACTS = "contacts"  # 名片: business cards
    CRAWL = "crawl"  # a crawler's items


class ImportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    REVERTING = "reverting"  # a revert runs in the background
    REVERTED = "reverted"


class RowAction(enum.StrEnum):
    CREATED = "created"  # a new company was made from the row
    LINKED = "linked"  # the row was recognised as an existing company
    REVIEW = "review"  # a new company was made, and a person should compare it with another
    ERROR = "error"  # the row was not imported


class ImportBatch(Base):
    """导入批次: one file (or crawl) brought in, with its counts; revertible as a whole."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_sha256", "sha256", "exhibition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str | None] = mapped_column(String(300))
    sheet: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    exhibition_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.PENDING.value)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    linked: Mapped[int] = mapped_column(default=0)
    review: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    reverted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exhibition = relationship("Exhibition")
    user = relationship("User")

    @property
    def label(self) -> str:
        """How a fact's source names this batch: file, sheet and show."""
        parts = [self.kind, self.file_name or self.url or f"#{self.id}"]
        if self.sheet:
            parts.append(f"[{self.sheet}]")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.label


class ImportRowResult(Base):
    """What one input row of a batch became: the audit trail of an import."""

    __tablename__ = "import_row_results"
    __table_args__ = (Index("ix_import_row_results_batch_row", "batch_id", "row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column()
    sheet: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    score: Mapped[float | None] = mapped_column(Numeric(5, 1))
    name: Mapped[str | None] = mapped_column(String(300))
    column: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(String(500))
    # Blank company fields the row filled in, {field: value}, so a revert can clear them.
    filled: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Setting(Base):
    """业务设置: a value the business tunes (matching thresholds …); defaults live in code."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CompanyMatchKey(Base):
    """A blocking key of a company (credit code, phone, domain, trade-name pinyin …).

    Entity resolution looks candidates up by (kind, key), so the cost of matching a row
    grows with the few companies sharing its keys, not with the size of the database.
    """

    __tablename__ = "company_match_keys"
    __table_args__ = (Index("ix_company_match_keys_company_id", "company_id"),)

    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # No foreign key: a derived index, like the search terms; matching.forget drops a
    # deleted company's keys and profile.
    company_id: Mapped[int] = mapped_column(primary_key=True)


class CompanyMatchProfile(Base):
    """What entity resolution compares a company by, taken apart once (names, places, keys).

    Kept with the match keys; reading one row per candidate is what lets an import compare
    a hundred thousand rows with a million companies without re-reading their aliases.
    """

    __tablename__ = "company_match_profiles"

    company_id: Mapped[int] = mapped_column(primary_key=True)  # no FK, as the keys
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    MERGED = "merged"
    DIFFERENT = "different"


class ReviewItem(Base):
    """待核对: two companies that may be one, with the evidence, for a person to decide."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("company_a_id", "company_b_id"),
                      Index("ix_review_items_status", "status", "score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_a_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    company_b_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Numeric(5, 1))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=ReviewStatus.OPEN.value)
    source: Mapped[str | None] = mapped_column(String(300))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()

    company_a = relationship("Company", foreign_keys=[company_a_id])
    company_b = relationship("Company", foreign_keys=[company_b_id])
    decided_by = relationship("User")


class NonMatch(Base):
    """不是同一家: two companies a person said are different; never linked automatically."""

    __tablename__ = "non_matches"
    __table_args__ = (UniqueConstraint("company_a_id", "company_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_a_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    company_b_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class Merge(Base):
    """合并记录: one company folded into another, with what moved, so it can be undone."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    review_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_items.id", ondelete="SET NULL"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column()
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    survivor = relationship("Company", foreign_keys=[survivor_id])
    merged = relationship("Company", foreign_keys=[merged_id])
