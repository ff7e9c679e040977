"""Leads and who follows them: assignment, its rules and limits, and new/old attribution.

A lead (线索) is a company worth an executor's visit: opened by a telesales outcome or
registered by an executor. The supervisor (or a rule) assigns it; the executor accepts it
within a set number of working hours or it returns. At the executor's first contact the
client is classified new or old (新客户/老客户) once, with the evidence, and locked.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped, utcnow


class LeadSource(enum.StrEnum):
    """Where a lead came from; a new client's attribution keeps it."""

    TELESALES = "telesales"  # 市场拓展部电话开发
    MARKET_EXPANSION = "market_expansion"  # 市场拓展部其他渠道 (organizer lists, shows)
    SELF_DEVELOPED = "self_developed"  # 业务执行人员自行开发
    INBOUND = "inbound"  # 主动联系上公司
    REFERRAL = "referral"  # 客户介绍
    OTHER_CHANNEL = "other_channel"  # 其他途径


class LeadStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the supervisor (or a rule) to assign it
    ASSIGNED = "assigned"  # waiting for the executor to accept it
    ACCEPTED = "accepted"  # the executor follows it
    CLOSED = "closed"  # won, lost or dropped (close_reason says which)


OPEN_LEAD_STATUSES = (LeadStatus.OPEN, LeadStatus.ASSIGNED, LeadStatus.ACCEPTED)
_OPEN_SQL = "status IN ('open', 'assigned', 'accepted')"


class AssignmentKind(enum.StrEnum):
    MANUAL = "manual"  # a supervisor picked the executor
    RULE = "rule"  # an assignment rule picked them (reason says why)
    REASSIGN = "reassign"  # moved from one executor to another
    SELF = "self"  # the executor registered the client
    EXPIRED = "expired"  # not accepted in time: back to the supervisor
    DECLINED = "declined"  # the executor gave it back
    CONFLICT = "conflict"  # decided by the supervisor on a conflict


class RuleKind(enum.StrEnum):
    INDUSTRY = "industry"  # executors specialised in the company's industry
    EXHIBITION = "exhibition"  # executors who cover a show the company exhibits at
    ROUND_ROBIN = "round_robin"  # in turn
    LEAST_LOAD = "least_load"  # the one with the fewest open leads


class Classification(enum.StrEnum):
    NEW = "new"  # 新客户
    OLD = "old"  # 老客户


