"""Shows (展会) and who exhibited at them (参展记录): validate, find, create, edit, delete.

A participation belongs to a company, so it is seen and changed only by users who may see
that company; the show itself is reference data every role may read.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from crm.models import (
    BoothType,
    Company,
    CompanyKindLink,
    CountryPavilion,
    Exhibition,
    ExhibitorOrigin,
    Industry,
    Participation,
    User,
    ValueRating,
    Venue,
)
from crm.services import access, fields, search
from crm.services.errors import Conflict, N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate

MIN_YEAR, MAX_YEAR = 1950, 2100


# --- Shows ------------------------------------------------------------------------------

@dataclass
class ExhibitionData:
    """The editable fields of a show edition, as plain values."""

    name_zh: str | None = None
    name_en: str | None = None
    year: int | str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    city: str | None = None
    venue_id: int | None = None
    halls: str | None = None
    organizer_id: int | None = None
    industry_id: int | None = None
    region: str | None = None
    value_rating: str | None = None
    value_note: str | None = None
    website: str | None = None
    notes: str | None = None


@dataclass
class ExhibitionFilters:
    """What the show list can be narrowed by."""

    query: str = ""
    year: int | None = None
    industry_id: int | None = None
    venue_id: int | None = None
    city: str | None = None


def validate_exhibition(session: Session, data: ExhibitionData,
                        exhibition_id: int | None = None) -> dict[str, Any]:
    """Clean and check a show's fields; return the column values to store."""
    errors: fields.Errors = {}
    v: dict[str, Any] = {
        "name_zh": fields.text(errors, "name_zh", data.name_zh, max_len=300, required=True),
        "name_en": fields.text(errors, "name_en", data.name_en, max_len=300),
        "city": fields.text(errors, "city", data.city, max_len=50),
        "halls": fields.text(errors, "halls", data.halls, max_len=300),
        "region": fields.text(errors, "region", data.region, max_len=50),
        "value_note": fields.text(errors, "value_note", data.value_note, max_len=5000, block=True),
        "website": fields.text(errors, "website", data.website, max_len=300),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
    }
    year = data.year
    if year in (None, "") and data.starts_on is not None:
        year = data.starts_on.year  # the edition's year is the year it opens
    v["year"] = fields.integer(errors, "year", year, minimum=MIN_YEAR, maximum=MAX_YEAR,
                               required=True)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        fields.add(errors, "ends_on", N_("The show cannot end before it starts."))
    rating = fields.clean(data.value_rating)
    v["value_rating"] = fields.choice(errors, "value_rating", rating.upper() if rating else None,
                                      ValueRating)
    v["venue_id"] = fields.reference(session, errors, "venue_id", Venue, data.venue_id,
                                     N_("No such venue."))
    v["industry_id"] = fields.reference(session, errors, "industry_id", Industry,
                                        data.industry_id, N_("No such industry."))
    v["organizer_id"] = fields.live_company(session, errors, "organizer_id", data.organizer_id)
    if errors:
        raise ValidationFailed(errors)
    holder = session.scalars(
        select(Exhibition).where(Exhibition.name_zh == v["name_zh"], Exhibition.year == v["year"],
                                 Exhibition.id != (exhibition_id or 0)).limit(1)).first()
    if holder is not None:
        raise Conflict(N_("This show already exists for %(year)s: %(name)s (#%(id)s)."),
                       field="name_zh", year=holder.year, name=holder.name_zh, id=holder.id)
    return v


def get_exhibition(session: Session, exhibition_id: int) -> Exhibition:
    exhibition = session.get(Exhibition, exhibition_id)
    if exhibition is None:
        raise NotFound(N_("No such show."))
    return exhibition


def create_exhibition(session: Session, data: ExhibitionData) -> Exhibition:
    """Create a show edition from checked data."""
    exhibition = Exhibition(**validate_exhibition(session, data))
    session.add(exhibition)
    session.flush()
    return exhibition


