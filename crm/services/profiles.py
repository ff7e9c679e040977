"""Competitor (展览同行) and media (行业媒体) profiles: what we know beyond the company record.

A profile hangs off a company of the matching kind. Profiles carry no version column of
their own, so an edit is checked against the company's version and bumps it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from crm.db import utcnow
from crm.models import (
    Company,
    CompanyKind,
    CompanyKindLink,
    CompetitorProfile,
    Exhibition,
    Industry,
    MediaProfile,
    Participation,
    User,
)
from crm.services import access, companies, fields, search
from crm.services.errors import N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate

SCALES = ("small", "medium", "large")
MEDIA_TYPES = ("magazine", "newspaper", "website", "wechat", "video", "association", "other")


@dataclass
class CompetitorData:
    """The editable fields of a competitor profile, as plain values."""

    scale: str | None = None
    staff_count: int | str | None = None
    annual_revenue: Decimal | str | None = None
    main_business: str | None = None
    main_industries: str | None = None
    key_clients: str | None = None
    workshop: str | None = None
    strengths: str | None = None
    notes: str | None = None


@dataclass
class MediaData:
    """The editable fields of a media profile, as plain values."""

    media_type: str | None = "magazine"
    industry_id: int | None = None
    circulation: str | None = None
    wechat_account: str | None = None
    ad_rates: str | None = None
    cooperation: str | None = None
    notes: str | None = None


@dataclass
class ProfileFilters:
    """What the competitor and media lists can be narrowed by."""

    query: str = ""
    scale: str | None = None
    media_type: str | None = None
    industry_id: int | None = None
    city: str | None = None


@dataclass(frozen=True)
class Kind:
    """What differs between the two profile kinds."""

    kind: str
    model: type
    data: type
    not_found: str


COMPETITOR = Kind(CompanyKind.COMPETITOR.value, CompetitorProfile, CompetitorData,
                  N_("No such competitor."))
MEDIA = Kind(CompanyKind.MEDIA.value, MediaProfile, MediaData, N_("No such media company."))


def validate_competitor(session: Session, data: CompetitorData) -> dict[str, Any]:
    errors: fields.Errors = {}
    v = {
        "scale": fields.choice(errors, "scale", data.scale, SCALES),
        "staff_count": fields.integer(errors, "staff_count", data.staff_count, minimum=0,
                                      maximum=10_000_000),
        "annual_revenue": fields.decimal(errors, "annual_revenue", data.annual_revenue),
        "main_business": fields.text(errors, "main_business", data.main_business,
                                     max_len=5000, block=True),
        "main_industries": fields.text(errors, "main_industries", data.main_industries,
                                       max_len=300),
        "key_clients": fields.text(errors, "key_clients", data.key_clients, max_len=5000,
                                   block=True),
        "workshop": fields.text(errors, "workshop", data.workshop, max_len=300),
        "strengths": fields.text(errors, "strengths", data.strengths, max_len=5000, block=True),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
    }
    if errors:
        raise ValidationFailed(errors)
    return v


def validate_media(session: Session, data: MediaData) -> dict[str, Any]:
    errors: fields.Errors = {}
    v = {
        "media_type": fields.choice(errors, "media_type", data.media_type or "magazine",
                                    MEDIA_TYPES),
        "industry_id": fields.reference(session, errors, "industry_id", Industry,
                                        data.industry_id, N_("No such industry.")),
        "circulation": fields.text(errors, "circulation", data.circulation, max_len=100),
        "wechat_account": fields.text(errors, "wechat_account", data.wechat_account,
                                      max_len=100),
        "ad_rates": fields.text(errors, "ad_rates", data.ad_rates, max_len=5000, block=True),
        "cooperation": fields.text(errors, "cooperation", data.cooperation, max_len=5000,
                                   block=True),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
    }
    if errors:
        raise ValidationFailed(errors)
    return v


def _validator(kind: Kind):
    return validate_competitor if kind is COMPETITOR else validate_media


def get(session: Session, user: User, kind: Kind, company_id: int) -> tuple[Company, Any]:
    """Load a visible company of this kind and its profile (None if not filled in yet)."""
    try:
        company = access.visible_company(session, user, company_id)
    except NotFound:
        raise NotFound(kind.not_found) from None
    profile = session.get(kind.model, company.id)
    if profile is None and kind.kind not in company.kind_values:
        raise NotFound(kind.not_found)
    return company, profile


def create(session: Session, kind: Kind, company_data: companies.CompanyData,
           data: Any) -> tuple[Company, Any]:
    """Create a company of this kind together with its profile."""
    company_data.kinds = sorted(set(company_data.kinds or []) | {kind.kind})
    errors: fields.Errors = {}
    try:
        companies.validate(session, company_data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        values = _validator(kind)(session, data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    company = companies.create(session, company_data)
    profile = kind.model(company_id=company.id, **values)
    session.add(profile)
    session.flush()
    return company, profile


def save(session: Session, kind: Kind, company: Company, data: Any, *,
         expected_version: int | None = None) -> Any:
    """Create or edit the profile of a company; refuse if the company changed meanwhile."""
    fields.check_version(company, expected_version)
    values = _validator(kind)(session, data)
    profile = session.get(kind.model, company.id)
    if profile is None:
        profile = kind.model(company_id=company.id)
        session.add(profile)
    for key, value in values.items():
        setattr(profile, key, value)
    if kind.kind not in company.kind_values:
        company.kinds.append(CompanyKindLink(kind=kind.kind))
    company.updated_at = utcnow()  # bumps the company's version: the profile is part of it
    fields.flush(session)
    return profile


def data_of(kind: Kind, profile: Any) -> Any:
    if profile is None:
        return kind.data()
    return kind.data(**{key: getattr(profile, key) for key in kind.data.__dataclass_fields__})


def filtered(user: User, kind: Kind, filters: ProfileFilters) -> Select[Any]:
    """Return the select of visible companies of this kind that pass the filters."""
    has_kind = exists().where(CompanyKindLink.company_id == Company.id,
                              CompanyKindLink.kind == kind.kind)
    has_profile = exists().where(kind.model.company_id == Company.id)
    stmt = select(Company).where(access.company_scope(user), has_kind | has_profile)
    if filters.query.strip():
        ids = search.matching_ids(filters.query)
        if ids is not None:
            stmt = stmt.where(Company.id.in_(ids))
    if filters.city:
        stmt = stmt.where(Company.city == filters.city)
    profile_filters = []
    if kind is COMPETITOR and filters.scale:
        profile_filters.append(CompetitorProfile.scale == filters.scale)
    if kind is MEDIA and filters.media_type:
        profile_filters.append(MediaProfile.media_type == filters.media_type)
    if kind is MEDIA and filters.industry_id:
        profile_filters.append(MediaProfile.industry_id == filters.industry_id)
    if profile_filters:
        stmt = stmt.where(exists().where(kind.model.company_id == Company.id, *profile_filters))
    return stmt.order_by(Company.id.desc())


def find(session: Session, user: User, kind: Kind, filters: ProfileFilters, page: int = 1,
         per_page: int = 50) -> Page[tuple[Company, Any]]:
    """Return one page of (company, profile or None) of this kind."""
    result = paginate(session, filtered(user, kind, filters), page, per_page)
    ids = [c.id for c in result.items]
    stmt = select(kind.model).where(kind.model.company_id.in_(ids))
    if kind is MEDIA:
        stmt = stmt.options(selectinload(MediaProfile.industry))
    found = {p.company_id: p for p in session.scalars(stmt)} if ids else {}
    result.items = [(c, found.get(c.id)) for c in result.items]
    return result


def booths_built(session: Session, user: User, company_id: int,
                 limit: int = 50) -> list[Participation]:
    """Booths this competitor built, at companies the user may see, latest first."""
    return list(session.scalars(
        select(Participation).join(Company, Participation.company_id == Company.id)
        .join(Exhibition, Participation.exhibition_id == Exhibition.id)
        .where(Participation.builder_id == company_id, access.company_scope(user))
        .options(contains_eager(Participation.company), contains_eager(Participation.exhibition),
                 selectinload(Participation.pavilion))
        .order_by(Exhibition.year.desc(), Exhibition.id.desc(), Participation.id).limit(limit)))
