"""Intelligence from the field (业务执行部提供的信息): executors feed market expansion.

Executors submit what market expansion lacks — floor plans and exhibitor lists (files),
the names of an industry's big clients (one per line) — for a show and/or through a
client. Market expansion (its supervisor, telesales) sees an inbox of what came in and from
whom, matches key-client names to companies in the database (crm.services.matching) and
flags them key clients, and marks each submission used or dismissed with a note.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    Company,
    Exhibition,
    FieldIntel,
    FieldIntelFile,
    IntelKind,
    IntelStatus,
    StoredFile,
    User,
)
from crm.services import access, fields, files, matching
from crm.services.design_requests import Upload
from crm.services.errors import N_, Conflict, NotFound, ValidationFailed

KINDS = tuple(k.value for k in IntelKind)
FILE_KINDS = (IntelKind.FLOOR_PLAN.value, IntelKind.EXHIBITOR_LIST.value)
REVIEWED = (IntelStatus.USED.value, IntelStatus.DISMISSED.value)
TEXT_MAX = fields.TEXT_MAX
NAMES_MAX = 200  # key-client names in one submission


@dataclass
class IntelData:
    kind: str
    title: str | None
    note: str | None = None
    company_names: str | None = None
    exhibition_id: int | None = None
    company_id: int | None = None
    visit_report_id: int | None = None


def _names(text: str | None) -> list[str]:
    seen: list[str] = []
    for line in (text or "").splitlines():
        name = line.strip(" \t,，;；、")
        if name and name not in seen:
            seen.append(name[:300])
    return seen


def submit(session: Session, user: User, data: IntelData, uploads: Sequence[Upload] = (), *,
           folder: str | Path, max_bytes: int = files.DEFAULT_MAX_BYTES,
           now: datetime | None = None) -> FieldIntel:
    """Submit one piece of intelligence (files for floor plans and exhibitor lists, names
    for key clients), for a show and/or a client."""
    access.require(user, "intel.submit")
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str, **params: Any) -> None:
        errors.setdefault(name, []).append(message % params if params else message)

    if data.kind not in KINDS:
        fail("kind", N_("Pick what you are submitting."))
    title = (data.title or "").strip()
    if not title:
        fail("title", N_("This field is required."))
    elif len(title) > 200:
        fail("title", N_("At most %(max)s characters."), max=200)
    note = (data.note or "").strip() or None
    if note and len(note) > TEXT_MAX:
        fail("note", N_("At most %(max)s characters."), max=TEXT_MAX)
    names = _names(data.company_names)
    if data.kind == IntelKind.KEY_CLIENTS.value and not names:
        fail("company_names", N_("Enter the clients' names, one per line."))
    if len(names) > NAMES_MAX:
        fail("company_names", N_("At most %(max)s names at a time."), max=NAMES_MAX)
    if data.kind in FILE_KINDS and not uploads:
        fail("files", N_("Attach the file."))
    if data.kind in FILE_KINDS and data.exhibition_id is None and data.company_id is None:
        fail("exhibition_id", N_("Say which show or which client it is for."))
    if data.exhibition_id is not None and session.get(Exhibition, data.exhibition_id) is None:
        fail("exhibition_id", N_("No such show."))
    if data.company_id is not None:
        company = session.get(Company, data.company_id)
        if company is None or company.merged_into_id is not None:
            fail("company_id", N_("No such company."))
    if errors:
        raise ValidationFailed(errors)
    now = now or utcnow()
    intel = FieldIntel(kind=data.kind, title=title, note=note,
                       company_names="\n".join(names) or None, exhibition_id=data.exhibition_id,
                       company_id=data.company_id, visit_report_id=data.visit_report_id,
                       submitted_by_id=user.id, submitted_at=now, status=IntelStatus.NEW.value)
    session.add(intel)
    session.flush()
    for stored in files.store_all(session, user, uploads, folder=folder, max_bytes=max_bytes,
                                field="files", accept=files.ANY_BUSINESS_FILE):
        intel.files.append(FieldIntelFile(file_id=stored.id))
    session.flush()
    return intel


def _options():
    return (selectinload(FieldIntel.files).selectinload(FieldIntelFile.file),
            selectinload(FieldIntel.exhibition), selectinload(FieldIntel.company),
            selectinload(FieldIntel.submitted_by), selectinload(FieldIntel.reviewed_by))


def inbox(session: Session, user: User, *, status: str | None = IntelStatus.NEW.value,
          limit: int = 200) -> list[FieldIntel]:
    """Market expansion's inbox: what came in and from whom, newest first."""
    access.require(user, "intel.review")
    stmt = select(FieldIntel).options(*_options()).order_by(FieldIntel.submitted_at.desc(),
                                                            FieldIntel.id.desc())
    if status:
        stmt = stmt.where(FieldIntel.status == status)
    return list(session.scalars(stmt.limit(limit)))


