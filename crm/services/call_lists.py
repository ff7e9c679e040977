"""Build call lists from the company database, and the show-driven lists built on their own.

A list holds prospects only: companies nobody owns yet (or owned by the list's own
telesales person), not merged away, not do-not-call, exhibitors or agents. A company
that is already waiting in another open list is left out (and counted), so a company is
in one telesales queue at a time. The order of calling is the list's priority keys:

    show_date      the company's next show (after today) soonest first
    area           the largest booth first
    special_build  special-build or raw-space (特装/光地) booths first
    key_client     key clients (重点客户) first
    callback_due   due callbacks before queued calls (where it stands in the list decides)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    BoothType,
    Call,
    CallItem,
    CallItemStatus,
    CallList,
    CallListKind,
    Company,
    CompanyKind,
    CompanyKindLink,
    Exhibition,
    ExhibitorOrigin,
    Industry,
    Lead,
    Participation,
    Role,
    User,
)
from crm.models.leads import OPEN_LEAD_STATUSES
from crm.services import access, settings, workdays
from crm.services.errors import N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate

PRIORITY_KEYS = ("callback_due", "show_date", "area", "special_build", "key_client")
DEFAULT_PRIORITY = ["callback_due", "special_build", "key_client", "area", "show_date"]
SHOW_PRIORITY = ["callback_due", "key_client", "area"]
SPECIAL_BUILD = (BoothType.SPECIAL.value, BoothType.RAW_SPACE.value)
CALLABLE_KINDS = (CompanyKind.EXHIBITOR.value, CompanyKind.AGENT.value)
OWNER_ROLES = frozenset({Role.TELESALES, Role.MARKET_SUPERVISOR})
MAX_ITEMS = 200_000
CHUNK = 900  # ids per IN (…): below SQLite's default parameter limit

SHOW_WEEKS = settings.declare(
    "calls.show_list_weeks", 8,
    "Weeks before a show opens that the call list of its last edition's special-build "
    "exhibitors is built.", minimum=1, maximum=52)


@dataclass
class ListFilters:
    """Which companies go into a list; empty fields do not filter.

    Booth filters (exhibition, booth types, halls, area, origins, pavilion) must hold for
    one and the same booth of the company.
    """

    exhibition_id: int | None = None
    industry_id: int | None = None
    booth_types: list[str] = field(default_factory=list)
    halls: list[str] = field(default_factory=list)
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    origins: list[str] = field(default_factory=list)
    pavilion_id: int | None = None
    not_called_days: int | None = None
    no_open_lead: bool = True
    key_client: bool | None = None
    limit: int | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("area_min", "area_max"):
            if data[key] is not None:
                data[key] = str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListFilters:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def booth_filters(self) -> bool:
        return bool(self.exhibition_id or self.booth_types or self.halls or self.origins
                    or self.pavilion_id or self.area_min is not None or self.area_max is not None)


@dataclass
class BuildResult:
    """What building a list did: the list, the companies added, the ones left out."""

    call_list: CallList | None
    added: int = 0
    already_queued: int = 0  # waiting in another open list
    created: bool = True


@dataclass
class Candidate:
    company_id: int
    key_client: bool
    area: Decimal | None
    special: bool
    next_show: date | None


def _invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    exc = ValidationFailed(errors)
    exc.field = next(iter(errors), None)
    return exc


def validate_filters(filters: ListFilters) -> ListFilters:
    """Check the filters' values; raise ValidationFailed naming each bad one."""
    errors: dict[str, list[str]] = {}
    bad_types = set(filters.booth_types) - {b.value for b in BoothType}
    if bad_types:
        errors["booth_types"] = [N_("Unknown booth type.")]
    bad_origins = set(filters.origins) - {o.value for o in ExhibitorOrigin}
    if bad_origins:
        errors["origins"] = [N_("Pick domestic, foreign or agent.")]
    for key in ("area_min", "area_max"):
        value = getattr(filters, key)
        if value in ("", None):
            setattr(filters, key, None)
            continue
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            errors[key] = [N_("Enter a number of square metres.")]
            continue
        if value < 0 or value > Decimal("100000"):
            errors[key] = [N_("Enter a number of square metres.")]
        setattr(filters, key, value)
    if (filters.area_min is not None and filters.area_max is not None
            and "area_min" not in errors and filters.area_min > filters.area_max):
        errors["area_max"] = [N_("The largest area is below the smallest.")]
    if filters.not_called_days is not None and not 0 <= filters.not_called_days <= 3650:
        errors["not_called_days"] = [N_("Between 0 and 3650 days.")]
    if filters.limit is not None and not 1 <= filters.limit <= MAX_ITEMS:
        errors["limit"] = [N_("Between 1 and 200000 companies.")]
    filters.halls = [h.strip() for h in filters.halls if h and h.strip()]
    if errors:
        raise _invalid(errors)
    return filters