def update_exhibition(session: Session, exhibition: Exhibition, data: ExhibitionData, *,
                      expected_version: int | None = None) -> Exhibition:
    """Apply an edit; refuse it if someone saved the show since it was opened."""
    fields.check_version(exhibition, expected_version)
    for key, value in validate_exhibition(session, data, exhibition.id).items():
        setattr(exhibition, key, value)
    fields.flush(session)
    return exhibition


def exhibition_data(exhibition: Exhibition) -> ExhibitionData:
    """Return the editable fields of a show, e.g. to pre-fill a form."""
    return ExhibitionData(**{key: getattr(exhibition, key) for key in ExhibitionData.__dataclass_fields__})


def filtered_exhibitions(filters: ExhibitionFilters) -> Select[Any]:
    """Return the select of shows that pass the filters, latest first."""
    stmt = select(Exhibition).options(selectinload(Exhibition.venue),
                                      selectinload(Exhibition.industry))
    query = (filters.query or "").strip().lower()
    if query:
        stmt = stmt.where(or_(func.lower(Exhibition.name_zh).contains(query, autoescape=True),
                              func.lower(Exhibition.name_en).contains(query, autoescape=True)))
    if filters.year:
        stmt = stmt.where(Exhibition.year == filters.year)
    if filters.industry_id:
        stmt = stmt.where(Exhibition.industry_id == filters.industry_id)
    if filters.venue_id:
        stmt = stmt.where(Exhibition.venue_id == filters.venue_id)
    if filters.city:
        stmt = stmt.where(Exhibition.city == filters.city)
    return stmt.order_by(Exhibition.year.desc(), Exhibition.starts_on.is_(None),
                         Exhibition.starts_on.desc(), Exhibition.name_zh, Exhibition.id)


def find_exhibitions(session: Session, filters: ExhibitionFilters, page: int = 1,
                     per_page: int = 50) -> Page[Exhibition]:
    return paginate(session, filtered_exhibitions(filters), page, per_page)


def years(session: Session) -> list[int]:
    """The years that have shows, latest first (for a filter)."""
    return list(session.scalars(select(Exhibition.year).distinct().order_by(Exhibition.year.desc())))


# --- Participations -----------------------------------------------------------------------

@dataclass
class ParticipationData:
    """The editable fields of a participation, as plain values."""

    company_id: int | None = None
    booth_no: str | None = None
    hall: str | None = None
    area_m2: Decimal | str | None = None
    booth_type: str | None = None
    origin: str | None = None
    pavilion_id: int | None = None
    builder_id: int | None = None
    notes: str | None = None
    source: str = "manual"


@dataclass
class ParticipationFilters:
    """What the exhibitor list of a show can be narrowed by."""

    booth_type: str | None = None
    hall: str | None = None
    origin: str | None = None
    pavilion_id: int | None = None


def validate_participation(session: Session, user: User, exhibition: Exhibition,
                           data: ParticipationData,
                           participation_id: int | None = None) -> dict[str, Any]:
    """Clean and check a participation; the exhibitor must be a company the user sees."""
    errors: fields.Errors = {}
    v: dict[str, Any] = {
        "booth_no": fields.text(errors, "booth_no", data.booth_no, max_len=50),
        "hall": fields.text(errors, "hall", data.hall, max_len=50),
        "area_m2": fields.decimal(errors, "area_m2", data.area_m2, max_digits=10),
        "booth_type": fields.choice(errors, "booth_type", data.booth_type, BoothType),
        "origin": fields.choice(errors, "origin", data.origin, ExhibitorOrigin),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
        "source": fields.clean(data.source) or "manual",
        "pavilion_id": fields.reference(session, errors, "pavilion_id", CountryPavilion,
                                        data.pavilion_id, N_("No such pavilion.")),
        "builder_id": fields.live_company(session, errors, "builder_id", data.builder_id),
    }
    company = None
    if data.company_id in (None, ""):
        fields.add(errors, "company_id", N_("This field is required."))
    else:
        try:
            company = access.visible_company(session, user, fields.as_id(data.company_id) or 0)
        except NotFound:
            fields.add(errors, "company_id", N_("No such company."))
    if company is not None and v["builder_id"] == company.id:
        fields.add(errors, "builder_id", N_("The exhibitor cannot be its own booth builder."))
    if errors:
        raise ValidationFailed(errors)
    v["company_id"] = company.id
    stmt = select(Participation).where(
        Participation.exhibition_id == exhibition.id, Participation.company_id == company.id,
        Participation.booth_no.is_(None) if v["booth_no"] is None
        else Participation.booth_no == v["booth_no"])
    if participation_id is not None:
        stmt = stmt.where(Participation.id != participation_id)
    holder = session.scalars(stmt.limit(1)).first()
    if holder is not None:
        raise Conflict(N_("%(name)s is already listed at this show with booth %(booth)s "
                          "(participation #%(id)s)."),
                       field="booth_no", name=company.display_name, booth=holder.booth_no or "—",
                       id=holder.id)
    return v


