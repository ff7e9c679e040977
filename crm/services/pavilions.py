"""Country pavilions (国家展团): national group stands and the trade bodies behind them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from crm.models import Company, Contact, CountryPavilion, Exhibition, Participation, User
from crm.services import access, fields
from crm.services.errors import Conflict, N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate


@dataclass
class PavilionData:
    """The editable fields of a country pavilion, as plain values."""

    country: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    organizer_id: int | None = None
    pavilion_type: str | None = None
    website: str | None = None
    status: str | None = None
    owner_id: int | None = None
    notes: str | None = None


@dataclass
class PavilionFilters:
    query: str = ""
    country: str | None = None


def validate(session: Session, data: PavilionData, pavilion_id: int | None = None) -> dict[str, Any]:
    """Clean and check a pavilion's fields; return the column values to store."""
    errors: fields.Errors = {}
    v: dict[str, Any] = {
        "country": fields.country(errors, "country", data.country, default=""),
        "name_zh": fields.text(errors, "name_zh", data.name_zh, max_len=200, required=True),
        "name_en": fields.text(errors, "name_en", data.name_en, max_len=200),
        "pavilion_type": fields.text(errors, "pavilion_type", data.pavilion_type, max_len=50),
        "website": fields.text(errors, "website", data.website, max_len=300),
        "status": fields.text(errors, "status", data.status, max_len=50),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
        "organizer_id": fields.live_company(session, errors, "organizer_id", data.organizer_id),
        "owner_id": fields.reference(session, errors, "owner_id", User, data.owner_id,
                                     N_("No such user.")),
    }
    if errors:
        raise ValidationFailed(errors)
    holder = session.scalars(select(CountryPavilion).where(
        CountryPavilion.name_zh == v["name_zh"], CountryPavilion.id != (pavilion_id or 0))).first()
    if holder is not None:
        raise Conflict(N_("This pavilion already exists: %(name)s (#%(id)s)."),
                       field="name_zh", name=holder.name_zh, id=holder.id)
    return v


def get(session: Session, pavilion_id: int) -> CountryPavilion:
    pavilion = session.get(CountryPavilion, pavilion_id)
    if pavilion is None:
        raise NotFound(N_("No such pavilion."))
    return pavilion


def create(session: Session, data: PavilionData) -> CountryPavilion:
    pavilion = CountryPavilion(**validate(session, data))
    session.add(pavilion)
    session.flush()
    return pavilion


def update(session: Session, pavilion: CountryPavilion, data: PavilionData, *,
           expected_version: int | None = None) -> CountryPavilion:
    """Apply an edit; refuse it if someone saved the pavilion since it was opened."""
    fields.check_version(pavilion, expected_version)
    for key, value in validate(session, data, pavilion.id).items():
        setattr(pavilion, key, value)
    fields.flush(session)
    return pavilion


def data_of(pavilion: CountryPavilion) -> PavilionData:
    return PavilionData(**{key: getattr(pavilion, key) for key in PavilionData.__dataclass_fields__})


def filtered(filters: PavilionFilters) -> Select[Any]:
    stmt = select(CountryPavilion).options(selectinload(CountryPavilion.organizer))
    query = (filters.query or "").strip().lower()
    if query:
        stmt = stmt.where(or_(func.lower(CountryPavilion.name_zh).contains(query, autoescape=True),
                              func.lower(CountryPavilion.name_en).contains(query, autoescape=True)))
    if filters.country:
        stmt = stmt.where(CountryPavilion.country == filters.country.upper())
    return stmt.order_by(CountryPavilion.country, CountryPavilion.name_zh)


def find(session: Session, filters: PavilionFilters, page: int = 1,
         per_page: int = 50) -> Page[CountryPavilion]:
    return paginate(session, filtered(filters), page, per_page)


def participations_by_show(session: Session, user: User, pavilion_id: int,
                           limit: int = 1000) -> list[tuple[Exhibition, list[Participation]]]:
    """The pavilion's exhibitors the user may see, grouped by show, latest show first."""
    rows = session.scalars(
        select(Participation).join(Company, Participation.company_id == Company.id)
        .join(Exhibition, Participation.exhibition_id == Exhibition.id)
        .where(Participation.pavilion_id == pavilion_id, access.company_scope(user))
        .options(contains_eager(Participation.company), contains_eager(Participation.exhibition))
        .order_by(Exhibition.year.desc(), Exhibition.id.desc(), Participation.booth_no,
                  Participation.id)
        .limit(limit)).all()
    groups: dict[int, tuple[Exhibition, list[Participation]]] = {}
    for p in rows:
        groups.setdefault(p.exhibition_id, (p.exhibition, []))[1].append(p)
    return list(groups.values())


def organizer_contacts(session: Session, user: User, pavilion: CountryPavilion) -> list[Contact]:
    """The people at the organising body, if the user may see that company."""
    if pavilion.organizer_id is None:
        return []
    return list(session.scalars(
        select(Contact).join(Company, Contact.company_id == Company.id)
        .where(Contact.company_id == pavilion.organizer_id, access.company_scope(user))
        .order_by(Contact.id)))


def options(session: Session, query: str = "", limit: int = 50) -> list[tuple[int, str]]:
    """Return (id, name) of pavilions matching what was typed, for a picker."""
    stmt = select(CountryPavilion.id, CountryPavilion.name_zh, CountryPavilion.country)
    query = (query or "").strip()
    if fields.as_id(query) is not None:
        stmt = stmt.where(CountryPavilion.id == fields.as_id(query))
    elif query:
        q = query.lower()
        stmt = stmt.where(or_(func.lower(CountryPavilion.name_zh).contains(q, autoescape=True),
                              func.lower(CountryPavilion.name_en).contains(q, autoescape=True),
                              CountryPavilion.country == query.upper()))
    rows = session.execute(stmt.order_by(CountryPavilion.name_zh).limit(limit))
    return [(pid, f"{name} ({country})") for pid, name, country in rows]