def validate_priority(priority: list[str] | None) -> list[str]:
    keys = list(priority) if priority else list(DEFAULT_PRIORITY)
    if set(keys) - set(PRIORITY_KEYS) or len(set(keys)) != len(keys):
        raise _invalid({"priority": [N_("Use each of show_date, area, special_build, key_client "
                                        "and callback_due at most once.")]})
    return keys


def _industry_ids(session: Session, industry_id: int) -> list[int]:
    children = list(session.scalars(select(Industry.id).where(Industry.parent_id == industry_id)))
    return [industry_id, *children]


def _candidates(session: Session, filters: ListFilters, scope: ColumnElement[bool],
                owner_id: int | None, now: datetime) -> list[Candidate]:
    today = workdays.local_date(now)
    p_conds = []
    if filters.exhibition_id:
        p_conds.append(Participation.exhibition_id == filters.exhibition_id)
    if filters.booth_types:
        p_conds.append(Participation.booth_type.in_(filters.booth_types))
    if filters.halls:
        p_conds.append(Participation.hall.in_(filters.halls))
    if filters.area_min is not None:
        p_conds.append(Participation.area_m2 >= filters.area_min)
    if filters.area_max is not None:
        p_conds.append(Participation.area_m2 <= filters.area_max)
    if filters.origins:
        p_conds.append(Participation.origin.in_(filters.origins))
    if filters.pavilion_id:
        p_conds.append(Participation.pavilion_id == filters.pavilion_id)
    booths = (select(Participation.company_id.label("cid"),
                     func.max(Participation.area_m2).label("area"),
                     func.max(case((Participation.booth_type.in_(SPECIAL_BUILD), 1),
                                   else_=0)).label("special"),
                     func.min(case((Exhibition.starts_on > today, Exhibition.starts_on),
                                   else_=None)).label("next_show"))
              .join(Exhibition, Exhibition.id == Participation.exhibition_id)
              .where(*p_conds).group_by(Participation.company_id).subquery())
    stmt = select(Company.id, Company.is_key_client, booths.c.area, booths.c.special,
                  booths.c.next_show)
    if p_conds:
        stmt = stmt.join(booths, booths.c.cid == Company.id)
    else:
        stmt = stmt.outerjoin(booths, booths.c.cid == Company.id)
    owner_ok = Company.owner_id.is_(None)
    if owner_id is not None:
        owner_ok = or_(owner_ok, Company.owner_id == owner_id)
    stmt = stmt.where(
        scope, owner_ok, Company.do_not_call.is_(False), Company.merged_into_id.is_(None),
        exists().where(CompanyKindLink.company_id == Company.id,
                       CompanyKindLink.kind.in_(CALLABLE_KINDS)))
    if filters.industry_id:
        stmt = stmt.where(Company.industry_id.in_(_industry_ids(session, filters.industry_id)))
    if filters.key_client is not None:
        stmt = stmt.where(Company.is_key_client.is_(bool(filters.key_client)))
    if filters.no_open_lead:
        stmt = stmt.where(~exists().where(Lead.company_id == Company.id,
                                          Lead.status.in_([s.value for s in OPEN_LEAD_STATUSES])))
    if filters.not_called_days is not None:
        since = now - timedelta(days=filters.not_called_days)
        stmt = stmt.where(~exists().where(Call.company_id == Company.id, Call.at >= since))
    return [Candidate(cid, bool(key), area, bool(special), next_show)
            for cid, key, area, special, next_show in session.execute(stmt)]


