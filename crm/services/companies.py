"""Create, edit, find and export companies; the rules of a valid company record."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from crm.models import (
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKind,
    CompanyKindLink,
    ClientAttribution,
    CompanyPhone,
    CompetitorProfile,
    Contact,
    Cooperation,
    Industry,
    Lead,
    MediaProfile,
    Merge,
    Participation,
    User,
)
from crm.models.leads import OPEN_LEAD_STATUSES
from crm.services import access, matching, names, phones, search
from crm.services.errors import Conflict, N_, StaleEdit, ValidationFailed
from crm.services.paging import COUNT_CAP, Page, page_of_ids, paginate


@dataclass
class CompanyData:
    """The editable fields of a company, as plain values."""

    name_zh: str | None = None
    name_en: str | None = None
    credit_code: str | None = None
    country: str = "CN"
    province: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    industry_id: int | None = None
    is_key_client: bool = False
    owner_id: int | None = None
    notes: str | None = None
    kinds: list[str] = field(default_factory=lambda: [CompanyKind.EXHIBITOR.value])
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class CompanyFilters:
    """What the company list can be narrowed by."""

    query: str = ""
    industry_id: int | None = None
    kind: str | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    is_key_client: bool | None = None
    owner_id: int | None = None
    unassigned: bool = False
    exhibition_id: int | None = None
    booth_type: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def website_domain(website: str | None) -> str | None:
    """Return the registrable host of a website (www. dropped), lower case."""
    if not website:
        return None
    url = website if "//" in website else "//" + website
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return host.removeprefix("www.") or None


def normalize_credit_code(code: str | None) -> str | None:
    code = _clean(code)
    return uscc.compact(code).upper() if code else None


def validate(session: Session, data: CompanyData, company_id: int | None = None) -> CompanyData:
    """Clean the fields and check every rule; raise ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    data.name_zh, data.name_en = _clean(data.name_zh), _clean(data.name_en)
    for attr in ("province", "city", "address", "website", "notes"):
        setattr(data, attr, _clean(getattr(data, attr)))
    if not data.name_zh and not data.name_en:
        errors["name_zh"] = [N_("Give the Chinese or the English name.")]
    for attr in ("name_zh", "name_en"):
        if (getattr(data, attr) or "") and len(getattr(data, attr)) > 300:
            errors[attr] = [N_("At most 300 characters.")]
    data.credit_code = normalize_credit_code(data.credit_code)
    if data.credit_code:
        try:
            uscc.validate(data.credit_code)
        except StdnumError:
            errors["credit_code"] = [N_("Not a valid unified social credit code (check digit).")]
    data.country = (data.country or "CN").strip().upper()
    if len(data.country) != 2 or not data.country.isalpha():
        errors["country"] = [N_("Use a two-letter country code such as CN.")]
    domain = website_domain(data.website)
    if data.website and (not domain or len(domain) > 200):  # website_domain is String(200)
        errors["website"] = [N_("Not a web address.")]
    bad_kinds = set(data.kinds) - {k.value for k in CompanyKind}
    if bad_kinds:
        errors["kinds"] = [N_("Unknown kind.")]
    bad_phones = [p for p in data.phones if phones.normalize(p, data.country).e164 is None]
    if bad_phones:
        errors["phones"] = [N_("Not a phone number: %(value)s") % {"value": ", ".join(bad_phones)}]
    cleaned_emails = []
    for email in data.emails:
        try:
            normalized = validate_email(email, check_deliverability=False).normalized
            if len(normalized) > 200:  # CompanyEmail.email is String(200)
                raise EmailNotValidError("too long")
            cleaned_emails.append(normalized)
        except EmailNotValidError:
            errors.setdefault("emails", []).append(
                N_("Not an e-mail address: %(value)s") % {"value": email})
    data.emails = cleaned_emails
    if data.industry_id is not None and session.get(Industry, data.industry_id) is None:
        errors["industry_id"] = [N_("No such industry.")]
    if data.owner_id is not None and session.get(User, data.owner_id) is None:
        errors["owner_id"] = [N_("No such user.")]
    if errors:
        raise ValidationFailed(errors)
    _check_unique_credit_code(session, data.credit_code, company_id)
    return data