def visible_participation(session: Session, user: User, participation_id: int) -> Participation:
    """Load a participation of a company the user may see, or raise NotFound."""
    found = session.scalars(
        select(Participation).join(Company, Participation.company_id == Company.id)
        .where(Participation.id == participation_id, access.company_scope(user))
        .options(contains_eager(Participation.company))).first()
    if found is None:
        raise NotFound(N_("No such participation."))
    return found


def create_participation(session: Session, user: User, exhibition: Exhibition,
                         data: ParticipationData) -> Participation:
    """List a company as an exhibitor of the show."""
    values = validate_participation(session, user, exhibition, data)
    participation = Participation(exhibition_id=exhibition.id, **values)
    session.add(participation)
    session.flush()
    return participation


def update_participation(session: Session, user: User, participation: Participation,
                         data: ParticipationData, *,
                         expected_version: int | None = None) -> Participation:
    """Apply an edit; refuse it if someone saved the participation since it was opened."""
    fields.check_version(participation, expected_version)
    values = validate_participation(session, user, participation.exhibition, data,
                                    participation.id)
    for key, value in values.items():
        if key == "source" and data.source == "manual":
            continue  # keep where the booth was first found
        setattr(participation, key, value)
    fields.flush(session)
    return participation


def delete_participation(session: Session, participation: Participation, *,
                         expected_version: int | None = None) -> None:
    """Remove a participation (the audit log keeps what it held)."""
    fields.check_version(participation, expected_version)
    session.delete(participation)
    fields.flush(session)


def participation_data(participation: Participation) -> ParticipationData:
    return ParticipationData(**{key: getattr(participation, key)
                                for key in ParticipationData.__dataclass_fields__})


def filtered_participations(user: User, exhibition_id: int,
                            filters: ParticipationFilters) -> Select[Any]:
    """Return the select of a show's exhibitors the user sees, by hall and booth."""
    stmt = (select(Participation).join(Company, Participation.company_id == Company.id)
            .where(Participation.exhibition_id == exhibition_id, access.company_scope(user))
            .options(contains_eager(Participation.company), selectinload(Participation.pavilion),
                     selectinload(Participation.builder)))
    if filters.booth_type:
        stmt = stmt.where(Participation.booth_type == filters.booth_type)
    if filters.hall:
        stmt = stmt.where(Participation.hall == filters.hall)
    if filters.origin:
        stmt = stmt.where(Participation.origin == filters.origin)
    if filters.pavilion_id:
        stmt = stmt.where(Participation.pavilion_id == filters.pavilion_id)
    # NULLs last on both SQLite and PostgreSQL.
    return stmt.order_by(Participation.hall.is_(None), Participation.hall,
                         Participation.booth_no.is_(None), Participation.booth_no,
                         Participation.id)


def find_participations(session: Session, user: User, exhibition_id: int,
                        filters: ParticipationFilters, page: int = 1,
                        per_page: int = 50) -> Page[Participation]:
    return paginate(session, filtered_participations(user, exhibition_id, filters), page, per_page)