def _sort_key(priority: list[str]):
    def key(c: Candidate):
        parts: list[Any] = []
        for name in priority:
            if name == "show_date":
                parts.append((c.next_show is None, c.next_show or date.max))
            elif name == "area":
                parts.append((c.area is None, -(c.area or 0)))
            elif name == "special_build":
                parts.append(not c.special)
            elif name == "key_client":
                parts.append(not c.key_client)
        parts.append(c.company_id)
        return parts
    return key


def _active_elsewhere(session: Session, company_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for i in range(0, len(company_ids), CHUNK):
        chunk = company_ids[i:i + CHUNK]
        found.update(session.scalars(select(CallItem.company_id).where(
            CallItem.company_id.in_(chunk),
            text("call_items.status IN ('queued', 'claimed', 'callback')"))))
    return found


def _check_owner(session: Session, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = session.get(User, owner_id)
    if owner is None or not owner.active or Role(owner.role) not in OWNER_ROLES:
        raise _invalid({"owner_id": [N_("Give the list to an active telesales person, or to "
                                        "the shared pool.")]})
    return owner


def preview(session: Session, builder: User, filters: ListFilters, *, owner_id: int | None = None,
            now: datetime | None = None) -> tuple[int, int]:
    """Count the companies a list would get, and those left out as queued elsewhere."""
    access.require(builder, "call_list.manage")
    filters = validate_filters(filters)
    found = _candidates(session, filters, access.company_scope(builder), owner_id, now or utcnow())
    busy = _active_elsewhere(session, [c.company_id for c in found])
    total = len(found) - len(busy)
    if filters.limit is not None:
        total = min(total, filters.limit)
    return total, len(busy)


@dataclass
class PreviewResult:
    """What a list would get: how many companies, those left out, the first few in order."""

    total: int
    already_queued: int
    first: list[Company]


def preview_first(session: Session, builder: User, filters: ListFilters, *,
                  owner_id: int | None = None, priority: list[str] | None = None,
                  show: int = 20, now: datetime | None = None) -> PreviewResult:
    """Count the companies a list would get and return the first `show` in calling order.

    Checks the filters, the priority order and the owner as `build_list` does, so a preview
    that passes builds the same list (unless the database changes in between).
    """
    access.require(builder, "call_list.manage")
    filters = validate_filters(filters)
    priority = validate_priority(priority)
    _check_owner(session, owner_id)
    found = _candidates(session, filters, access.company_scope(builder), owner_id, now or utcnow())
    busy = _active_elsewhere(session, [c.company_id for c in found])
    chosen = sorted((c for c in found if c.company_id not in busy), key=_sort_key(priority))
    if filters.limit is not None:
        chosen = chosen[:filters.limit]
    ids = [c.company_id for c in chosen[:show]]
    by_id = ({c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
             if ids else {})
    return PreviewResult(len(chosen), len(busy), [by_id[i] for i in ids if i in by_id])


def build_list(session: Session, builder: User, name: str, filters: ListFilters, *,
               owner_id: int | None = None, priority: list[str] | None = None,
               now: datetime | None = None) -> BuildResult:
    """Build a call list from the filters and give it to a telesales person or the pool.

    The builder sees only their visible companies; `owner_id` None is the shared pool.
    """
    access.require(builder, "call_list.manage")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise _invalid({"name": [N_("Give the list a name of at most 200 characters.")]})
    filters = validate_filters(filters)
    priority = validate_priority(priority)
    _check_owner(session, owner_id)
    return _build(session, name, filters, priority, scope=access.company_scope(builder),
                  builder_id=builder.id, owner_id=owner_id, now=now or utcnow())


def _build(session: Session, name: str, filters: ListFilters, priority: list[str], *,
           scope: ColumnElement[bool], builder_id: int | None, owner_id: int | None,
           now: datetime, kind: str = CallListKind.MANUAL.value,
           exhibition_id: int | None = None, source_exhibition_id: int | None = None,
           source_key: str | None = None) -> BuildResult:
    found = _candidates(session, filters, scope, owner_id, now)
    busy = _active_elsewhere(session, [c.company_id for c in found])
    chosen = sorted((c for c in found if c.company_id not in busy), key=_sort_key(priority))
    if filters.limit is not None:
        chosen = chosen[:filters.limit]
    call_list = CallList(name=name, kind=kind, built_by_id=builder_id,
                         filters=filters.as_json(), owner_id=owner_id, priority=priority,
                         exhibition_id=exhibition_id, source_exhibition_id=source_exhibition_id,
                         source_key=source_key, created_at=now)
    session.add(call_list)
    session.flush()
    rows = [{"list_id": call_list.id, "company_id": c.company_id,
             "status": CallItemStatus.QUEUED.value, "priority": rank, "attempts": 0}
            for rank, c in enumerate(chosen, start=1)]
    for i in range(0, len(rows), 5000):
        session.execute(insert(CallItem), rows[i:i + 5000])
    return BuildResult(call_list, added=len(rows), already_queued=len(busy))


def previous_edition(session: Session, exhibition: Exhibition) -> Exhibition | None:
    """The last edition of the same show before this one (same Chinese name, earlier year)."""
    return session.scalars(select(Exhibition).where(
        Exhibition.name_zh == exhibition.name_zh, Exhibition.year < exhibition.year)
        .order_by(Exhibition.year.desc())).first()


def build_show_driven_lists(session: Session, today: date, weeks_before: int | None = None, *,
                            now: datetime | None = None) -> list[BuildResult]:
    """Build, once per edition, the list of the last edition's special-build exhibitors.

    For every edition opening within `weeks_before` weeks (default: the setting
    calls.show_list_weeks) that has an earlier edition of the same show, a shared-pool
    list of that edition's special-build and raw-space exhibitors is built, best prospects
    first (key clients, largest booths). Idempotent: an edition gets its list once
    (source_key "show:<id>"), so the job may run daily. Returns the lists built now.
    """
    now = now or utcnow()
    weeks = weeks_before if weeks_before is not None else int(settings.get(session, SHOW_WEEKS))
    horizon = today + timedelta(weeks=weeks)
    upcoming = session.scalars(select(Exhibition).where(
        Exhibition.starts_on.is_not(None), Exhibition.starts_on > today,
        Exhibition.starts_on <= horizon).order_by(Exhibition.starts_on, Exhibition.id))
    built = []
    for show in upcoming:
        key = f"show:{show.id}"
        if session.scalar(select(CallList.id).where(CallList.source_key == key)) is not None:
            continue
        last = previous_edition(session, show)
        if last is None:
            continue
        filters = ListFilters(exhibition_id=last.id, booth_types=list(SPECIAL_BUILD))
        name = f"{show.year} {show.name_zh} · {last.year} 特装展商"[:200]
        try:
            with session.begin_nested():
                result = _build(session, name, filters, list(SHOW_PRIORITY), scope=true(),
                                builder_id=None, owner_id=None, now=now,
                                kind=CallListKind.SHOW_DRIVEN.value, exhibition_id=show.id,
                                source_exhibition_id=last.id, source_key=key)
        except IntegrityError:
            continue  # another run built it (or a company was queued meanwhile): next run
        built.append(result)
    return built


# --- looking after lists ------------------------------------------------------------------

def lists_for(session: Session, user: User, *, include_closed: bool = False) -> list[CallList]:
    """The lists a user sees: every list for the list managers, own and pool for telesales."""
    stmt = select(CallList).order_by(CallList.closed_at.is_not(None), CallList.id.desc())
    if not include_closed:
        stmt = stmt.where(CallList.closed_at.is_(None))
    if not access.can(user, "call_list.manage"):
        stmt = stmt.where(or_(CallList.owner_id == user.id, CallList.owner_id.is_(None)))
    return list(session.scalars(stmt))


def visible_list(session: Session, user: User, list_id: int) -> CallList:
    found = session.get(CallList, list_id)
    if found is None or (not access.can(user, "call_list.manage")
                         and found.owner_id not in (None, user.id)):
        raise NotFound(N_("No such call list."))
    return found


def progress(session: Session, list_id: int) -> dict[str, int]:
    """Items of a list per status (queued, claimed, callback, done, skipped)."""
    counts = {s.value: 0 for s in CallItemStatus}
    for status, n in session.execute(select(CallItem.status, func.count(CallItem.id))
                                     .where(CallItem.list_id == list_id)
                                     .group_by(CallItem.status)):
        counts[status] = n
    return counts


def progress_of(session: Session, list_ids: list[int]) -> dict[int, dict[str, int]]:
    """`progress` of several lists in one query (for the list of lists)."""
    out = {i: {s.value: 0 for s in CallItemStatus} for i in list_ids}
    for i in range(0, len(list_ids), CHUNK):
        for list_id, status, n in session.execute(
                select(CallItem.list_id, CallItem.status, func.count(CallItem.id))
                .where(CallItem.list_id.in_(list_ids[i:i + CHUNK]))
                .group_by(CallItem.list_id, CallItem.status)):
            out[list_id][status] = n
    return out


@dataclass
class ItemRow:
    """A list's item with its last call (who called, when, what came of it)."""

    item: CallItem
    last_call: Call | None


def list_items(session: Session, call_list: CallList, *, status: str | None = None,
               page: int = 1, per_page: int = 50) -> Page[ItemRow]:
    """One page of a list's items in calling order, each with its last call.

    `status` keeps one status (unknown values are ignored).
    """
    stmt = (select(CallItem).where(CallItem.list_id == call_list.id)
            .options(selectinload(CallItem.company), selectinload(CallItem.claimed_by))
            .order_by(CallItem.priority, CallItem.id))
    if status in {s.value for s in CallItemStatus}:
        stmt = stmt.where(CallItem.status == status)
    found = paginate(session, stmt, page, per_page)
    ids = [item.id for item in found.items]
    last: dict[int, Call] = {}
    if ids:
        for call in session.scalars(select(Call).where(Call.item_id.in_(ids))
                                    .options(selectinload(Call.user))
                                    .order_by(Call.at, Call.id)):
            last[call.item_id] = call
    rows = [ItemRow(item, last.get(item.id)) for item in found.items]
    return Page(rows, found.page, found.per_page, found.total, found.total_is_capped)


def owner_choices(session: Session) -> list[User]:
    """The people a list may be given to: active telesales and market supervisors."""
    return list(session.scalars(select(User).where(
        User.active.is_(True), User.role.in_([r.value for r in OWNER_ROLES]))
        .order_by(User.display_name, User.id)))


def give_to(session: Session, by: User, call_list: CallList, owner_id: int | None) -> CallList:
    """Hand a list to another telesales person, or to the shared pool (None)."""
    access.require(by, "call_list.manage")
    _check_owner(session, owner_id)
    call_list.owner_id = owner_id
    session.flush()
    return call_list


def close_list(session: Session, by: User, call_list: CallList, *,
               now: datetime | None = None) -> int:
    """Close a list: its waiting items are skipped; return how many."""
    access.require(by, "call_list.manage")
    if call_list.closed_at is not None:
        return 0
    call_list.closed_at = now or utcnow()
    session.flush()
    result = session.execute(
        update(CallItem).where(CallItem.list_id == call_list.id,
                               text("call_items.status IN ('queued', 'callback')"))
        .values(status=CallItemStatus.SKIPPED.value, ready_at=None, skip_reason="list_closed")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
