"""The company aggregate: names and aliases, phones, e-mails, kinds, contacts, profiles."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped, utcnow


class CompanyKind(enum.StrEnum):
    """What a company is to us; one company may be several."""

    EXHIBITOR = "exhibitor"  # 参展商
    ORGANIZER = "organizer"  # 主办单位
    COMPETITOR = "competitor"  # 展览同行
    AGENT = "agent"  # 代理商/贸易公司
    MEDIA = "media"  # 行业媒体
    VENUE_OPERATOR = "venue_operator"  # 展馆运营方
    PAVILION_ORGANIZER = "pavilion_organizer"  # 国家展团组织机构


class Company(Timestamped, Base):
    """公司: one real-world company, however many names it was seen under."""

    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("name_zh IS NOT NULL OR name_en IS NOT NULL", name="has_a_name"),
        # Partial: most companies have no owner and are not merged, and a full index on
        # these columns tempts SQLite to read every company through it for `IS NULL`.
        Index("ix_companies_owner_id", "owner_id", sqlite_where=text("owner_id IS NOT NULL"),
              postgresql_where=text("owner_id IS NOT NULL")),
        Index("ix_companies_merged_into_id", "merged_into_id",
              sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        Index("ix_companies_industry_id", "industry_id"),
        Index("ix_companies_website_domain", "website_domain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="CN")
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(300))
    website_domain: Mapped[str | None] = mapped_column(String(200))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    is_key_client: Mapped[bool] = mapped_column(default=False)
    # 勿扰: never call this company (call lists skip it, queued calls are dropped).
    do_not_call: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    # The import that created the company. Provenance, with no foreign key here nor on
    # the facts an import writes (aliases, phones, e-mails, contacts, booths): batches
    # are never deleted (a revert removes what a batch wrote, by this column), and a
    # check on every fact row cost a large import more PostgreSQL time than the rows.
    import_batch_id: Mapped[int | None] = mapped_column(index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    industry = relationship("Industry")
    owner = relationship("User", foreign_keys=[owner_id])
    merged_into: Mapped[Company | None] = relationship(remote_side=[id])
    kinds: Mapped[list[CompanyKindLink]] = relationship(
        back_populates="company", cascade="all, delete-orphan", lazy="selectin"
    )
    aliases: Mapped[list[CompanyAlias]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyAlias.id"
    )
    phones: Mapped[list[CompanyPhone]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyPhone.id"
    )
    emails: Mapped[list[CompanyEmail]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyEmail.id"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Contact.id"
    )

    @property
    def display_name(self) -> str:
        return self.name_zh or self.name_en or f"#{self.id}"

    @property
    def kind_values(self) -> list[str]:
        return sorted(link.kind for link in self.kinds)

    def __str__(self) -> str:
        return self.display_name


class CompanyKindLink(Base):
    """One kind a company has (exhibitor, organizer …)."""

    __tablename__ = "company_kinds"
    __table_args__ = (Index("ix_company_kinds_kind", "kind", "company_id"),)

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)

    company: Mapped[Company] = relationship(back_populates="kinds")


class CompanyAlias(Base):
    """别名: a name the company was seen under, with where it was seen."""

    __tablename__ = "company_aliases"
    __table_args__ = (UniqueConstraint("company_id", "name", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    script: Mapped[str] = mapped_column(String(10), default="zh")  # zh / en / pinyin
    source: Mapped[str] = mapped_column(String(300), default="manual")
    source_url: Mapped[str | None] = mapped_column(String(500))
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # see Company's
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    company: Mapped[Company] = relationship(back_populates="aliases")


class CompanyPhone(Base):
    """A company phone as typed and as normalised (E.164 with extension)."""

    __tablename__ = "company_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    raw: Mapped[str] = mapped_column(String(60))
    e164: Mapped[str | None] = mapped_column(String(20), index=True)
    extension: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20), default="landline")  # mobile / landline / fax
    source: Mapped[str] = mapped_column(String(300), default="manual")
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # see Company's
    # Set by a "wrong number" call outcome; the number is kept so it is not imported again.
    wrong_number: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    company: Mapped[Company] = relationship(back_populates="phones")


class CompanyEmail(Base):
    """A company e-mail address, with its domain for matching."""

    __tablename__ = "company_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(300), default="manual")
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # see Company's

    company: Mapped[Company] = relationship(back_populates="emails")


class CompanySearchTerm(Base):
    """A searchable term of a company (name substrings, pinyin, phone digits); rebuilt on change."""

    __tablename__ = "company_search_terms"
    # On SQLite the table is its (term, company_id) B-tree: no rowid, no second copy. The
    # terms of one company are read from its CompanySearchText, not through an index
    # here: a second index doubled what every term cost an import.
    __table_args__ = ({"sqlite_with_rowid": False},)

    # The key is what a search reads by prefix. Prefix ranges (term >= 'hen' AND term <
    # 'heo') need code-point order, which PostgreSQL has only in the "C" collation
    # (a database made with en_US.UTF-8 would sort by the language's rules).
    term: Mapped[str] = mapped_column(
        String(120).with_variant(String(120, collation="C"), "postgresql"), primary_key=True)
    # No foreign key: the terms are an index derived from the company's names and numbers,
    # kept by crm.services.search (rebuilt on change, `forget` on delete); checking a key
    # for each of the ~38 terms a new company gets cost an import a third of their time.
    company_id: Mapped[int] = mapped_column(primary_key=True)


class CompanySearchText(Base):
    """All search terms of one company in one text: what a search reads to ask "has this
    company a term starting with …", and what says which rows of company_search_terms
    are the company's (to drop or replace them)."""

    __tablename__ = "company_search_texts"

    # No foreign key, as for the terms: derived, kept by crm.services.search.
    company_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Every term preceded by a space (crm.services.search.joined_terms).
    terms: Mapped[str] = mapped_column(Text)


class Contact(Timestamped, Base):
    """联系人: a person at a company."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(60))
    mobile_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    landline: Mapped[str | None] = mapped_column(String(60))
    landline_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    landline_ext: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(200))
    wechat: Mapped[str | None] = mapped_column(String(100))
    card_image: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300), default="manual")
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # see Company's
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    company: Mapped[Company] = relationship(back_populates="contacts")

    def __str__(self) -> str:
        return self.name


class CompetitorProfile(Timestamped, Base):
    """展览同行: what we know of a competing booth builder."""

    __tablename__ = "competitor_profiles"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    scale: Mapped[str | None] = mapped_column(String(20))  # small / medium / large
    staff_count: Mapped[int | None] = mapped_column()
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    main_business: Mapped[str | None] = mapped_column(Text)
    main_industries: Mapped[str | None] = mapped_column(String(300))
    key_clients: Mapped[str | None] = mapped_column(Text)
    workshop: Mapped[str | None] = mapped_column(String(300))
    strengths: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()


class MediaProfile(Timestamped, Base):
    """行业媒体: a magazine, site or account covering an industry."""

    __tablename__ = "media_profiles"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(20), default="magazine")
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    circulation: Mapped[str | None] = mapped_column(String(100))
    wechat_account: Mapped[str | None] = mapped_column(String(100))
    ad_rates: Mapped[str | None] = mapped_column(Text)
    cooperation: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
    industry = relationship("Industry")
