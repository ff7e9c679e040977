"""Telesales work: configurable call outcomes, call lists and their items, calls, mailings.

A call list (电话清单) is built by the market-expansion supervisor from the company database
(or by a job, weeks before a show) and handed to one telesales person or to the shared
pool. Each company in it is a call item, which a telesales person claims, calls and closes
with an outcome; the outcome may open a lead, a mailing task or flag a wrong number.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, utcnow


class OutcomeBucket(enum.StrEnum):
    """The three outcomes the Monday meeting counts, and everything else."""

    MEETING = "meeting"  # 可以安排面洽
    REQUIREMENTS = "requirements"  # 对方发具体要求
    MATERIALS = "materials"  # 寄发资料
    NONE = "none"


class CallItemStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting to be called
    CLAIMED = "claimed"  # a telesales person holds it until claim_expires_at
    CALLBACK = "callback"  # comes back at callback_at (a promised call back or a retry)
    DONE = "done"  # closed by an outcome
    SKIPPED = "skipped"  # dropped: do-not-call, a lead opened elsewhere, list closed


# Statuses in which an item is still in someone's queue; a company has at most one such item.
ACTIVE_ITEM_STATUSES = (CallItemStatus.QUEUED, CallItemStatus.CLAIMED, CallItemStatus.CALLBACK)
_ACTIVE_SQL = "status IN ('queued', 'claimed', 'callback')"
# Claimed and callback items become claimable at ready_at (claim expiry, callback time).
_READY_SQL = "status IN ('claimed', 'callback')"


class CallListKind(enum.StrEnum):
    MANUAL = "manual"  # built by a supervisor with filters
    SHOW_DRIVEN = "show_driven"  # built on its own weeks before a show, from its last edition


class MailingKind(enum.StrEnum):
    STANDARD_PACK = "standard_pack"  # 统一资料, sent by telesales
    TARGETED = "targeted"  # 针对性资料, written by an executor for a key client


class MailingMethod(enum.StrEnum):
    POST = "post"  # 邮寄
    COURIER = "courier"  # 快递
    EMAIL = "email"
    WECHAT = "wechat"


class MailingStatus(enum.StrEnum):
    OPEN = "open"
    SENT = "sent"
    FOLLOWED_UP = "followed_up"
    CANCELLED = "cancelled"


class CallOutcome(Base):
    """通话结果: one outcome a telesales person can pick, with what it sets off.

    The list is data the business edits (seeded from data/call_outcomes.yaml); calls keep
    the outcome's code, so codes are stable and outcomes are deactivated, never deleted.
    """

    __tablename__ = "call_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(60))
    label_en: Mapped[str] = mapped_column(String(60))
    hotkey: Mapped[str | None] = mapped_column(String(5))
    bucket: Mapped[str] = mapped_column(String(20), default=OutcomeBucket.NONE.value)
    creates_lead: Mapped[bool] = mapped_column(default=False)
    creates_mailing: Mapped[bool] = mapped_column(default=False)
    flags_wrong_number: Mapped[bool] = mapped_column(default=False)
    needs_callback_time: Mapped[bool] = mapped_column(default=False)
    # Someone at the company answered (counts towards the reach rate).
    reached: Mapped[bool] = mapped_column(default=True)
    # Try again automatically after this many minutes (no answer, busy), up to the
    # setting calls.max_attempts; None closes the item.
    retry_after_minutes: Mapped[int | None] = mapped_column()
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str | None = None) -> str:
        return self.label_zh if (locale or "zh").startswith("zh") else self.label_en

    def __str__(self) -> str:
        return self.label_zh


class CallList(Base):
    """电话清单: companies to call, given to one telesales person or to the shared pool."""

    __tablename__ = "call_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=CallListKind.MANUAL.value)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The filters it was built with, as given (see crm.services.call_lists.ListFilters).
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # None: the shared pool, worked by every telesales person.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    # Priority keys in order (show_date, area, special_build, key_client, callback_due).
    priority: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Show-driven lists: the upcoming edition, and the last edition whose exhibitors it holds.
    exhibition_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="SET NULL"), index=True)
    source_exhibition_id: Mapped[int | None] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="SET NULL"))
    # Makes automatic builds idempotent: "show:<exhibition id>" is built once.
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    built_by = relationship("User", foreign_keys=[built_by_id])
    owner = relationship("User", foreign_keys=[owner_id])
    exhibition = relationship("Exhibition", foreign_keys=[exhibition_id])
    source_exhibition = relationship("Exhibition", foreign_keys=[source_exhibition_id])

    @property
    def is_shared_pool(self) -> bool:
        return self.owner_id is None

    def __str__(self) -> str:
        return self.name


class CallItem(Base):
    """One company to call in a list, and where it stands in the queue."""

    __tablename__ = "call_items"
    __table_args__ = (
        # Two telesales never hold the same company: it is active in one list at a time.
        Index("uq_call_items_active_company", "company_id", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
        # The queued lane of "next call": best priority first, one index seek.
        Index("ix_call_items_queued", "list_id", "priority", "id",
              sqlite_where=text("status = 'queued'"), postgresql_where=text("status = 'queued'")),
        # The ready lane: due callbacks and expired claims, oldest first.
        Index("ix_call_items_ready", "list_id", "ready_at",
              sqlite_where=text(_READY_SQL), postgresql_where=text(_READY_SQL)),
        Index("ix_call_items_claimed_by", "claimed_by_id",
              sqlite_where=text("status = 'claimed'"), postgresql_where=text("status = 'claimed'")),
        Index("ix_call_items_list_status", "list_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=CallItemStatus.QUEUED.value)
    # Rank within the list from its priority order: 1 is called first.
    priority: Mapped[int] = mapped_column(default=0)
    # When a claimed or callback item may be claimed (again): claim expiry or callback time.
    ready_at: Mapped[datetime | None] = mapped_column()
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column()
    claim_expires_at: Mapped[datetime | None] = mapped_column()
    callback_at: Mapped[datetime | None] = mapped_column()
    # Who promised the callback: they get it first (others after a grace period).
    callback_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Claims so far; the claim number is the "attempt" a call records.
    attempts: Mapped[int] = mapped_column(default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(40))
    done_at: Mapped[datetime | None] = mapped_column()
    skip_reason: Mapped[str | None] = mapped_column(String(60))

    call_list: Mapped[CallList] = relationship()
    company = relationship("Company")
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])


class Call(Base):
    """通话记录: one call made to a company, with its outcome and notes."""

    __tablename__ = "calls"
    __table_args__ = (
        # One claim records one call: a double-clicked outcome cannot record twice.
        UniqueConstraint("item_id", "attempt"),
        Index("ix_calls_user_id_at", "user_id", "at"),
        Index("ix_calls_company_id_at", "company_id", "at"),
        Index("ix_calls_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    phone_id: Mapped[int | None] = mapped_column(
        ForeignKey("company_phones.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(40))  # CallOutcome.code
    bucket: Mapped[str] = mapped_column(String(20), default=OutcomeBucket.NONE.value)
    reached: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    callback_at: Mapped[datetime | None] = mapped_column()
    item_id: Mapped[int | None] = mapped_column(ForeignKey("call_items.id", ondelete="SET NULL"))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("call_lists.id", ondelete="SET NULL"))
    attempt: Mapped[int | None] = mapped_column()

    company = relationship("Company")
    contact = relationship("Contact")
    phone = relationship("CompanyPhone")
    user = relationship("User")


class MailingTask(Base):
    """寄发资料: materials to send a company — the standard pack or targeted materials.

    Telesales send the standard pack; for a key client an executor writes targeted
    materials instead and tries for a meeting. The executor's-desk issue extends this.
    """

    __tablename__ = "mailing_tasks"
    __table_args__ = (Index("ix_mailing_tasks_assignee_status", "assignee_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default=MailingKind.STANDARD_PACK.value)
    # Who sends it (telesales for the standard pack, an executor for targeted materials);
    # None: waiting for the supervisor to pick an executor.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    tracking_no: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default=MailingStatus.OPEN.value)
    due_on: Mapped[date | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    # What is sent: the standard pack, or the targeted materials written for this client.
    content: Mapped[str | None] = mapped_column(Text)
    # Following up after sending: when to call back, and what came of it.
    follow_up_on: Mapped[date | None] = mapped_column()
    followed_up_at: Mapped[datetime | None] = mapped_column()
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company = relationship("Company")
    assignee = relationship("User", foreign_keys=[assignee_id])