def participations_of(user: User, *, exhibition_id: int | None = None,
                      company_id: int | None = None,
                      filters: ParticipationFilters | None = None) -> Select[Any]:
    """Return the select of the participations the user sees, of a show and/or a company,
    latest show first (the API's lists)."""
    filters = filters or ParticipationFilters()
    stmt = (select(Participation).join(Company, Participation.company_id == Company.id)
            .join(Exhibition, Participation.exhibition_id == Exhibition.id)
            .where(access.company_scope(user))
            .options(contains_eager(Participation.company),
                     contains_eager(Participation.exhibition)))
    if exhibition_id is not None:
        stmt = stmt.where(Participation.exhibition_id == exhibition_id)
    if company_id is not None:
        stmt = stmt.where(Participation.company_id == company_id)
    for attr in ("booth_type", "hall", "origin", "pavilion_id"):
        value = getattr(filters, attr)
        if value:
            stmt = stmt.where(getattr(Participation, attr) == value)
    return stmt.order_by(Exhibition.year.desc(), Exhibition.id.desc(),
                         Participation.hall.is_(None), Participation.hall,
                         Participation.booth_no.is_(None), Participation.booth_no,
                         Participation.id)


def halls_of(session: Session, exhibition_id: int) -> list[str]:
    """The halls the show's exhibitors are in (for a filter)."""
    return list(session.scalars(
        select(Participation.hall).where(Participation.exhibition_id == exhibition_id,
                                         Participation.hall.is_not(None))
        .distinct().order_by(Participation.hall)))


def pavilions_of(session: Session, exhibition_id: int) -> list[CountryPavilion]:
    """The country pavilions present at the show (for a filter)."""
    present = select(Participation.pavilion_id).where(Participation.exhibition_id == exhibition_id)
    return list(session.scalars(select(CountryPavilion).where(CountryPavilion.id.in_(present))
                                .order_by(CountryPavilion.name_zh)))


# --- Pickers for forms ------------------------------------------------------------------

def company_options(session: Session, user: User, query: str = "", *, kind: str | None = None,
                    limit: int = 20) -> list[tuple[int, str]]:
    """Return (id, name) of visible companies matching what was typed, for a picker."""
    stmt = select(Company.id, Company.name_zh, Company.name_en).where(access.company_scope(user))
    if kind:
        stmt = stmt.where(exists().where(CompanyKindLink.company_id == Company.id,
                                         CompanyKindLink.kind == kind))
    query = (query or "").strip()
    if fields.as_id(query) is not None:
        stmt = stmt.where(Company.id == fields.as_id(query))
    elif query:
        ids = search.matching_ids(query)
        if ids is None:
            return []
        stmt = stmt.where(Company.id.in_(ids))
    rows = session.execute(stmt.order_by(Company.id.desc()).limit(limit))
    return [(cid, zh or en or f"#{cid}") for cid, zh, en in rows]


def exhibition_options(session: Session, query: str = "", limit: int = 20) -> list[tuple[int, str]]:
    """Return (id, "year name") of shows matching what was typed, newest first, for a picker.

    Every word must match the Chinese or English name, or be the year ("2025 家具").
    """
    stmt = select(Exhibition.id, Exhibition.year, Exhibition.name_zh)
    query = (query or "").strip()
    if fields.as_id(query) is not None:
        stmt = stmt.where(Exhibition.id == fields.as_id(query))
    else:
        for word in query.lower().split()[:5]:
            named = or_(func.lower(Exhibition.name_zh).contains(word, autoescape=True),
                        func.lower(Exhibition.name_en).contains(word, autoescape=True))
            stmt = stmt.where(or_(named, Exhibition.year == int(word)) if word.isdigit()
                              and len(word) == 4 else named)
    rows = session.execute(stmt.order_by(Exhibition.starts_on.is_(None), Exhibition.starts_on.desc(),
                                         Exhibition.year.desc(), Exhibition.id.desc()).limit(limit))
    return [(eid, f"{year} {name}") for eid, year, name in rows]


def company_name(session: Session, user: User, company_id: int | None) -> str | None:
    """The name of a company the user sees, to label a picked id."""
    if not company_id:
        return None
    row = session.execute(select(Company.name_zh, Company.name_en)
                          .where(Company.id == company_id, access.company_scope(user))).first()
    return (row[0] or row[1]) if row else None