def _check_unique_credit_code(session: Session, code: str | None, company_id: int | None) -> None:
    if not code:
        return
    holder = session.scalars(select(Company).where(Company.credit_code == code)).first()
    if holder is not None and holder.id != company_id:
        raise Conflict(N_("Credit code %(code)s already belongs to %(name)s (#%(id)s)."),
                       field="credit_code", code=code, name=holder.display_name, id=holder.id)


def create(session: Session, data: CompanyData, *, source: str = "manual") -> Company:
    """Create a company from validated data and remember its names as aliases."""
    data = validate(session, data)
    company = Company()
    _apply(company, data, source)
    session.add(company)
    session.flush()
    return company


def update(session: Session, company: Company, data: CompanyData, *,
           expected_version: int | None = None, source: str = "manual") -> Company:
    """Apply an edit; refuse it if someone saved the company since it was opened."""
    if expected_version is not None and expected_version != company.version:
        raise StaleEdit(N_("Someone else saved this record while you were editing it. "
                           "Reload it and apply your change again."))
    data = validate(session, data, company.id)
    _apply(company, data, source)
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit(N_("Someone else saved this record while you were editing it. "
                           "Reload it and apply your change again.")) from exc
    return company


def forget_derived(session: Session, ids: list[int]) -> None:
    """Drop what is derived from companies about to be deleted (search terms, match keys
    and profiles): those tables hold no foreign key to cascade by."""
    search.forget(session, ids)
    matching.forget(session, ids)


def delete(session: Session, company: Company) -> None:
    """Delete a company with its names, phones, contacts, booths and profiles.

    Refuse while other records still point at it (a show it organises, a booth it built,
    a company merged into it …): those links are for a person to undo, not to vanish.
    """
    for model in (Participation, CompetitorProfile, MediaProfile):
        # Deleted through the session (not the database cascade) so each is audited.
        for row in session.scalars(select(model).where(model.company_id == company.id)):
            session.delete(row)
    try:
        with session.begin_nested():
            forget_derived(session, [company.id])
            session.delete(company)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("%(name)s is still linked to other records (a show it organises, "
                          "a booth it built, a company merged into it …). Remove those links "
                          "first."), name=company.display_name) from exc


def _apply(company: Company, data: CompanyData, source: str) -> None:
    for attr in ("name_zh", "name_en", "credit_code", "country", "province", "city", "address",
                 "website", "industry_id", "is_key_client", "owner_id", "notes"):
        setattr(company, attr, getattr(data, attr))
    company.website_domain = website_domain(data.website)
    for name in (data.name_zh, data.name_en):
        if name:
            remember_alias(company, name, source)
    wanted_kinds = set(data.kinds)
    company.kinds = [k for k in company.kinds if k.kind in wanted_kinds] + [
        CompanyKindLink(kind=k) for k in sorted(wanted_kinds - set(company.kind_values))]
    _sync_phones(company, data.phones, data.country, source)
    _sync_emails(company, data.emails, source)


def remember_alias(company: Company, name: str, source: str, source_url: str | None = None) -> None:
    """Keep a name the company was seen under, once per source."""
    name = " ".join(name.split())
    if any(a.name == name and a.source == source for a in company.aliases):
        return
    script = "zh" if names.has_cjk(name) else "en"
    company.aliases.append(CompanyAlias(name=name, script=script, source=source,
                                        source_url=source_url))


