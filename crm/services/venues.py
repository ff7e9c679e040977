"""Venues (展馆) and their halls (展厅) as people edit them on the venue pages.

The YAML venue specifications are loaded by venue_specs; this module holds the rules of a
valid venue and hall that every edit obeys.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import AuditEntry, Exhibition, Hall, Venue
from crm.services import fields, history
from crm.services.errors import Conflict, N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate


@dataclass
class VenueData:
    """The editable fields of a venue, as plain values."""

    code: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    province: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    indoor_area_m2: Decimal | str | None = None
    operator_id: int | None = None
    notes: str | None = None


@dataclass
class HallData:
    """The editable fields of a hall, as plain values."""

    name: str | None = None
    area_m2: Decimal | str | None = None
    clear_height_m: Decimal | str | None = None
    floor_load_t_m2: Decimal | str | None = None
    column_grid: str | None = None
    doors: str | None = None
    power: str | None = None
    rigging: str | None = None
    notes: str | None = None


@dataclass
class VenueFilters:
    query: str = ""
    city: str | None = None


def validate(session: Session, data: VenueData, venue_id: int | None = None) -> dict[str, Any]:
    """Clean and check a venue's fields; return the column values to store."""
    errors: fields.Errors = {}
    v: dict[str, Any] = {
        "code": fields.text(errors, "code", data.code, max_len=60),
        "name_zh": fields.text(errors, "name_zh", data.name_zh, max_len=200, required=True),
        "name_en": fields.text(errors, "name_en", data.name_en, max_len=200),
        "province": fields.text(errors, "province", data.province, max_len=50),
        "city": fields.text(errors, "city", data.city, max_len=50),
        "address": fields.text(errors, "address", data.address, max_len=500),
        "website": fields.text(errors, "website", data.website, max_len=300),
        "indoor_area_m2": fields.decimal(errors, "indoor_area_m2", data.indoor_area_m2,
                                         max_digits=12),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
        "operator_id": fields.live_company(session, errors, "operator_id", data.operator_id),
    }
    if errors:
        raise ValidationFailed(errors)
    others = select(Venue).where(Venue.id != (venue_id or 0))
    holder = session.scalars(others.where(Venue.name_zh == v["name_zh"])).first()
    if holder is not None:
        raise Conflict(N_("This venue already exists: %(name)s (#%(id)s)."),
                       field="name_zh", name=holder.name_zh, id=holder.id)
    if v["code"]:
        holder = session.scalars(others.where(Venue.code == v["code"])).first()
        if holder is not None:
            raise Conflict(N_("Code %(code)s already belongs to %(name)s (#%(id)s)."),
                           field="code", code=v["code"], name=holder.name_zh, id=holder.id)
    return v