# --- Shows announced ahead (organizers' show lists, venue calendars) --------------------

@dataclass
class CalendarEntry:
    """展会预告: a show edition as an organizer's list or a venue's calendar announces it."""

    name_zh: str | None
    year: int
    name_en: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    venue: str | None = None  # the venue's name as the site writes it
    city: str | None = None
    website: str | None = None
    halls: str | None = None
    source_url: str | None = None


_EDITION = re.compile(r"^\s*(?:\d{4}\s*年?\s*)?(?:第\s*[0-9一二三四五六七八九十百零〇两]+\s*届\s*)?")
_TRAILING_YEAR = re.compile(r"\s*[（(]?\s*\d{4}\s*[)）]?\s*$")


def series_name(text: str) -> str:
    """The show's name without the year and edition it starts with: '2025第十届X展' → 'X展'."""
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    bare = _TRAILING_YEAR.sub("", _EDITION.sub("", name)).strip()
    return bare or name


def _venue_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s()（）·.,，\-]", "", text)


def find_venue(session: Session, text: str | None) -> Venue | None:
    """The venue a site means by this name (code, Chinese or English name, brackets ignored)."""
    if not text or not text.strip():
        return None
    key = _venue_key(text)
    venues = session.scalars(select(Venue)).all()
    for venue in venues:
        if key in {_venue_key(v) for v in (venue.code, venue.name_zh, venue.name_en) if v}:
            return venue
    # "国家会展中心（上海）7.2H" names the venue and a hall: the longest name it contains.
    found = [(len(_venue_key(v.name_zh)), v) for v in venues
             if _venue_key(v.name_zh) and _venue_key(v.name_zh) in key]
    return max(found, key=lambda f: f[0])[1] if found else None


def upsert_from_calendar(session: Session, entry: CalendarEntry, *, venue: Venue | None = None,
                         organizer_id: int | None = None) -> tuple[Exhibition, str]:
    """Create the announced show edition ahead of time, or fill in what the known one lacks.

    The edition is found by its series name (year and edition number stripped, as
    catalogues and calendars write them differently) and year. Values a person entered
    are never overwritten: only blanks are filled. Returns the show and what happened:
    "created", "updated" or "unchanged".
    """
    name = series_name(entry.name_zh or entry.name_en or "")
    if not name:
        raise ValidationFailed({"name_zh": [N_("This field is required.")]})
    if not MIN_YEAR <= entry.year <= MAX_YEAR:
        raise ValidationFailed({"year": [N_("Not a valid year.")]})
    venue = venue or find_venue(session, entry.venue)
    values: dict[str, Any] = {
        "name_en": (entry.name_en or "")[:300] or None,
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on if entry.ends_on is None or entry.starts_on is None
        or entry.ends_on >= entry.starts_on else None,
        "venue_id": venue.id if venue else None,
        "city": (entry.city or (venue.city if venue else None) or "")[:50] or None,
        "website": (entry.website or "")[:300] or None,
        "halls": (entry.halls or "")[:300] or None,
        "organizer_id": organizer_id,
    }
    found = session.scalars(select(Exhibition).where(
        or_(Exhibition.name_zh == name[:300], Exhibition.name_zh == (entry.name_zh or "")[:300]),
        Exhibition.year == entry.year).limit(1)).first()
    if found is None:
        note = None
        if entry.venue and venue is None:
            note = f"Venue as announced: {entry.venue}"[:5000]
        exhibition = Exhibition(name_zh=name[:300], year=entry.year, notes=note,
                                **{k: v for k, v in values.items() if v is not None})
        session.add(exhibition)
        session.flush()
        return exhibition, "created"
    changed = False
    for key, value in values.items():
        if value is None or getattr(found, key) is not None:
            continue
        if key == "ends_on" and found.starts_on and value < found.starts_on:
            continue
        if key == "starts_on" and found.ends_on and value > found.ends_on:
            continue
        setattr(found, key, value)
        changed = True
    if changed:
        session.flush()
    return found, "updated" if changed else "unchanged"