def _sync_phones(company: Company, wanted: list[str], country: str, source: str) -> None:
    parsed = [phones.normalize(p, country) for p in wanted]
    keys = {(p.e164, p.extension) for p in parsed}
    company.phones = [p for p in company.phones if (p.e164, p.extension) in keys]
    have = {(p.e164, p.extension) for p in company.phones}
    for p in parsed:
        if (p.e164, p.extension) not in have:
            company.phones.append(CompanyPhone(raw=p.raw, e164=p.e164, extension=p.extension,
                                               kind=p.kind, source=source))
            have.add((p.e164, p.extension))


def _sync_emails(company: Company, wanted: list[str], source: str) -> None:
    lowered = {e.lower() for e in wanted}
    company.emails = [e for e in company.emails if e.email.lower() in lowered]
    have = {e.email.lower() for e in company.emails}
    for email in wanted:
        if email.lower() not in have:
            company.emails.append(CompanyEmail(email=email, domain=email.split("@")[1].lower(),
                                               source=source))
            have.add(email.lower())


# The company page shows the record with all its parts. One plain query per part costs
# about half of what `selectinload` does (its per-path loader machinery), and the page is
# opened all day: the statements are built once, with the company id as a parameter.
_PART_QUERIES = {
    rel: select(cls).where(cls.company_id == bindparam("p_company")).order_by(*order)
    for rel, cls, order in (
        ("kinds", CompanyKindLink, (CompanyKindLink.kind,)),
        ("aliases", CompanyAlias, (CompanyAlias.id,)),
        ("phones", CompanyPhone, (CompanyPhone.id,)),
        ("emails", CompanyEmail, (CompanyEmail.id,)),
        ("contacts", Contact, (Contact.id,)))}


def hub(session: Session, user: User, company_id: int) -> Company:
    """The company the user may see, loaded with everything its page shows (or NotFound)."""
    company = access.visible_company(session, user, company_id, joinedload(Company.industry),
                                     joinedload(Company.owner), lazyload(Company.kinds))
    for rel, stmt in _PART_QUERIES.items():
        set_committed_value(company, rel,
                            list(session.scalars(stmt, {"p_company": company.id})))
    return company


@dataclass(frozen=True)
class Activity:
    """Whether the company page's side panels have anything to show, known in one round
    trip: most companies have no merges, leads or cooperations, and each panel costs
    a query or two only to find that out."""

    merged_from: bool  # merges into this company (the "merged from" list)
    merged_children: bool  # companies merged into it: their history is its history
    attributions: bool
    cooperations: bool  # of the company itself
    open_lead: bool  # of anyone's (the panel then applies the user's visibility)

    @classmethod
    def everything(cls) -> Activity:
        return cls(True, True, True, True, True)


_p_company = bindparam("p_company")
_ACTIVITY = select(
    exists().where(Merge.survivor_id == _p_company),
    exists().where(Company.merged_into_id == _p_company),
    exists().where(ClientAttribution.company_id == _p_company),
    exists().where(Cooperation.company_id == _p_company),
    exists().where(Lead.company_id == _p_company,
                   Lead.status.in_([s.value for s in OPEN_LEAD_STATUSES])))


def activity(session: Session, company_id: int) -> Activity:
    """What the side panels of the company's page have to show (see Activity)."""
    return Activity(*(bool(v) for v in session.execute(_ACTIVITY, {"p_company": company_id}).one()))


def data_of(company: Company) -> CompanyData:
    """Return the editable fields of a company, e.g. to pre-fill a form."""
    return CompanyData(
        name_zh=company.name_zh, name_en=company.name_en, credit_code=company.credit_code,
        country=company.country, province=company.province, city=company.city,
        address=company.address, website=company.website, industry_id=company.industry_id,
        is_key_client=company.is_key_client, owner_id=company.owner_id, notes=company.notes,
        kinds=company.kind_values, phones=[p.raw for p in company.phones],
        emails=[e.email for e in company.emails])


