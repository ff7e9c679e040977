"""Shows, venues, country pavilions and who exhibited where."""
from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped


class BoothType(enum.StrEnum):
    SPECIAL = "special"  # 特装
    STANDARD = "standard"  # 标摊
    RAW_SPACE = "raw_space"  # 光地


class ExhibitorOrigin(enum.StrEnum):
    DOMESTIC = "domestic"  # 国内
    FOREIGN = "foreign"  # 国外
    AGENT = "agent"  # 代理商/贸易公司


class ValueRating(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Venue(Timestamped, Base):
    """展馆: an exhibition centre with halls."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(300))
    indoor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    operator = relationship("Company")
    halls: Mapped[list[Hall]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="Hall.name"
    )

    def __str__(self) -> str:
        return self.name_zh


class Hall(Base):
    """展厅: one hall of a venue with its technical parameters."""

    __tablename__ = "halls"
    __table_args__ = (UniqueConstraint("venue_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    clear_height_m: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    floor_load_t_m2: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    column_grid: Mapped[str | None] = mapped_column(String(100))
    doors: Mapped[str | None] = mapped_column(String(200))
    power: Mapped[str | None] = mapped_column(String(200))
    rigging: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    venue: Mapped[Venue] = relationship(back_populates="halls")


class CountryPavilion(Timestamped, Base):
    """国家展团: a national group stand organised by a country's trade body."""

    __tablename__ = "country_pavilions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    pavilion_type: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(50))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organizer = relationship("Company")
    owner = relationship("User")

    def __str__(self) -> str:
        return self.name_zh


class Exhibition(Timestamped, Base):
    """展会: one edition of a trade show."""

    __tablename__ = "exhibitions"
    __table_args__ = (
        UniqueConstraint("name_zh", "year"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="ends_after_start"),
        Index("ix_exhibitions_starts_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int] = mapped_column()
    starts_on: Mapped[date | None] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    city: Mapped[str | None] = mapped_column(String(50))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    halls: Mapped[str | None] = mapped_column(String(300))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    region: Mapped[str | None] = mapped_column(String(50))
    value_rating: Mapped[str | None] = mapped_column(String(1))
    value_note: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    venue = relationship("Venue")
    organizer = relationship("Company")
    industry = relationship("Industry")

    @property
    def display_name(self) -> str:
        return f"{self.year} {self.name_zh}"

    def __str__(self) -> str:
        return self.display_name


class Participation(Timestamped, Base):
    """参展记录: a company exhibiting at an edition, with its booth."""

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("exhibition_id", "company_id", "booth_no"),
        Index("ix_participations_company_id", "company_id"),
        # Deleting or merging a company looks up the booths it built.
        Index("ix_participations_builder_id", "builder_id"),
        CheckConstraint("area_m2 IS NULL OR area_m2 >= 0", name="area_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    exhibition_id: Mapped[int] = mapped_column(
        ForeignKey("exhibitions.id", ondelete="CASCADE")
    )
    booth_no: Mapped[str | None] = mapped_column(String(50))
    hall: Mapped[str | None] = mapped_column(String(50))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    booth_type: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str | None] = mapped_column(String(20))
    pavilion_id: Mapped[int | None] = mapped_column(ForeignKey("country_pavilions.id"))
    builder_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    source: Mapped[str] = mapped_column(String(300), default="manual")
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # see Company's
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    company = relationship("Company", foreign_keys=[company_id])
    exhibition: Mapped[Exhibition] = relationship()
    pavilion = relationship("CountryPavilion")
    builder = relationship("Company", foreign_keys=[builder_id])