class ContactKind(enum.StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"


class CooperationKind(enum.StrEnum):
    CONTRACT = "contract"
    PROJECT = "project"
    OTHER = "other"


class Lead(Timestamped, Base):
    """线索: a company handed to an executor to follow, from a call or a registration."""

    __tablename__ = "leads"
    __table_args__ = (
        # No silent duplicates: a company has at most one open lead.
        Index("uq_leads_open_company", "company_id", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
        Index("ix_leads_executor_status", "executor_id", "status"),
        Index("ix_leads_status_accept_by", "status", "accept_by"),
        Index("ix_leads_company_id", "company_id"),
        Index("ix_leads_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(30))
    bucket: Mapped[str | None] = mapped_column(String(20))  # the call outcome's bucket
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=LeadStatus.OPEN.value)
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column()
    accept_by: Mapped[datetime | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_due: Mapped[date | None] = mapped_column()
    first_contact_at: Mapped[datetime | None] = mapped_column()
    # The first visit (面洽) for this lead: "conversion to visits" on the dashboards.
    first_visit_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    close_reason: Mapped[str | None] = mapped_column(String(30))  # won / lost / duplicate …
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    company = relationship("Company")
    call = relationship("Call")
    executor = relationship("User", foreign_keys=[executor_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    assignments: Mapped[list[LeadAssignment]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="LeadAssignment.id")

    @property
    def is_open(self) -> bool:
        return self.status in {s.value for s in OPEN_LEAD_STATUSES}

    def is_overdue(self, today: date) -> bool:
        """Tell whether the next step is past due (today is the local date)."""
        return (self.is_open and self.next_step_due is not None
                and self.next_step_due < today)


class LeadAssignment(Base):
    """分配记录: one hand-over of a lead, who made it and why (kept forever)."""

    __tablename__ = "lead_assignments"
    __table_args__ = (Index("ix_lead_assignments_to_user_id_at", "to_user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # None: returned to the supervisor.
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # None: done by the system (a rule, an expiry).
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_rules.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="assignments")
    from_user = relationship("User", foreign_keys=[from_user_id])
    to_user = relationship("User", foreign_keys=[to_user_id])
    by_user = relationship("User", foreign_keys=[by_user_id])
    rule = relationship("AssignmentRule")


class LeadConflict(Base):
    """线索冲突: a company claimed by a second person while it has an open lead.

    Instead of a silent duplicate the supervisor decides who follows it.
    """

    __tablename__ = "lead_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(30))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / resolved
    resolution: Mapped[str | None] = mapped_column(String(30))  # keep / reassign / dismissed
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company = relationship("Company")
    lead = relationship("Lead")
    requested_by = relationship("User", foreign_keys=[requested_by_id])


class AssignmentRule(Timestamped, Base):
    """分配规则: how leads are handed out automatically; data the supervisor edits.

    params by kind — industry: {"industry_ids": [...], "executor_ids": [...]};
    exhibition: {"exhibition_ids": [...], "executor_ids": [...]}; round_robin and
    least_load: {"executor_ids": [...]} (empty: every active executor).
    """

    __tablename__ = "assignment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(default=100)  # lower runs first
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class ExecutorAbsence(Base):
    """缺勤: days an executor takes no new leads (leave, trip, sickness); both ends included."""

    __tablename__ = "executor_absences"
    __table_args__ = (Index("ix_executor_absences_user_id_dates", "user_id", "starts_on",
                            "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])


class ExecutorCap(Base):
    """每日上限: the most leads an executor is given per day (else the setting's default)."""

    __tablename__ = "executor_caps"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    daily_cap: Mapped[int] = mapped_column()

    user = relationship("User")


class CalendarDay(Base):
    """China's working-day calendar: a public holiday, or a 调休 make-up working day.

    Days not listed follow the week: Monday to Friday work, Saturday and Sunday rest.
    Seeded from data/cn_workdays_2025_2027.yaml (the State Council's yearly notices).
    """

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # holiday / workday
    name: Mapped[str | None] = mapped_column(String(60))  # 春节, 国庆节 …
    source: Mapped[str | None] = mapped_column(String(200))


class Cooperation(Base):
    """合作记录: business done with a company (a contract, a project) on a date.

    The minimum the new/old attribution reads; the contracts issue extends it (or links
    its contracts to it). A cooperation recorded before an executor's first contact makes
    the client old for that executor.
    """

    __tablename__ = "cooperations"
    __table_args__ = (Index("ix_cooperations_company_id_signed_on", "company_id", "signed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=CooperationKind.CONTRACT.value)
    signed_on: Mapped[date] = mapped_column()
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reference: Mapped[str | None] = mapped_column(String(100))  # contract number
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company = relationship("Company")


class ClientAttribution(Base):
    """新老客户划分: new or old, fixed at one executor's first contact with a company.

    Stored once with its evidence and locked; only the general manager changes it, with a
    reason (the audit log keeps before and after).
    """

    __tablename__ = "client_attributions"
    __table_args__ = (UniqueConstraint("company_id", "executor_id"),
                      Index("ix_client_attributions_executor_id", "executor_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    executor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    classification: Mapped[str] = mapped_column(String(10))
    # For a new client: where it came from (a LeadSource value); kept for an old one too.
    source: Mapped[str | None] = mapped_column(String(30))
    first_contact_at: Mapped[datetime] = mapped_column()
    first_contact_kind: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locked: Mapped[bool] = mapped_column(default=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    original_classification: Mapped[str | None] = mapped_column(String(10))
    overridden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_at: Mapped[datetime | None] = mapped_column()

    company = relationship("Company")
    executor = relationship("User", foreign_keys=[executor_id])
    overridden_by = relationship("User", foreign_keys=[overridden_by_id])
    lead = relationship("Lead")