def filtered(user: User, filters: CompanyFilters, session: Session | None = None) -> Select[Any]:
    """Return the select of companies the user sees that pass the filters, newest first.

    Given the session, the search words are planned from a quick look at the term index
    (search.plan), which keeps the statement fast for narrow and broad words alike.
    """
    stmt = select(Company).where(access.company_scope(user))
    if filters.query.strip():
        match = search.plan(session, filters.query) if session is not None else None
        if match is not None:
            stmt = stmt.where(match.condition())
        else:
            ids = search.matching_ids(filters.query)
            if ids is not None:
                stmt = stmt.where(Company.id.in_(ids))
    if filters.industry_id:
        stmt = stmt.where(Company.industry_id == filters.industry_id)
    if filters.kind:
        stmt = stmt.where(exists().where(CompanyKindLink.company_id == Company.id,
                                         CompanyKindLink.kind == filters.kind))
    for attr in ("country", "province", "city"):
        value = getattr(filters, attr)
        if value:
            stmt = stmt.where(getattr(Company, attr) == value)
    if filters.is_key_client is not None:
        stmt = stmt.where(Company.is_key_client.is_(filters.is_key_client))
    if filters.unassigned:
        stmt = stmt.where(Company.owner_id.is_(None))
    elif filters.owner_id:
        stmt = stmt.where(Company.owner_id == filters.owner_id)
    if filters.exhibition_id or filters.booth_type:
        shown = select(Participation.id).where(Participation.company_id == Company.id)
        if filters.exhibition_id:
            shown = shown.where(Participation.exhibition_id == filters.exhibition_id)
        if filters.booth_type:
            shown = shown.where(Participation.booth_type == filters.booth_type)
        stmt = stmt.where(shown.exists())
    return stmt.order_by(Company.id.desc())


def find(session: Session, user: User, filters: CompanyFilters, page: int = 1,
         per_page: int = 50) -> Page[Company]:
    """Return one page of the companies the user sees that pass the filters.

    A search first reads the ids of the matching companies from the term index (up to
    the count cap, so it stops early for a broad word); up to the cap the page is sliced
    from those ids, beyond it the companies are walked newest first, which fills a page
    quickly exactly because so many match.
    """
    # The list shows industry and owner: load them with the page, not one query a row.
    options = (selectinload(Company.industry), selectinload(Company.owner))
    match = search.plan(session, filters.query) if filters.query.strip() else None
    if match is None:
        return paginate(session, filtered(user, filters).options(*options), page, per_page)
    others = filtered(user, replace(filters, query=""))
    ids = search.first_ids(session, match.ids(others), COUNT_CAP + 1)
    if len(ids) <= COUNT_CAP:
        ids.sort(reverse=True)
        return page_of_ids(session, select(Company).options(*options), Company.id, ids,
                           page, per_page)
    stmt = others.where(match.condition(many=True)).options(*options)
    return paginate(session, stmt, page, per_page, total=COUNT_CAP, total_is_capped=True)


def export_rows(session: Session, user: User, filters: CompanyFilters,
                limit: int) -> list[dict[str, Any]]:
    """Return the filtered companies as flat rows for a spreadsheet."""
    stmt = filtered(user, filters, session).limit(limit).options(
        selectinload(Company.aliases), selectinload(Company.phones),
        selectinload(Company.emails), selectinload(Company.industry),
        selectinload(Company.owner))
    rows = []
    for c in session.scalars(stmt):
        rows.append({
            "id": c.id, "name_zh": c.name_zh, "name_en": c.name_en,
            "aliases": "; ".join(sorted({a.name for a in c.aliases} - {c.name_zh, c.name_en})),
            "credit_code": c.credit_code, "country": c.country, "province": c.province,
            "city": c.city, "address": c.address, "website": c.website,
            "phones": "; ".join(phones.display(p.e164, p.extension) or p.raw for p in c.phones),
            "emails": "; ".join(e.email for e in c.emails),
            "industry": c.industry.name_zh if c.industry else None,
            "kinds": ", ".join(c.kind_values), "key_client": c.is_key_client,
            "owner": c.owner.display_name if c.owner else None,
        })
    return rows