def get(session: Session, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(N_("No such venue."))
    return venue


def create(session: Session, data: VenueData) -> Venue:
    venue = Venue(**validate(session, data))
    session.add(venue)
    session.flush()
    return venue


def update(session: Session, venue: Venue, data: VenueData, *,
           expected_version: int | None = None) -> Venue:
    """Apply an edit; refuse it if someone saved the venue since it was opened."""
    fields.check_version(venue, expected_version)
    for key, value in validate(session, data, venue.id).items():
        setattr(venue, key, value)
    fields.flush(session)
    return venue


def data_of(venue: Venue) -> VenueData:
    return VenueData(**{key: getattr(venue, key) for key in VenueData.__dataclass_fields__})


# --- Halls: edited under the venue's version, so two people editing halls do not clash ---

def _validate_hall(session: Session, venue: Venue, data: HallData,
                   hall_id: int | None = None) -> dict[str, Any]:
    errors: fields.Errors = {}
    v: dict[str, Any] = {
        "name": fields.text(errors, "name", data.name, max_len=50, required=True),
        "area_m2": fields.decimal(errors, "area_m2", data.area_m2, max_digits=10),
        "clear_height_m": fields.decimal(errors, "clear_height_m", data.clear_height_m,
                                         max_digits=6),
        "floor_load_t_m2": fields.decimal(errors, "floor_load_t_m2", data.floor_load_t_m2,
                                          max_digits=6),
        "column_grid": fields.text(errors, "column_grid", data.column_grid, max_len=100),
        "doors": fields.text(errors, "doors", data.doors, max_len=200),
        "power": fields.text(errors, "power", data.power, max_len=200),
        "rigging": fields.text(errors, "rigging", data.rigging, max_len=200),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
    }
    if errors:
        raise ValidationFailed(errors)
    holder = session.scalars(select(Hall).where(Hall.venue_id == venue.id,
                                                Hall.name == v["name"],
                                                Hall.id != (hall_id or 0))).first()
    if holder is not None:
        raise Conflict(N_("This venue already has a hall named %(name)s (#%(id)s)."),
                       field="name", name=holder.name, id=holder.id)
    return v


def _touch(venue: Venue) -> None:
    # A hall change bumps the venue's version so a concurrent hall edit is refused.
    venue.updated_at = utcnow()


def get_hall(session: Session, venue: Venue, hall_id: int) -> Hall:
    hall = session.get(Hall, hall_id)
    if hall is None or hall.venue_id != venue.id:
        raise NotFound(N_("No such hall."))
    return hall


def add_hall(session: Session, venue: Venue, data: HallData, *,
             expected_version: int | None = None) -> Hall:
    fields.check_version(venue, expected_version)
    hall = Hall(**_validate_hall(session, venue, data))
    venue.halls.append(hall)
    _touch(venue)
    fields.flush(session)
    return hall


def update_hall(session: Session, venue: Venue, hall: Hall, data: HallData, *,
                expected_version: int | None = None) -> Hall:
    fields.check_version(venue, expected_version)
    for key, value in _validate_hall(session, venue, data, hall.id).items():
        setattr(hall, key, value)
    _touch(venue)
    fields.flush(session)
    return hall


def delete_hall(session: Session, venue: Venue, hall: Hall, *,
                expected_version: int | None = None) -> None:
    fields.check_version(venue, expected_version)
    # An explicit delete, not only an orphan: the audit hook sees session.deleted.
    session.delete(hall)
    if hall in venue.halls:
        venue.halls.remove(hall)
    _touch(venue)
    fields.flush(session)


def hall_data(hall: Hall) -> HallData:
    return HallData(**{key: getattr(hall, key) for key in HallData.__dataclass_fields__})


# --- Lists ----------------------------------------------------------------------------------

def filtered(filters: VenueFilters) -> Select[Any]:
    stmt = select(Venue)
    query = (filters.query or "").strip().lower()
    if query:
        stmt = stmt.where(or_(func.lower(Venue.name_zh).contains(query, autoescape=True),
                              func.lower(Venue.name_en).contains(query, autoescape=True),
                              func.lower(Venue.code).contains(query, autoescape=True)))
    if filters.city:
        stmt = stmt.where(Venue.city == filters.city)
    return stmt.order_by(Venue.city, Venue.name_zh)


def find(session: Session, filters: VenueFilters, page: int = 1, per_page: int = 50) -> Page[Venue]:
    return paginate(session, filtered(filters), page, per_page)


def exhibitions_at(session: Session, venue_id: int, limit: int = 200) -> list[Exhibition]:
    """The shows held at the venue, latest first."""
    return list(session.scalars(
        select(Exhibition).where(Exhibition.venue_id == venue_id)
        .options(selectinload(Exhibition.industry))
        .order_by(Exhibition.year.desc(), Exhibition.starts_on.is_(None),
                  Exhibition.starts_on.desc(), Exhibition.id.desc()).limit(limit)))


def venue_history(session: Session, venue: Venue) -> list[AuditEntry]:
    """The venue's changes and those of its halls, deleted halls included."""
    # A hall's create/delete entries carry its venue_id; updates only the changed fields.
    hall_ids = select(AuditEntry.entity_id).where(
        AuditEntry.entity == "halls",
        or_(AuditEntry.after["venue_id"].as_integer() == venue.id,
            AuditEntry.before["venue_id"].as_integer() == venue.id))
    return history.entries(session, ("venues", venue.id), ("halls", hall_ids))


def options(session: Session, query: str = "", limit: int = 50) -> list[tuple[int, str]]:
    """Return (id, name) of venues matching what was typed, for a picker."""
    stmt = select(Venue.id, Venue.name_zh, Venue.city)
    query = (query or "").strip()
    if fields.as_id(query) is not None:
        stmt = stmt.where(Venue.id == fields.as_id(query))
    elif query:
        q = query.lower()
        stmt = stmt.where(or_(func.lower(Venue.name_zh).contains(q, autoescape=True),
                              func.lower(Venue.name_en).contains(q, autoescape=True),
                              func.lower(Venue.city).contains(q, autoescape=True)))
    rows = session.execute(stmt.order_by(Venue.name_zh).limit(limit))
    return [(vid, f"{name} · {city}" if city else name) for vid, name, city in rows]