def mine(session: Session, user: User, *, limit: int = 100) -> list[FieldIntel]:
    """What the user submitted, newest first, with what market expansion made of it."""
    return list(session.scalars(
        select(FieldIntel).where(FieldIntel.submitted_by_id == user.id).options(*_options())
        .order_by(FieldIntel.submitted_at.desc(), FieldIntel.id.desc()).limit(limit)))


def visible(session: Session, user: User, intel_id: int) -> FieldIntel:
    """A submission the user may see: their own, or any for market expansion."""
    intel = session.scalars(select(FieldIntel).where(FieldIntel.id == intel_id)
                            .options(*_options())).first()
    if intel is None or not (intel.submitted_by_id == user.id or access.can(user, "intel.review")):
        raise NotFound(N_("No such submission."))
    return intel


def visible_file(session: Session, user: User, intel_id: int, file_id: int) -> StoredFile:
    intel = visible(session, user, intel_id)
    if file_id not in {f.file_id for f in intel.files}:
        raise NotFound(N_("No such file."))
    return session.get(StoredFile, file_id)


def review(session: Session, intel: FieldIntel, user: User, status: str, note: str | None, *,
           now: datetime | None = None) -> FieldIntel:
    """Mark a submission used (taken into the database) or dismissed, with a note."""
    access.require(user, "intel.review")
    if status not in REVIEWED:
        exc = ValidationFailed({"status": [N_("Pick used or dismissed.")]})
        exc.field = "status"
        raise exc
    note = (note or "").strip() or None
    if status == IntelStatus.DISMISSED.value and not note:
        exc = ValidationFailed({"review_note": [N_("Say why it is dismissed.")]})
        exc.field = "review_note"
        raise exc
    if note and len(note) > TEXT_MAX:
        exc = ValidationFailed({"review_note": [N_("At most %(max)s characters.") % {"max": TEXT_MAX}]})
        exc.field = "review_note"
        raise exc
    intel.status, intel.review_note = status, note
    intel.reviewed_by_id, intel.reviewed_at = user.id, now or utcnow()
    session.flush()
    return intel


@dataclass
class NameMatch:
    """One key-client name and the stored companies it may be."""

    name: str
    candidates: list[matching.Candidate] = field(default_factory=list)
    key_client_ids: set[int] = field(default_factory=set)


def match_names(session: Session, intel: FieldIntel, *, limit: int = 3) -> list[NameMatch]:
    """For each key-client name, the companies in the database it may be (best first)."""
    out = []
    for name in _names(intel.company_names):
        profile = matching.build_profile([name])
        found = matching.find_candidates(session, profile, limit=limit) if profile.names else []
        keys = set(session.scalars(select(Company.id).where(
            Company.id.in_([c.company_id for c in found]), Company.is_key_client.is_(True)))) \
            if found else set()
        out.append(NameMatch(name, found, keys))
    return out


def flag_key_client(session: Session, user: User, company_id: int,
                    intel: FieldIntel | None = None) -> Company:
    """Flag a company a key client (重点客户), as a submission named it."""
    access.require(user, "intel.review")
    company = session.get(Company, company_id)
    if company is None or company.merged_into_id is not None:
        raise NotFound(N_("No such company."))
    if intel is not None and intel.kind != IntelKind.KEY_CLIENTS.value:
        raise Conflict(N_("Only a key-client submission flags key clients."))
    company.is_key_client = True
    session.flush()
    return company
