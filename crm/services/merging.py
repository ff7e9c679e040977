"""Merge two records of one company, undo a merge, or remember that two are different.

合并: the merged company's names become aliases of the survivor (with their sources), and
its aliases, phones, e-mails, contacts, booths, kinds and profiles move over; blank fields
of the survivor are filled from it; whatever pointed at it (a show it organises, a booth
it built, companies merged into it) points at the survivor. The merged record itself is
kept, hidden, with `merged_into_id` set, and keeps what would only duplicate the
survivor's facts (the same phone, the same booth twice) — so nothing is ever lost, the
survivor lists each fact once, and `undo_merge` puts every row back where it was.
Every step is logged in the audit log (row changes by the session hook, the merge itself
as a "merge" entry on both companies).

Marking two companies as different (不是同一家) is remembered (NonMatch): the dedupe never
proposes the pair again and no import links one to the other automatically.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from crm.db import utcnow
from crm.models import (
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKindLink,
    CompanyPhone,
    CompetitorProfile,
    Contact,
    CountryPavilion,
    Exhibition,
    MediaProfile,
    Merge,
    NonMatch,
    Participation,
    ReviewItem,
    ReviewStatus,
    User,
    Venue,
)
from crm.services import access, audit, names, writing_turn
from crm.services.errors import Conflict, N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate

FILLED_FIELDS = ("name_zh", "name_en", "province", "city", "address", "website",
                 "website_domain", "industry_id", "owner_id", "notes")
REFERENCES = (  # (model, column name): rows elsewhere that point at a company
    (Participation, "builder_id"), (Exhibition, "organizer_id"), (Venue, "operator_id"),
    (CountryPavilion, "organizer_id"), (Company, "merged_into_id"),
)


class AlreadyMerged(Conflict):
    """One of the two companies was merged into another already."""


def _company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(N_("No such company."))
    return company


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def merge(session: Session, survivor_id: int, merged_id: int, *, user_id: int | None = None,
          review_item_id: int | None = None) -> Merge:
    """Fold company `merged_id` into `survivor_id`; return the Merge record (for undo)."""
    if survivor_id == merged_id:
        raise ValidationFailed({"merged_id": [N_("A company cannot be merged into itself.")]})
    # An import adding facts to the company being folded away would leave them behind it.
    writing_turn.take(session, wait_seconds=writing_turn.SHORT_WAIT_SECONDS)
    survivor, loser = _company(session, survivor_id), _company(session, merged_id)
    for company in (survivor, loser):
        if company.merged_into_id is not None:
            raise AlreadyMerged(N_("%(name)s was already merged into #%(id)s."),
                                name=company.display_name, id=company.merged_into_id)
    moved: dict[str, Any] = {"aliases": [], "aliases_added": [], "phones": [], "emails": [],
                             "contacts": [], "participations": [], "kinds_added": [],
                             "fields": {}, "credit_code": None, "references": {},
                             "profiles": [], "reviews": {}}
    _move_facts(session, survivor, loser, moved)
    for name in (loser.name_zh, loser.name_en):
        if name and not any(a.name == name for a in survivor.aliases):
            alias = CompanyAlias(name=name, script="zh" if names.has_cjk(name) else "en",
                                 source=f"merge:#{loser.id}")
            survivor.aliases.append(alias)
            session.flush()
            moved["aliases_added"].append(alias.id)
    for field_name in FILLED_FIELDS:
        value = getattr(loser, field_name)
        if value is not None and getattr(survivor, field_name) in (None, ""):
            setattr(survivor, field_name, value)
            moved["fields"][field_name] = value
    if loser.credit_code and not survivor.credit_code:
        code = loser.credit_code
        loser.credit_code = None
        session.flush()
        survivor.credit_code = code
        moved["credit_code"] = code
    for link in list(loser.kinds):
        if link.kind not in survivor.kind_values:
            survivor.kinds.append(CompanyKindLink(kind=link.kind))
            moved["kinds_added"].append(link.kind)
    for model in (CompetitorProfile, MediaProfile):
        if session.get(model, survivor.id) is None and session.get(model, loser.id) is not None:
            session.get(model, loser.id).company_id = survivor.id
            moved["profiles"].append(model.__tablename__)
    session.flush()
    for model, column in REFERENCES:
        col = getattr(model, column)
        ids = list(session.scalars(select(model.id).where(col == loser.id)))
        if ids:
            moved["references"][f"{model.__tablename__}.{column}"] = ids
            for row in session.scalars(select(model).where(model.id.in_(ids))):
                setattr(row, column, survivor.id)
    _repair_reviews(session, survivor.id, loser.id, moved, review_item_id)
    loser.merged_into_id = survivor.id
    record = Merge(survivor_id=survivor.id, merged_id=loser.id, moved=moved,
                   review_item_id=review_item_id, by_id=user_id or audit.current_actor())
    session.add(record)
    if review_item_id is not None:
        item = session.get(ReviewItem, review_item_id)
        if item is not None:
            item.status = ReviewStatus.MERGED.value
            item.decided_by_id = user_id or audit.current_actor()
            item.decided_at = utcnow()
    session.flush()
    summary = {"survivor": survivor.id, "merged": loser.id, "merge": record.id,
               "moved": {k: len(v) for k, v in moved.items() if isinstance(v, (list, dict))}}
    audit.record(session, "merge", "companies", survivor.id, company_id=survivor.id,
                 after=summary)
    audit.record(session, "merge", "companies", loser.id, company_id=loser.id, after=summary)
    session.flush()
    return record


def _move_facts(session: Session, survivor: Company, loser: Company,
                moved: dict[str, Any]) -> None:
    have_alias = {(a.name, a.source) for a in survivor.aliases}
    for alias in list(loser.aliases):
        if (alias.name, alias.source) not in have_alias:
            alias.company_id = survivor.id
            moved["aliases"].append(alias.id)
    have_phone = {(p.e164 or p.raw, p.extension) for p in survivor.phones}
    for phone in list(loser.phones):
        if (phone.e164 or phone.raw, phone.extension) not in have_phone:
            have_phone.add((phone.e164 or phone.raw, phone.extension))
            phone.company_id = survivor.id
            moved["phones"].append(phone.id)
    have_email = {e.email.lower() for e in survivor.emails}
    for email in list(loser.emails):
        if email.email.lower() not in have_email:
            have_email.add(email.email.lower())
            email.company_id = survivor.id
            moved["emails"].append(email.id)
    people = {c.mobile_e164 for c in survivor.contacts if c.mobile_e164} | {
        c.email.lower() for c in survivor.contacts if c.email}
    for contact in list(loser.contacts):
        keys = {contact.mobile_e164, (contact.email or "").lower()} - {None, ""}
        if keys & people:
            continue  # the same person is already there; the card stays on the merged record
        people |= keys
        contact.company_id = survivor.id
        moved["contacts"].append(contact.id)
    booths = {(p.exhibition_id, p.booth_no or "") for p in session.scalars(
        select(Participation).where(Participation.company_id == survivor.id))}
    for booth in session.scalars(select(Participation).where(
            Participation.company_id == loser.id).order_by(Participation.id)):
        key = (booth.exhibition_id, booth.booth_no or "")
        if key in booths:
            continue  # the same booth twice: the survivor lists it once
        booths.add(key)
        booth.company_id = survivor.id
        moved["participations"].append(booth.id)
    session.flush()
    session.expire(survivor)
    session.expire(loser)


def _repair_reviews(session: Session, survivor_id: int, loser_id: int, moved: dict[str, Any],
                    review_item_id: int | None) -> None:
    """Open review items about the merged company now ask about the survivor."""
    existing = {(i.company_a_id, i.company_b_id) for i in session.scalars(
        select(ReviewItem).where(or_(ReviewItem.company_a_id == survivor_id,
                                     ReviewItem.company_b_id == survivor_id)))}
    for item in session.scalars(select(ReviewItem).where(
            ReviewItem.status == ReviewStatus.OPEN.value,
            or_(ReviewItem.company_a_id == loser_id, ReviewItem.company_b_id == loser_id))):
        if item.id == review_item_id:
            continue
        other = item.company_b_id if item.company_a_id == loser_id else item.company_a_id
        pair = _pair(survivor_id, other)
        if other == survivor_id or pair in existing:
            continue
        moved["reviews"][str(item.id)] = [item.company_a_id, item.company_b_id]
        item.company_a_id, item.company_b_id = pair
        existing.add(pair)


def undo_merge(session: Session, merge_id: int, *, user_id: int | None = None) -> Company:
    """Put every row a merge moved back where it was; return the restored company."""
    writing_turn.take(session, wait_seconds=writing_turn.SHORT_WAIT_SECONDS)
    record = session.get(Merge, merge_id)
    if record is None:
        raise NotFound(N_("No such merge."))
    if record.undone_at is not None:
        raise Conflict(N_("This merge was already undone."))
    later = session.scalars(select(Merge).where(
        Merge.id > record.id, Merge.undone_at.is_(None),
        or_(Merge.survivor_id.in_([record.survivor_id, record.merged_id]),
            Merge.merged_id.in_([record.survivor_id, record.merged_id])))).first()
    if later is not None:
        raise Conflict(N_("A later merge (#%(id)s) involves these companies; undo it first."),
                       id=later.id)
    survivor = _company(session, record.survivor_id)
    loser = _company(session, record.merged_id)
    moved = record.moved
    for model, key in ((CompanyAlias, "aliases"), (CompanyPhone, "phones"),
                       (CompanyEmail, "emails"), (Contact, "contacts"),
                       (Participation, "participations")):
        ids = moved.get(key) or []
        if ids:
            for row in session.scalars(select(model).where(model.id.in_(ids),
                                                           model.company_id == survivor.id)):
                row.company_id = loser.id
    for alias_id in moved.get("aliases_added") or []:
        alias = session.get(CompanyAlias, alias_id)
        if alias is not None:
            session.delete(alias)
    for kind in moved.get("kinds_added") or []:
        link = session.get(CompanyKindLink, (survivor.id, kind))
        if link is not None:
            session.delete(link)
    for field_name, value in (moved.get("fields") or {}).items():
        if getattr(survivor, field_name) == value:
            setattr(survivor, field_name, None)
    if moved.get("credit_code") and survivor.credit_code == moved["credit_code"]:
        survivor.credit_code = None
        session.flush()
        loser.credit_code = moved["credit_code"]
    for table_name in moved.get("profiles") or []:
        model = CompetitorProfile if table_name == CompetitorProfile.__tablename__ else MediaProfile
        profile = session.get(model, survivor.id)
        if profile is not None:
            profile.company_id = loser.id
    refs = {f"{m.__tablename__}.{c}": (m, c) for m, c in REFERENCES}
    for name, ids in (moved.get("references") or {}).items():
        model, column = refs[name]
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            if getattr(row, column) == survivor.id:
                setattr(row, column, loser.id)
    for item_id, (a, b) in (moved.get("reviews") or {}).items():
        item = session.get(ReviewItem, int(item_id))
        if item is not None:
            item.company_a_id, item.company_b_id = a, b
    if record.review_item_id is not None:
        item = session.get(ReviewItem, record.review_item_id)
        if item is not None and item.status == ReviewStatus.MERGED.value:
            item.status = ReviewStatus.OPEN.value
            item.decided_by_id = item.decided_at = None
    loser.merged_into_id = None
    record.undone_at = utcnow()
    record.undone_by_id = user_id or audit.current_actor()
    session.flush()
    summary = {"survivor": survivor.id, "merged": loser.id, "merge": record.id}
    audit.record(session, "unmerge", "companies", survivor.id, company_id=survivor.id,
                 after=summary)
    audit.record(session, "unmerge", "companies", loser.id, company_id=loser.id, after=summary)
    session.flush()
    session.expire(survivor)
    session.expire(loser)
    return loser


def mark_different(session: Session, a_id: int, b_id: int, *, user_id: int | None = None,
                   review_item_id: int | None = None) -> NonMatch:
    """Remember that two companies are not the same; close their review item."""
    if a_id == b_id:
        raise ValidationFailed({"company_b_id": [N_("Choose two different companies.")]})
    _company(session, a_id), _company(session, b_id)
    low, high = _pair(a_id, b_id)
    found = session.scalars(select(NonMatch).where(NonMatch.company_a_id == low,
                                                   NonMatch.company_b_id == high)).first()
    if found is None:
        found = NonMatch(company_a_id=low, company_b_id=high,
                         decided_by_id=user_id or audit.current_actor())
        session.add(found)
    items = session.scalars(select(ReviewItem).where(
        ReviewItem.company_a_id == low, ReviewItem.company_b_id == high)).all()
    if review_item_id is not None:
        items += [i for i in [session.get(ReviewItem, review_item_id)] if i is not None]
    for item in items:
        item.status = ReviewStatus.DIFFERENT.value
        item.decided_by_id = user_id or audit.current_actor()
        item.decided_at = utcnow()
    audit.record(session, "different", "companies", low, company_id=low,
                 after={"companies": [low, high]})
    session.flush()
    return found


def decide(session: Session, review_item_id: int, decision: str, *, user: User,
           survivor_id: int | None = None) -> Merge | NonMatch:
    """Act on a review item: "merge" (into `survivor_id`, default the older) or "different"."""
    item = session.get(ReviewItem, review_item_id)
    if item is None or not _visible_pair(session, user, item):
        raise NotFound(N_("No such review item."))
    if item.status != ReviewStatus.OPEN.value:
        raise Conflict(N_("This pair was decided already."))
    if decision == "different":
        return mark_different(session, item.company_a_id, item.company_b_id, user_id=user.id,
                              review_item_id=item.id)
    if decision != "merge":
        raise ValidationFailed({"decision": [N_("Choose merge or different.")]})
    access.require(user, "company.merge")
    survivor = survivor_id or item.company_a_id
    if survivor not in (item.company_a_id, item.company_b_id):
        raise ValidationFailed({"survivor_id": [N_("Keep one of the two companies.")]})
    merged = item.company_b_id if survivor == item.company_a_id else item.company_a_id
    return merge(session, survivor, merged, user_id=user.id, review_item_id=item.id)


def _visible_pair(session: Session, user: User, item: ReviewItem) -> bool:
    ids = set(session.scalars(select(Company.id).where(
        Company.id.in_([item.company_a_id, item.company_b_id]), access.company_scope(user))))
    return ids == {item.company_a_id, item.company_b_id}


@dataclass
class ReviewFilters:
    status: str = ReviewStatus.OPEN.value
    batch_id: int | None = None


def review_queue(session: Session, user: User, filters: ReviewFilters | None = None,
                 page: int = 1, per_page: int = 50) -> Page[ReviewItem]:
    """Review items whose two companies the user may see, highest score first."""
    filters = filters or ReviewFilters()
    a, b = aliased(Company), aliased(Company)
    stmt = (select(ReviewItem)
            .join(a, ReviewItem.company_a_id == a.id).join(b, ReviewItem.company_b_id == b.id)
            .where(ReviewItem.status == filters.status))
    stmt = stmt.where(select(Company.id).where(Company.id == a.id, access.company_scope(user))
                      .exists(),
                      select(Company.id).where(Company.id == b.id, access.company_scope(user))
                      .exists())
    if filters.batch_id:
        stmt = stmt.where(ReviewItem.import_batch_id == filters.batch_id)
    stmt = stmt.order_by(ReviewItem.score.desc(), ReviewItem.id)
    return paginate(session, stmt, page, per_page)


def merges_of(session: Session, company_id: int) -> list[Merge]:
    """The merges a company took part in, newest first (for its page and the undo button)."""
    return list(session.scalars(select(Merge).where(
        or_(Merge.survivor_id == company_id, Merge.merged_id == company_id))
        .order_by(Merge.id.desc())))


def merged_ids(session: Session, company_id: int) -> list[int]:
    """The companies merged into this one (and into those, …): their history is its history."""
    found: list[int] = []
    frontier = [company_id]
    while frontier:
        children = list(session.scalars(select(Company.id).where(
            Company.merged_into_id.in_(frontier))))
        children = [c for c in children if c not in found and c != company_id]
        found += children
        frontier = children
    return found


def open_review_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.status == ReviewStatus.OPEN.value)) or 0
