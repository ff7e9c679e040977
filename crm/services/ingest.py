"""THE one write path for companies, contacts and participations from outside sources.

Every importer (show catalogues 会刊, business cards 名片) and every crawler pipeline hands
its rows here. Each row is resolved against the company database through
crm.services.matching (the one definition of "same company"), then written:

- linked: the row is a company we know; its new names become aliases, its new phones,
  e-mails, contact and booth are added, blank fields filled;
- created: a new company with everything the row holds;
- review: a new company as well, and a review item pairing it with the company it may be,
  for a person to merge or mark as different (crm.services.merging);
- error: the row is not written; the report says which column is wrong and why.

Every fact written carries `import_batch_id` and a source string (file, sheet, row, show),
so a batch can be reverted as a whole (`revert_batch`). A fact the company already has is
not written again, whatever its source: importing the same file twice changes nothing.

Work is set-based, in chunks: the keys of a whole chunk are looked up in a few queries,
the candidates' stored profiles loaded in a few more, and the new rows written in bulk
(crm.services.bulk: COPY on PostgreSQL, executemany on SQLite). Rows of one batch are
matched with each other as they go (two booths of one company, its Chinese and English
rows) through an in-memory index of what the batch created, and what the batch has
written is kept in memory too; so, given a second connection, chunk N+1 is resolved and
its rows worked out while chunk N is being written (`_Ingest._resolve_and_write`).

The caller owns the transaction: a failed import raises and the caller rolls back, so no
exhibition is ever left half-written. Progress goes to `progress(rows_done, rows_total)`.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from contextlib import contextmanager
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import (
    AuditEntry,
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKindLink,
    CompanyMatchKey,
    CompanyMatchProfile,
    CompanyPhone,
    CompanySearchTerm,
    CompanySearchText,
    Contact,
    Exhibition,
    ImportBatch,
    ImportRowResult,
    ImportStatus,
    Merge,
    NonMatch,
    Participation,
    ReviewItem,
    RowAction,
)
from crm.importers import messages as msg
from crm.services import audit, bulk, matching, names, phones, search, writing_turn
from crm.services.errors import Conflict, N_, NotFound
from crm.services.matching import KeyIndex, MatchSettings, Profile

Progress = Callable[[int, int], None]
CHUNK = 5000
SQLITE_CACHE_KIB = 300_000  # page cache for a large import on SQLite (see _big_cache)
MAX_NAME = 300

# SQLite: the search terms and match keys, written in random key order into large
# indexes, are held back and inserted in key order at the end of the batch (bulk.Staged).
SEARCH_TERMS = bulk.Staged(CompanySearchTerm.__tablename__, ("term", "company_id"),
                           ("term", "company_id"), listed="term")
MATCH_KEYS = bulk.Staged(CompanyMatchKey.__tablename__, ("kind", "key", "company_id"),
                         ("kind", "key", "company_id"))


@dataclass
class Source:
    """Where a batch of rows comes from; every fact written keeps it."""

    kind: str  # catalogue / contacts / crawl
    file_name: str | None = None
    sheet: str | None = None
    sha256: str | None = None
    url: str | None = None
    exhibition_id: int | None = None
    user_id: int | None = None
    mapping: dict[str, Any] | None = None

    def label(self, row: int | None = None, sheet: str | None = None,
              show: str | None = None, url: str | None = None) -> str:
        """The source string of one row: kind, file, sheet, row and show, at most 300 chars."""
        where = url or self.file_name or self.url or "?"
        sheet = sheet or self.sheet
        text = f"{self.kind}:{where}"
        if sheet:
            text += f"[{sheet}]"
        if row is not None:
            text += f"#{row}"
        if show:
            text += f" @{show}"
        return text if len(text) <= 300 else text[:150] + "…" + text[-149:]


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class RowIssue:
    row: int
    column: str | None
    message: str
    sheet: str | None = None


@dataclass
class RowOutcome:
    """What one input row became."""

    row: int
    action: str
    company_id: int | None = None
    candidate_id: int | None = None
    score: float | None = None
    name: str | None = None
    sheet: str | None = None
    column: str | None = None
    message: str | None = None


@dataclass
class IngestReport:
    """The counts of an import and what each row became."""

    batch_id: int | None
    exhibition_id: int | None
    rows: int = 0
    created: int = 0
    linked: int = 0
    review: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    written: bool = True
    message: str | None = None
    rejected: list[dict[str, Any]] = field(default_factory=list)  # rows not imported, as read
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def as_json(self) -> dict[str, Any]:
        """The object `crm import … --json` prints."""
        return {"rows": self.rows, "created": self.created, "linked": self.linked,
                "review": self.review,
                "errors": [{"row": e.row, "column": e.column, "message": e.message}
                           for e in self.errors],
                "exhibition_id": self.exhibition_id}


# --- rows as the importer hands them, made plain ----------------------------------------

@dataclass(slots=True)
class Record:
    """One input row, cleaned: what to match it by and what to write (a large import holds
    a hundred thousand: slots, and what is written is let go once it is, `written`)."""

    row: int
    sheet: str | None
    name_zh: str | None = None
    name_en: str | None = None
    credit_code: str | None = None
    country: str = "CN"
    province: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    phones: list[phones.Phone] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    contact: dict[str, Any] | None = None
    booth: dict[str, Any] | None = None
    kind: str | None = None  # company kind to add (exhibitor for catalogues)
    errors: list[tuple[str | None, str]] = field(default_factory=list)  # the row is not written
    warnings: list[tuple[str | None, str]] = field(default_factory=list)  # a value was dropped
    raw: dict[str, Any] | None = None  # the cells as read, kept for rejected rows
    url: str | None = None  # a crawled row: the page it was read from
    seen_at: datetime | None = None  # a crawled row: when that page was read
    strong: set[tuple[str, str]] = field(default_factory=set)  # website, e-mail, phone keys
    profile: Profile | None = None  # built when the row's chunk is resolved (_with_profile)

    @property
    def display_name(self) -> str | None:
        return self.name_zh or self.name_en

    def written(self) -> None:
        """Let go of what only writing the row needed; keep what the report and matching
        later rows need (row, names, profile, errors)."""
        self.phones, self.emails, self.contact, self.booth = [], [], None, None
        self.address = self.website = None


def _text(value: Any, limit: int | None = None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    return text[:limit] if limit else text


def _email(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized[:200]
    except EmailNotValidError:
        return None


def _reader_errors(rec: Record, row: Any) -> None:
    for error in getattr(row, "errors", None) or []:
        target = rec.errors if getattr(error, "fatal", False) else rec.warnings
        target.append((getattr(error, "column", None), str(getattr(error, "message", error))))


def _names(rec: Record, zh: Any, en: Any, zh_column: str, en_column: str) -> None:
    zh, en = _text(zh), _text(en)
    for value, column in ((zh, zh_column), (en, en_column)):
        if value and len(value) > MAX_NAME and not rec.errors:
            rec.errors.append((column, msg.say(msg.ROW_NAME_TOO_LONG, length=len(value),
                                               limit=MAX_NAME)))
    if zh and not names.has_cjk(zh) and not en:
        zh, en = None, zh  # an English name typed in the Chinese column
    rec.name_zh, rec.name_en = zh, en


def _finish(rec: Record, row: Any) -> Record:
    if not rec.name_zh and not rec.name_en and not rec.errors:
        rec.errors.append(("name_zh", msg.NO_NAME_RECORD))
    if rec.errors:
        rec.raw = dict(getattr(row, "raw", None) or {})
        return rec
    code = _text(rec.credit_code)
    rec.credit_code = matching.credit_code_key(code) if code else None
    rec.strong = matching.strong_keys(
        websites=[rec.website],
        emails=rec.emails + ([rec.contact["email"]] if rec.contact and rec.contact.get("email")
                             else []),
        phones_e164=[p.e164 for p in rec.phones] + (
            [rec.contact.get("mobile_e164")] if rec.contact else []),
        country=rec.country)
    return rec


def _with_profile(rec: Record) -> Record:
    """Take the record's names apart for matching (the costly part of reading a row).

    Done chunk by chunk while earlier chunks are written, not while the file is read.
    """
    if rec.profile is None and not rec.errors:
        rec.profile = matching.build_profile(
            [rec.name_zh, rec.name_en], credit_code=rec.credit_code, domains=rec.strong,
            province=rec.province, city=rec.city, country=rec.country)
    return rec


# Only prefixes phonenumbers knows as mobile (others go the slow way).
_MOBILE = re.compile(r"(?:\+?86)?(1(?:3\d|5[0-35-9]|8\d|9[89]|66|7[678])\d{8})")
_LANDLINE = re.compile(r"0(10|2\d|[3-9]\d{2})(\d{7,8})")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


@lru_cache(maxsize=100_000)
def normalize_phone(raw: str, region: str = "CN") -> phones.Phone:
    """phones.normalize, with a shortcut for plain Chinese mobiles and landlines.

    Catalogues are mostly "13812345678" and "021-58881234"; phonenumbers takes 80 µs to
    parse each, the shortcut gives the same result in 2.
    """
    if region == "CN":
        compact = _PHONE_NOISE.sub("", raw.strip())
        match = _MOBILE.fullmatch(compact)
        if match:
            return phones.Phone(raw.strip(), "+86" + match.group(1), None, "mobile")
        match = _LANDLINE.fullmatch(compact)
        if match and len(match.group(1)) + len(match.group(2)) in (10, 11):
            return phones.Phone(raw.strip(), f"+86{match.group(1)}{match.group(2)}", None,
                                "landline")
    return phones.normalize(raw, region)


def _phones(values: Iterable[Any], region: str) -> list[phones.Phone]:
    out, seen = [], set()
    for value in values:
        for part in phones.split(str(value or "")):
            parsed = normalize_phone(part[:60], region)
            key = (parsed.e164 or parsed.raw, parsed.extension)
            if key not in seen:
                seen.add(key)
                out.append(parsed)
    return out


def _contact(name: Any, *, title: Any = None, department: Any = None, mobile: Any = None,
             landline: Any = None, email: Any = None, wechat: Any = None,
             region: str = "CN") -> dict[str, Any] | None:
    values = {"name": _text(name, 100), "title": _text(title, 100),
              "department": _text(department, 100), "email": _email(email),
              "wechat": _text(wechat, 100), "mobile": _text(mobile, 60),
              "landline": _text(landline, 60)}
    if not (values["name"] or values["mobile"] or values["email"]):
        return None
    values["mobile_e164"] = values["landline_e164"] = values["landline_ext"] = None
    if values["mobile"]:
        values["mobile_e164"] = normalize_phone(values["mobile"], region).e164
    if values["landline"]:
        parsed = normalize_phone(values["landline"], region)
        values["landline_e164"], values["landline_ext"] = parsed.e164, parsed.extension
    if not values["name"]:
        values["name"] = values["email"] or values["mobile"]
    return values


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number >= 0 and number < Decimal("1e8") else None


def catalogue_record(row: Any) -> Record:
    """Clean a catalogue row (crm.importers.catalogue.CatalogueRow or alike)."""
    get = lambda attr: getattr(row, attr, None)  # noqa: E731
    country = (_text(get("country")) or "CN").upper()[:2]
    rec = Record(row=int(get("row") or 0), sheet=get("sheet"), country=country,
                 province=_text(get("province"), 50), city=_text(get("city"), 50),
                 address=_text(get("address"), 500), website=_text(get("website"), 300),
                 credit_code=get("credit_code"), kind="exhibitor")
    _reader_errors(rec, row)
    _names(rec, get("name_zh"), get("name_en"), "name_zh", "name_en")
    rec.phones = _phones(get("phones") or [], country)
    if get("fax"):
        rec.phones += [phones.Phone(p.raw, p.e164, p.extension, "fax")
                       for p in _phones([get("fax")], country)]
    rec.emails = [e for e in (_email(v) for v in get("emails") or []) if e]
    rec.contact = _contact(get("contact_name"), title=get("contact_title"),
                           department=get("contact_department"), mobile=get("contact_mobile"),
                           email=get("contact_email"), wechat=get("wechat"), region=country)
    booth = {"booth_no": _text(get("booth_no"), 50), "hall": _text(get("hall"), 50),
             "area_m2": _decimal(get("area_m2")), "booth_type": _text(get("booth_type"), 20),
             "origin": _text(get("origin"), 20), "notes": _text(get("notes"), 5000)}
    rec.booth = booth
    return _finish(rec, row)


def contact_record(row: Any) -> Record:
    """Clean a business-card row (crm.importers.contacts.ContactRow or alike)."""
    get = lambda attr: getattr(row, attr, None)  # noqa: E731
    rec = Record(row=int(get("row") or 0), sheet=get("sheet"),
                 address=_text(get("address"), 500), website=_text(get("website"), 300))
    _reader_errors(rec, row)
    _names(rec, get("company_zh"), get("company_en"), "company_zh", "company_en")
    if not rec.name_zh and not rec.name_en and not rec.errors:
        rec.errors.append(("company_zh", msg.NO_NAME_ON_CARD))
    rec.contact = _contact(get("name"), title=get("title"), department=get("department"),
                           mobile=get("mobile"), landline=get("landline"),
                           email=get("email"), wechat=get("wechat"))
    if rec.contact is not None:
        rec.contact["notes"] = _text(get("notes"), 5000)
    if rec.contact and rec.contact.get("landline_e164"):
        rec.phones = [phones.Phone(rec.contact["landline"], rec.contact["landline_e164"],
                                   None, "landline")]
    rec.phones += [p for p in _phones(get("other_phones") or [], "CN") if p.kind != "mobile"]
    if get("fax"):
        rec.phones += [phones.Phone(p.raw, p.e164, p.extension, "fax")
                       for p in _phones([get("fax")], "CN")]
    rec.emails = [e for e in (_email(v) for v in get("other_emails") or []) if e]
    return _finish(rec, row)


# --- the batch --------------------------------------------------------------------------

def find_exhibition(session: Session, name: str, year: int) -> Exhibition | None:
    """The show edition of this (name, year), if there is one."""
    name = " ".join(name.split())
    return session.scalars(select(Exhibition).where(Exhibition.name_zh == name,
                                                    Exhibition.year == year)).first()


def exhibition_for(session: Session, name: str, year: int) -> Exhibition:
    """Find the show edition by (name, year), or create it."""
    name = " ".join(name.split())
    found = find_exhibition(session, name, year)
    if found is None:
        found = Exhibition(name_zh=name, year=year)
        session.add(found)
        session.flush()
    return found


def ingest_catalogue(session: Session, rows: Iterable[Any], *, exhibition: Exhibition | None,
                     source: Source, progress: Progress | None = None,
                     reader_errors: Sequence[Any] = (), all_or_nothing: bool = False,
                     dry_run: bool = False, chunk_size: int = CHUNK) -> IngestReport:
    """Import the rows of a show catalogue as exhibitors of `exhibition`."""
    if exhibition is not None:
        source.exhibition_id = exhibition.id
    with bulk.collecting_rarely():
        start = time.perf_counter()
        records = [catalogue_record(r) for r in rows]
        run = _Ingest(session, records, source=source, exhibition=exhibition,
                      progress=progress, chunk_size=chunk_size, dry_run=dry_run)
        run.timings["read"] = time.perf_counter() - start
        return run.run(reader_errors=reader_errors, all_or_nothing=all_or_nothing)


def ingest_contacts(session: Session, rows: Iterable[Any], *, source: Source,
                    exhibition: Exhibition | None = None, progress: Progress | None = None,
                    reader_errors: Sequence[Any] = (), all_or_nothing: bool = False,
                    dry_run: bool = False, chunk_size: int = CHUNK) -> IngestReport:
    """Import business cards: each card's company is found or created, the person added."""
    if exhibition is not None:
        source.exhibition_id = exhibition.id
    with bulk.collecting_rarely():
        records = [contact_record(r) for r in rows]
        return _Ingest(session, records, source=source, exhibition=exhibition,
                       progress=progress, chunk_size=chunk_size, dry_run=dry_run).run(
            reader_errors=reader_errors, all_or_nothing=all_or_nothing)


def import_file(session: Session, path: str | Path, *, kind: str = "catalogue",
                exhibition: Exhibition | None = None, sheet: str | None = None,
                mapping: dict[str, Any] | None = None, user_id: int | None = None,
                file_name: str | None = None, progress: Progress | None = None,
                all_or_nothing: bool = False, dry_run: bool = False) -> IngestReport:
    """Read a catalogue or business-card file and ingest it: what the CLI and the web call.

    Raises crm.importers.errors.UnreadableFile (with a message naming the file) when the
    file cannot be read at all. The caller commits, or rolls back for a dry run.
    """
    from crm.importers.catalogue import iter_catalogue
    from crm.importers.contacts import iter_contacts

    path = Path(path)
    opener = iter_catalogue if kind == "catalogue" else iter_contacts
    run = ingest_catalogue if kind == "catalogue" else ingest_contacts
    with opener(path, sheet=sheet, mapping=mapping) as stream:
        source = Source(kind=kind, file_name=file_name or path.name, sheet=stream.sheet,
                        sha256=file_sha256(path), user_id=user_id,
                        mapping={**(mapping or {}), **{"_columns": stream.mapping}})
        return run(session, stream, exhibition=exhibition, source=source, progress=progress,
                   all_or_nothing=all_or_nothing, dry_run=dry_run)


def ingest_records(session: Session, records: list[Record], *, source: Source,
                   exhibition: Exhibition | None = None, progress: Progress | None = None,
                   dry_run: bool = False) -> IngestReport:
    """Import already-cleaned records (crawler pipelines build them with `catalogue_record`)."""
    with bulk.collecting_rarely():
        return _Ingest(session, records, source=source, exhibition=exhibition,
                       progress=progress, dry_run=dry_run).run()


@dataclass(slots=True)
class _Decision:
    rec: Record
    action: str
    target: int | None = None  # company id (>0) or local id (<0) of a company this batch makes
    candidate: int | None = None
    score: float | None = None
    evidence: dict[str, Any] | None = None


@dataclass
class _ChunkWrites:
    """What one chunk writes, worked out in Python before any of it is sent."""

    # Rows encoded for the driver (bulk.Batch), in the order they are sent.
    companies: list[bulk.Batch] = field(default_factory=list)
    facts: list[bulk.Batch] = field(default_factory=list)
    trail: list[bulk.Batch] = field(default_factory=list)
    keys: list[bulk.Batch] = field(default_factory=list)
    profiles: list[bulk.Batch] = field(default_factory=list)
    fills: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # UPDATEs
    stale_profiles: list[int] = field(default_factory=list)  # DELETEd before their rewrite
    terms: Any = None  # the Future of the _SearchWrites, computed in a thread


@dataclass
class _SearchWrites:
    """A chunk's search index writes: new term rows, and each touched company's whole
    search text (replacing the text it had: `replaced`)."""

    terms: bulk.Batch
    texts: bulk.Batch
    replaced: list[int]


class _Ingest:
    """One run of the write path over a list of records."""

    def __init__(self, session: Session, records: list[Record], *, source: Source,
                 exhibition: Exhibition | None, progress: Progress | None,
                 chunk_size: int = CHUNK, dry_run: bool = False) -> None:
        self.dry_run = dry_run
        if not dry_run:
            writing_turn.take(session)  # before the first read: SQLite waits only then
        self.s = session
        self.records = records
        self.source = source
        self.exhibition = exhibition
        self.progress = progress
        self.chunk_size = chunk_size
        self.cfg = MatchSettings.load(session)
        self.show = exhibition.display_name if exhibition is not None else None
        # What this batch has made or touched so far, for the rows still to come.
        self.local_index: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.local_profiles: dict[int, Profile] = {}
        self.next_local = -1
        self.real_id: dict[int, int] = {}
        self.made_here: set[int] = set()  # ids of the companies this batch created
        self.batch: ImportBatch | None = None
        # Credit codes are unique: those given out by this batch or held in the database.
        self.codes_taken: set[str] = set()
        self.batch_counts = self._batch_key_counts()
        self.timings: dict[str, float] = defaultdict(float)
        self.timing_lock = threading.Lock()
        self.pool = None  # a thread for the search terms, made on first use
        # The stored profile of each company a row linked to, as it was before the batch,
        # and every profile the batch added to it: their union is what _write_profiles
        # stores, whichever chunk (and whichever thread) saw the company first.
        self.base_profiles: dict[int, Profile] = {}
        self.added_profiles: dict[int, list[Profile]] = defaultdict(list)
        self.reads: Session = session  # what resolving reads through (see _reader)
        # What the batch has written so far, so a chunk is prepared without reading it back.
        self.existing = _Existing()
        self.existing_loaded: set[int] = set()
        # The search text the batch wrote for each company (only the terms thread reads
        # and writes it, one chunk after the other).
        self.search_texts: dict[int, str] = {}
        self.review_pairs: set[tuple[int, int]] = set()
        self.next_company_id: int | None = None  # SQLite: ids are counted on in memory
        self.staged: tuple[bulk.Staged, ...] = ()  # SQLite: held back (see SEARCH_TERMS)

    @contextmanager
    def _timed(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            with self.timing_lock:
                self.timings[stage] += time.perf_counter() - start

    # -- counting keys shared inside the file (a switchboard on every row) -------------------

    def _batch_key_counts(self) -> dict[tuple[str, str], int]:
        holders: dict[tuple[str, str], set[str]] = defaultdict(set)
        for rec in self.records:
            if rec.errors:
                continue
            # Rows of one company (a second booth) repeat its name as typed.
            identity = rec.display_name or str(rec.row)
            for key in rec.strong:
                holders[key].add(identity)
        return {k: len(v) for k, v in holders.items() if len(v) > 1}

    # -- the run -------------------------------------------------------------------------------

    def run(self, *, reader_errors: Sequence[Any] = (),
            all_or_nothing: bool = False) -> IngestReport:
        dry_run = self.dry_run
        report = IngestReport(batch_id=None, exhibition_id=self.source.exhibition_id)
        issues = [RowIssue(int(getattr(e, "row", 0) or 0), getattr(e, "column", None),
                           str(getattr(e, "message", e)), getattr(e, "sheet", None))
                  for e in reader_errors]
        for rec in self.records:
            for column, message in rec.errors + rec.warnings:
                issues.append(RowIssue(rec.row, column, message, rec.sheet))
        report.errors = sorted(issues, key=lambda i: (i.row, i.column or ""))
        report.rejected = [{"row": r.row, "sheet": r.sheet, "column": r.errors[0][0],
                            "message": r.errors[0][1], "cells": r.raw or {}}
                           for r in self.records if r.errors]
        recorded = {(r.row, r.sheet) for r in self.records}
        record_rows = {row for row, _sheet in recorded}
        # Rows the reader could not even turn into a record count as rows too.
        report.rows = len(self.records) + len({
            i.row for i in issues if i.row not in record_rows})
        fatal = bool(reader_errors) or any(rec.errors for rec in self.records)
        if all_or_nothing and fatal:
            report.written = False
            report.message = N_("Nothing was imported: the file has errors and all-or-nothing "
                                "was asked for.")
            report.outcomes = [RowOutcome(r.row, RowAction.ERROR.value if r.errors else "skipped",
                                          name=r.display_name, sheet=r.sheet,
                                          column=(r.errors or [(None, None)])[0][0],
                                          message=(r.errors or [(None, None)])[0][1])
                               for r in self.records]
            return report
        if not dry_run:
            self.batch = self._start_batch()
            report.batch_id = self.batch.id
        restore = self._big_cache()
        try:
            decisions = self._resolve_and_write(dry_run)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            restore()
        for d in decisions:
            # In a dry run the companies to be made have no id yet (negative local refs).
            target = self.real_id.get(d.target, d.target) if d.target is not None else None
            candidate = (self.real_id.get(d.candidate, d.candidate)
                         if d.candidate is not None else None)
            target = target if target is None or target > 0 else None
            candidate = candidate if candidate is None or candidate > 0 else None
            if d.action == RowAction.ERROR.value:
                column, message = d.rec.errors[0] if d.rec.errors else (None, None)
                report.outcomes.append(RowOutcome(d.rec.row, d.action, column=column,
                                                  message=message, sheet=d.rec.sheet,
                                                  name=d.rec.display_name))
                continue
            setattr(report, d.action, getattr(report, d.action) + 1)
            report.outcomes.append(RowOutcome(d.rec.row, d.action, target, candidate, d.score,
                                              d.rec.display_name, d.rec.sheet))
        for issue in issues:
            if (issue.row, issue.sheet) not in recorded:
                report.outcomes.append(RowOutcome(issue.row, RowAction.ERROR.value,
                                                  column=issue.column, message=issue.message,
                                                  sheet=issue.sheet))
        report.outcomes.sort(key=lambda o: (o.row, o.sheet or ""))
        if self.batch is not None:
            self._finish_batch(report)
        report.timings = {k: round(v, 3) for k, v in self.timings.items()}
        return report

    def _resolve_and_write(self, dry_run: bool) -> list[_Decision]:
        """Resolve and write the records chunk by chunk; return every row's decision.

        With a second connection at hand (`_reader`), chunk N+1 is resolved and prepared
        (its rows worked out in Python) while chunk N is sent on the batch's connection in
        a writer thread: the database works on one while Python works on the other.
        Resolving and preparing read only what was there before the batch; what the batch
        wrote is known in memory, so they need no view of the writes in flight.
        """
        total = len(self.records)
        chunks = self._chunks()
        decisions: list[_Decision] = []
        if not dry_run and self.s.get_bind().dialect.name != "postgresql":
            self.next_company_id = bulk.reserve_ids(self.s.connection(), Company.__table__, 1)[0]
            self.staged = (SEARCH_TERMS, MATCH_KEYS)
            for staged in self.staged:
                staged.start(self.s.connection())
        reader = None if dry_run or len(chunks) < 2 else self._reader()
        if reader is None:
            for chunk in chunks:
                decisions += self._resolve_timed(chunk)
                if not dry_run:
                    with self._timed("write"):
                        self._write(decisions[-len(chunk):])
                self._report(len(decisions), total)
            self._finish_staged()
            return decisions
        import contextvars
        from concurrent.futures import ThreadPoolExecutor
        self.reads = reader
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
                in_flight = None
                for chunk in chunks:
                    chunk_decisions = self._resolve_timed(chunk)
                    with self._timed("prepare"):
                        prepared = self._prepare(chunk_decisions)
                    _written(chunk_decisions)
                    if in_flight is not None:
                        with self._timed("write_wait"):
                            in_flight.result()  # a failed write stops the run here
                        self._report(len(decisions), total)
                    decisions += chunk_decisions
                    # The writer runs in this context: the audit actor is a context variable.
                    in_flight = writer.submit(contextvars.copy_context().run,
                                              self._send_timed, prepared)
                with self._timed("write_wait"):
                    in_flight.result()
                self._report(len(decisions), total)
        finally:
            self.reads = self.s
            reader.close()
        self._finish_staged()
        return decisions

    def _chunks(self) -> list[list[Record]]:
        """The records in chunks; in a file of several chunks the first is a fifth as
        large, so that the writer starts early (it waits for the first chunk to be
        resolved and prepared)."""
        size = self.chunk_size
        if len(self.records) <= 2 * size:
            return [self.records[i:i + size] for i in range(0, len(self.records), size)]
        first = max(1, size // 5)
        rest = self.records[first:]
        return [self.records[:first]] + [rest[i:i + size] for i in range(0, len(rest), size)]

    def _finish_staged(self) -> None:
        if not self.staged:
            return
        with self._timed("write_staged"):
            for staged in self.staged:
                with self._timed(f"write_staged_{staged.table}"):
                    staged.finish(self.s.connection())

    def _reader(self) -> Session | None:
        """A session on a second connection for resolving, or None to work in one.

        Only when the session is bound to an engine (not to a connection in an outer
        transaction, as in the tests) and the database is one a second connection sees:
        PostgreSQL, or an SQLite file.
        """
        from sqlalchemy import Engine
        bind = self.s.get_bind()
        if not isinstance(bind, Engine):
            return None
        if bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"):
            return None
        return Session(bind=bind, autoflush=False)

    def _resolve_timed(self, chunk: list[Record]) -> list[_Decision]:
        with self._timed("resolve"):
            return self._resolve(chunk)

    def _send_timed(self, prepared: _ChunkWrites) -> None:
        with self._timed("write"):
            self._send(prepared)

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _big_cache(self) -> Callable[[], None]:
        """On SQLite, hold the pages the import changes in memory until the commit.

        With the default 2 MB page cache every spill writes changed index pages to the WAL
        again and again; a large import into a million companies then writes gigabytes.
        Returns the function that puts the connection's setting back.
        """
        conn = self.s.connection()
        if conn.dialect.name != "sqlite" or len(self.records) < 1000:
            return lambda: None
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        return lambda: conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")

    def _start_batch(self) -> ImportBatch:
        src = self.source
        batch = ImportBatch(kind=src.kind, file_name=src.file_name, sheet=src.sheet,
                            sha256=src.sha256, url=src.url, exhibition_id=src.exhibition_id,
                            user_id=src.user_id, status=ImportStatus.RUNNING.value,
                            rows_total=len(self.records), mapping=src.mapping,
                            started_at=utcnow())
        self.s.add(batch)
        self.s.flush()
        return batch

    def _finish_batch(self, report: IngestReport) -> None:
        b = self.batch
        assert b is not None
        b.rows_done = len(self.records)
        b.created, b.linked, b.review = report.created, report.linked, report.review
        b.errors = len(report.errors)
        b.status = ImportStatus.DONE.value
        b.finished_at = utcnow()
        self.s.flush()

    # -- resolving a chunk -----------------------------------------------------------------

    def _resolve(self, chunk: list[Record]) -> list[_Decision]:
        with self._timed("profile"):
            live = [_with_profile(r) for r in chunk if not r.errors]
        lookups = {id(r): r.profile.lookup_keys() for r in live}
        index = KeyIndex()
        index.load(self.reads, set().union(*lookups.values()))
        db_candidates: dict[int, tuple[set[int], dict[int, set]]] = {}
        wanted: set[int] = set()
        for rec in live:
            ids, shared = matching.candidate_ids(rec.profile, index, self.cfg,
                                                 self.batch_counts, keys=lookups[id(rec)])
            db_candidates[id(rec)] = (ids, shared)
            wanted |= ids
        profiles = matching.company_profiles(self.reads, wanted) if wanted else {}
        merged_away = self._merged_away(wanted)
        pairs = matching.non_matches(self.reads, wanted) if wanted else set()
        out = []
        for rec in chunk:
            if rec.errors or rec.profile is None:
                out.append(_Decision(rec, RowAction.ERROR.value))
                continue
            ids, shared = db_candidates[id(rec)]
            decision = self._decide(rec, lookups[id(rec)], ids, shared, profiles, merged_away,
                                    pairs)
            if decision.action == RowAction.LINKED.value and decision.target in profiles:
                self.base_profiles.setdefault(decision.target, profiles[decision.target])
            out.append(decision)
        return out

    def _merged_away(self, ids: set[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        reads = self.reads
        for chunk in bulk.chunks(reads, sorted(ids)):
            for cid, into in reads.execute(select(Company.id, Company.merged_into_id).where(
                    bulk.one_of(reads, Company.id, chunk), Company.merged_into_id.is_not(None))):
                found[cid] = into
        return found

    def _decide(self, rec: Record, keys: set[tuple[str, str]], ids: set[int],
                shared: dict[int, set],
                profiles: dict[int, Profile], merged_away: dict[int, int],
                pairs: set[tuple[int, int]]) -> _Decision:
        profile = rec.profile
        assert profile is not None
        scored: dict[int, matching.Verdict] = {}
        for cid in ids:
            # A company this batch made is a candidate through the batch's own index
            # (under its local ref), with all the batch knows of it; not a second time.
            if cid in merged_away or cid not in profiles or cid in self.made_here:
                continue
            stored = profiles[cid]
            if cid in self.local_profiles:  # rows of this batch added to it already
                stored = matching.union_profile(cid, stored, [self.local_profiles[cid]])
            scored[cid] = matching.compare(profile, stored, self.cfg,
                                           shared=shared.get(cid, set()))
        for ref, strong in self._local_candidates(keys).items():
            if ref in merged_away:
                continue
            for other in (profiles.get(ref), self.local_profiles.get(ref)):
                if other is None:
                    continue
                verdict = matching.compare(profile, other, self.cfg, shared=strong)
                if ref not in scored or verdict.score > scored[ref].score:
                    scored[ref] = verdict
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1].score, abs(kv[0])))
        best = ranked[0] if ranked else None
        if best is not None and best[1].band == "link":
            runner = ranked[1] if len(ranked) > 1 else None
            ambiguous = (runner is not None and runner[1].band == "link"
                         and best[1].score - runner[1].score < 2
                         and best[1].score < 100
                         and _pair(best[0], runner[0]) not in pairs)
            if not ambiguous:
                self._absorb(best[0], rec)
                return _Decision(rec, RowAction.LINKED.value, best[0], best[0], best[1].score,
                                 best[1].evidence)
        local = self._new_local(rec)
        if best is not None and best[1].band in ("link", "review"):
            return _Decision(rec, RowAction.REVIEW.value, local, best[0], best[1].score,
                             best[1].evidence)
        return _Decision(rec, RowAction.CREATED.value, local,
                         best[0] if best else None, best[1].score if best else None)

    def _local_candidates(self, keys: set[tuple[str, str]]) -> dict[int, set[tuple[str, str]]]:
        """What this batch made or touched that shares a look-up key with a row."""
        found: dict[int, set[tuple[str, str]]] = {}
        for key in keys:
            holders = self.local_index.get(key)
            if not holders:
                continue
            strong = key[0] in matching.STRONG_KINDS
            if strong and self.batch_counts.get(key, 0) > self.cfg.shared_key_limit:
                continue
            for ref in holders:
                found.setdefault(ref, set())
                if strong:
                    found[ref].add(key)
        return found

    def _new_local(self, rec: Record) -> int:
        ref = self.next_local
        self.next_local -= 1
        profile = rec.profile
        assert profile is not None
        self.local_profiles[ref] = Profile(names=list(profile.names),
                                           credit_code=profile.credit_code,
                                           region=profile.region, strong=set(profile.strong),
                                           company_id=ref)
        for key in profile.stored_keys():
            self.local_index[key].add(ref)
        return ref

    def _absorb(self, ref: int, rec: Record) -> None:
        """Let later rows of the batch find this company by the row's names and keys too."""
        profile = rec.profile
        assert profile is not None
        target = self.local_profiles.get(ref)
        if target is None:
            target = Profile(names=[], company_id=ref)
            self.local_profiles[ref] = target
        known = {n.text for n in target.names}
        target.names += [n for n in profile.names if n.text not in known]
        target.strong |= profile.strong
        target.credit_code = target.credit_code or profile.credit_code
        for key in profile.stored_keys():
            self.local_index[key].add(ref)

    # -- writing a chunk -------------------------------------------------------------------

    def _write(self, decisions: list[_Decision]) -> None:
        """Write one chunk: work out every row in Python (`_prepare`), then send them."""
        prepared = self._prepare(decisions)
        _written(decisions)
        self._send(prepared)

    def _prepare(self, decisions: list[_Decision]) -> _ChunkWrites:
        """Everything a chunk writes, as rows: the part of writing that is Python's.

        Reads go through `self.reads` and see the database as it was before the batch;
        what the batch itself has written is known in memory (`self.existing`, the keys
        and search texts written, the review pairs), so a chunk can be prepared while the
        one before it is still being sent.
        """
        assert self.batch is not None
        w = _ChunkWrites()
        batch_id = self.batch.id
        now = utcnow()
        self._load_codes(decisions)
        new = [d for d in decisions if d.action in (RowAction.CREATED.value,
                                                    RowAction.REVIEW.value)]
        created: set[int] = set()
        companies, facts = [], defaultdict(list)
        results: list[dict[str, Any]] = []
        audit_rows: list[dict[str, Any]] = []
        for d, cid in zip(new, self._new_company_ids(len(new))):
            values = {**self._company_values(d.rec, batch_id, now), "id": cid}
            companies.append(values)
            self.real_id[d.target] = cid
            self.made_here.add(cid)
            created.add(cid)
            self.local_profiles[d.target].company_id = cid
            fields = {f: values.get(f) for f in _Existing.FIELDS}
            self.existing.companies[cid], self.existing.original[cid] = fields, dict(fields)
        self._load_existing({self.real_id.get(d.target, d.target) for d in decisions
                             if d.action == RowAction.LINKED.value})
        names_added: dict[int, list[str]] = defaultdict(list)
        numbers: dict[int, list[str | None]] = defaultdict(list)
        keys: dict[int, set[tuple[str, str]]] = defaultdict(set)
        fresh: dict[int, int] = defaultdict(int)  # profiles this chunk adds to a company
        reviews = []
        user_id = self.source.user_id or audit.current_actor()
        for d in decisions:
            rec = d.rec
            if d.action == RowAction.ERROR.value:
                column, message = rec.errors[0] if rec.errors else (None, None)
                results.append({"batch_id": batch_id, "row": rec.row, "sheet": rec.sheet,
                                "action": d.action, "company_id": None, "candidate_id": None,
                                "score": None, "name": (rec.display_name or "")[:300] or None,
                                "column": column, "message": (message or "")[:500] or None,
                                "filled": None})
                continue
            cid = self.real_id.get(d.target, d.target)
            assert cid is not None and cid > 0
            candidate = self.real_id.get(d.candidate, d.candidate) if d.candidate else None
            label = self.source.label(rec.row, rec.sheet, self.show, rec.url)
            added = self._facts(cid, rec, label, batch_id, self.existing, facts, now,
                                names_added, numbers)
            filled = None
            if d.action == RowAction.LINKED.value:
                filled = self._fill_blanks(cid, rec, self.existing) or None
                if filled:
                    added = True
            if (added or d.action != RowAction.LINKED.value) and rec.profile is not None:
                keys[cid] |= rec.profile.stored_keys()
                self.added_profiles[cid].append(rec.profile)
                fresh[cid] += 1
            if d.action == RowAction.REVIEW.value and candidate and candidate != cid:
                reviews.append((cid, candidate, d.score, d.evidence, label))
            results.append({"batch_id": batch_id, "row": rec.row, "sheet": rec.sheet,
                            "action": d.action, "company_id": cid, "candidate_id": candidate,
                            "score": d.score, "name": (rec.display_name or "")[:300],
                            "column": None, "message": None, "filled": filled})
            audit_rows.append({"at": now, "user_id": user_id, "action": "import",
                               "entity": "companies", "entity_id": cid, "company_id": cid,
                               "before": None,
                               "after": {"batch": batch_id, "row": rec.row,
                                         "result": d.action, "source": label}})
        w.fills = self._fills()
        linked = sorted((set(keys) | set(names_added) | set(numbers)) - created)
        have_keys, have_texts = self._held_keys_and_texts(linked)
        w.terms = self._start_terms(names_added, numbers, have_texts)
        dialect = self.s.get_bind().dialect.name
        if companies:
            w.companies.append(bulk.rows_batch(dialect, Company.__table__, companies))
        w.facts = [bulk.rows_batch(dialect, _TABLES[name], rows)
                   for name, rows in facts.items() if rows]
        reviews_rows = self._review_rows(reviews, batch_id)
        if reviews_rows:
            w.facts.append(bulk.rows_batch(dialect, ReviewItem.__table__, reviews_rows))
        w.trail = [bulk.rows_batch(dialect, table, rows) for table, rows in
                   ((ImportRowResult.__table__, results), (AuditEntry.__table__, audit_rows))
                   if rows]
        key_rows = sorted({(kind, key, cid) for cid, held in keys.items()
                           for kind, key in held - self._keys_written_before(cid, fresh[cid])}
                          - have_keys)
        w.keys = [bulk.plain_batch(dialect, self._key_table(),
                                   ("kind", "key", "company_id"), key_rows)]
        with self._timed("prepare_profiles"):
            profiles, w.stale_profiles = self._profile_rows(sorted(keys), created)
        if profiles:
            w.profiles.append(bulk.rows_batch(dialect, CompanyMatchProfile.__table__, profiles))
        return w

    def _keys_written_before(self, cid: int, fresh: int) -> set[tuple[str, str]]:
        """The match keys earlier chunks wrote for a company: those of its profiles then."""
        profiles = self.added_profiles.get(cid, [])
        earlier = profiles[:len(profiles) - fresh]
        return set().union(*(p.stored_keys() for p in earlier)) if earlier else set()

    def _send(self, w: _ChunkWrites) -> None:
        """Send a prepared chunk through the batch's own connection, in key order."""
        conn = self.s.connection()
        with self._timed("write_companies"):
            for batch in w.companies:
                bulk.send(conn, batch)
        with self._timed("write_facts"):
            for batch in w.facts:
                bulk.send(conn, batch)
            self._send_fills(conn, w.fills)
        with self._timed("write_trail"):
            for batch in w.trail:
                bulk.send(conn, batch)
        with self._timed("write_keys"):
            for batch in w.keys:
                bulk.send(conn, batch)
        with self._timed("write_profiles"):
            table = CompanyMatchProfile.__table__
            for chunk in bulk.chunks(conn, w.stale_profiles):
                conn.execute(delete(table).where(bulk.one_of(conn, table.c.company_id, chunk)))
            for batch in w.profiles:
                bulk.send(conn, batch)
        with self._timed("search_terms_wait"):
            terms = w.terms.result()
        with self._timed("write_terms"):
            bulk.send(conn, terms.terms)
            search.drop_texts(conn, terms.replaced)
            bulk.send(conn, terms.texts)

    def _key_table(self) -> str:
        return MATCH_KEYS.holding if self.staged else CompanyMatchKey.__tablename__

    @staticmethod
    def _send_fills(conn, fills: list[tuple[int, dict[str, Any]]]) -> None:
        """UPDATE the filled companies, one executemany per set of filled fields."""
        table = Company.__table__
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        now = utcnow()
        for cid, values in fills:
            groups[tuple(sorted(values))].append(
                {**{f"v_{k}": v for k, v in values.items()}, "v_id": cid, "v_now": now})
        for fields, params in groups.items():
            conn.execute(update(table).where(table.c.id == bindparam("v_id"))
                         .values({**{f: bindparam(f"v_{f}") for f in fields},
                                  "version": table.c.version + 1,
                                  "updated_at": bindparam("v_now")}),
                         params)

    def _new_company_ids(self, count: int) -> list[int]:
        """Ids for the companies a chunk makes, taken before any of them is written."""
        if count == 0:
            return []
        conn = self.reads.connection()
        if conn.dialect.name == "postgresql":
            return bulk.reserve_ids(conn, Company.__table__, count)
        # SQLite: the batch holds the write lock since its batch row; count on from the
        # largest id there was then.
        assert self.next_company_id is not None
        ids = list(range(self.next_company_id, self.next_company_id + count))
        self.next_company_id += count
        return ids

    def _load_codes(self, decisions: list[_Decision]) -> None:
        """Credit codes of the chunk that companies in the database hold already."""
        codes = sorted({d.rec.credit_code for d in decisions if d.rec.credit_code}
                       - self.codes_taken)
        for chunk in bulk.chunks(self.reads, codes):
            self.codes_taken.update(self.reads.scalars(select(Company.credit_code).where(
                bulk.one_of(self.reads, Company.credit_code, chunk))))

    def _load_existing(self, linked: set[int]) -> None:
        """Read what linked companies held before the batch, once per company."""
        fresh = linked - self.existing_loaded - self.made_here
        if fresh:
            self.existing.load(self.reads, fresh, self.source.exhibition_id)
            self.existing_loaded |= fresh

    def _fills(self) -> list[tuple[int, dict[str, Any]]]:
        """The UPDATEs filling blank fields of linked companies, from what changed."""
        from crm.services.companies import website_domain
        existing = self.existing
        out = []
        for cid in sorted(existing.dirty):
            values = {k: v for k, v in existing.companies[cid].items()
                      if k in existing.changed_fields(cid)}
            if "website" in values:
                values["website_domain"] = website_domain(values["website"])
            if values:
                out.append((cid, values))
            existing.original[cid] = dict(existing.companies[cid])
        existing.dirty.clear()
        return out

    def _review_rows(self, reviews: list[tuple], batch_id: int) -> list[dict[str, Any]]:
        """Review items for the pairs not queued already (before or by this batch)."""
        pairs = sorted({_pair(a, b) for a, b, *_rest in reviews} - self.review_pairs)
        lows = sorted({a for a, _b in pairs})
        for chunk in bulk.chunks(self.reads, lows):
            self.review_pairs.update(tuple(r) for r in self.reads.execute(
                select(ReviewItem.company_a_id, ReviewItem.company_b_id)
                .where(bulk.one_of(self.reads, ReviewItem.company_a_id, chunk))))
        rows = []
        for a, b, score, evidence, label in reviews:
            pair = _pair(a, b)
            if pair in self.review_pairs:
                continue
            self.review_pairs.add(pair)
            rows.append({"company_a_id": pair[0], "company_b_id": pair[1], "score": score,
                         "evidence": evidence, "status": "open", "source": label,
                         "import_batch_id": batch_id, "created_at": utcnow()})
        return rows

    def _held_keys_and_texts(self, linked: list[int]
                             ) -> tuple[set[tuple[str, str, int]], dict[int, str]]:
        """The match keys and search texts linked companies held before the batch."""
        have_keys: set[tuple[str, str, int]] = set()
        stored = [cid for cid in linked if cid not in self.made_here]
        with self._timed("load_index"):
            for chunk in bulk.chunks(self.reads, stored):
                have_keys.update(tuple(r) for r in self.reads.execute(
                    select(CompanyMatchKey.kind, CompanyMatchKey.key, CompanyMatchKey.company_id)
                    .where(bulk.one_of(self.reads, CompanyMatchKey.company_id, chunk))))
            have_texts = search.held_texts(self.reads, stored)
        return have_keys, have_texts

    def _start_terms(self, names_added: dict[int, list[str]], numbers: dict[int, list[str | None]],
                     have_texts: dict[int, str]):
        """Compute the chunk's new search terms in a thread; return the Future of the rows.

        Terms are a union over a company's names and numbers (search.company_terms), so the
        terms of the new names and numbers, less those the company holds already (in the
        text it had before the batch, or the one the batch wrote for it), bring the index
        up to date.
        """
        touched = sorted(set(names_added) | set(numbers))
        dialect = self.s.get_bind().dialect.name
        items = [(cid, names_added.get(cid, []), numbers.get(cid, []), have_texts.get(cid))
                 for cid in touched]
        table = SEARCH_TERMS.holding if self.staged else CompanySearchTerm.__tablename__
        return self._terms_pool().submit(_search_writes, dialect, table, items,
                                         self.search_texts, listed=bool(self.staged))

    def _terms_pool(self):
        """The thread the search terms are computed in (beside preparing the next chunk)."""
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-terms")
        return self.pool

    def _profile_rows(self, touched: list[int], created: set[int]
                      ) -> tuple[list[dict[str, Any]], list[int]]:
        """The stored match profile of each company the chunk made or added to, and the
        companies whose old profile row goes."""
        if not touched:
            return [], []
        base = {cid: self.base_profiles[cid] for cid in touched if cid in self.base_profiles}
        missing = [cid for cid in touched if cid not in base and cid not in self.made_here]
        if missing:
            base.update(matching.company_profiles(self.reads, missing))
        rows = [{"company_id": cid, "data": matching.profile_data(
                    matching.union_profile(cid, base.get(cid), self.added_profiles[cid]))}
                for cid in touched]
        return rows, [cid for cid in touched if cid not in created]

    def _company_values(self, rec: Record, batch_id: int, now) -> dict[str, Any]:
        from crm.services.companies import website_domain
        code = rec.credit_code if rec.credit_code not in self.codes_taken else None
        if code:
            self.codes_taken.add(code)
        return {"name_zh": rec.name_zh, "name_en": rec.name_en, "credit_code": code,
                "country": rec.country, "province": rec.province, "city": rec.city,
                "address": rec.address, "website": rec.website,
                "website_domain": (website_domain(rec.website) or "")[:200] or None,
                "is_key_client": False, "import_batch_id": batch_id, "version": 1,
                "created_at": now, "updated_at": now}

    def _facts(self, cid: int, rec: Record, label: str, batch_id: int, existing: _Existing,
               facts: dict[str, list[dict[str, Any]]], now, names_added: dict[int, list[str]],
               numbers: dict[int, list[str | None]]) -> bool:
        """Add the row's facts the company does not hold yet; say whether any was new."""
        added = False
        for name in (rec.name_zh, rec.name_en):
            if name and (cid, name) not in existing.aliases:
                existing.aliases.add((cid, name))
                names_added[cid].append(name)
                facts["aliases"].append({"company_id": cid, "name": name,
                                         "script": "zh" if names.has_cjk(name) else "en",
                                         "source": label,
                                         "source_url": rec.url or self.source.url,
                                         "import_batch_id": batch_id,
                                         "seen_at": rec.seen_at or now})
                added = True
        for p in rec.phones:
            key = (cid, p.e164 or p.raw, p.extension)
            if key in existing.phones:
                continue
            existing.phones.add(key)
            numbers[cid].append(p.e164)
            facts["phones"].append({"company_id": cid, "raw": p.raw[:60], "e164": p.e164,
                                    "extension": p.extension,
                                    "kind": p.kind if p.kind != "unknown" else "landline",
                                    "source": label, "import_batch_id": batch_id})
            added = True
        for email in rec.emails:
            key = (cid, email.lower())
            if key in existing.emails:
                continue
            existing.emails.add(key)
            facts["emails"].append({"company_id": cid, "email": email,
                                    "domain": email.rsplit("@", 1)[1].lower()[:200],
                                    "source": label, "import_batch_id": batch_id})
            added = True
        if rec.contact:
            c = rec.contact
            keys = existing.contact_keys(cid, c)
            if not keys & existing.contacts:
                existing.contacts |= keys
                numbers[cid] += [c.get("mobile_e164"), c.get("landline_e164")]
                facts["contacts"].append({**c, "company_id": cid, "source": label,
                                          "import_batch_id": batch_id, "version": 1,
                                          "created_at": now, "updated_at": now})
                added = True
        if rec.booth is not None and self.source.exhibition_id is not None:
            key = (cid, rec.booth.get("booth_no") or "")
            if key not in existing.booths:
                existing.booths.add(key)
                facts["participations"].append({
                    **rec.booth, "company_id": cid, "exhibition_id": self.source.exhibition_id,
                    "source": label, "import_batch_id": batch_id, "version": 1,
                    "created_at": now, "updated_at": now})
                added = True
        if rec.kind and (cid, rec.kind) not in existing.kinds:
            existing.kinds.add((cid, rec.kind))
            facts["kinds"].append({"company_id": cid, "kind": rec.kind})
            existing.kinds_added[cid].append(rec.kind)
            added = True
        return added

    def _fill_blanks(self, cid: int, rec: Record, existing: _Existing) -> dict[str, Any]:
        """Fill the linked company's empty fields from the row; return what was filled."""
        current = existing.companies.get(cid)
        if current is None:
            return {}
        filled: dict[str, Any] = {}
        for field_name in ("name_zh", "name_en", "province", "city", "address", "website"):
            value = getattr(rec, field_name)
            if value and not current.get(field_name):
                current[field_name] = value
                filled[field_name] = value
        if (rec.credit_code and not current.get("credit_code")
                and rec.credit_code not in self.codes_taken):
            current["credit_code"] = rec.credit_code
            filled["credit_code"] = rec.credit_code
            self.codes_taken.add(rec.credit_code)
        if existing.kinds_added.get(cid):
            filled["kinds"] = existing.kinds_added.pop(cid)
        if filled:
            existing.dirty.add(cid)
        return filled


_TABLES = {"aliases": CompanyAlias.__table__, "phones": CompanyPhone.__table__,
           "emails": CompanyEmail.__table__, "contacts": Contact.__table__,
           "participations": Participation.__table__, "kinds": CompanyKindLink.__table__}


def _search_writes(dialect: str, table: str, items: list[tuple],
                   written: dict[int, str], *, listed: bool = False) -> _SearchWrites:
    """A chunk's new search-term rows (in key order) and search texts, encoded for the
    driver.

    Each item is (company id, its new names, its new numbers, the search text it held
    before the batch or None); `written` holds the text the batch wrote for a company, and
    is brought up to date. `listed`: one row a company, its new terms as a JSON list (for
    SEARCH_TERMS, held back).
    """
    found, text_rows, replaced = [], [], []
    for cid, names_, numbers, held in items:
        terms = search.company_terms(names_, numbers)
        known_text = written.get(cid, held)
        if known_text:
            known = search.split_terms(known_text)
            # What the company holds already, or a longer term of it, finds it.
            terms = search.without_prefixes(terms | known) - known
            if not terms:
                continue
            replaced.append(cid)
            text = known_text + search.joined_terms(terms)
        elif terms:
            text = search.joined_terms(terms)
        else:
            continue
        written[cid] = text
        found.append((cid, terms))
        text_rows.append((cid, text))
    text_batch = bulk.plain_batch(dialect, CompanySearchText.__tablename__,
                                  ("company_id", "terms"), text_rows)
    if listed:
        lists = [(json.dumps(sorted(terms), ensure_ascii=False), cid) for cid, terms in found]
        terms_batch = bulk.plain_batch(dialect, table, ("term", "company_id"), lists)
    else:
        terms_batch = _terms_rows(dialect, table, found)
    return _SearchWrites(terms_batch, text_batch, replaced)


def _terms_rows(dialect: str, table: str, found: list[tuple[int, set[str]]]) -> bulk.Batch:
    """(term, company id) rows in key order: so the inserts walk the index."""
    columns = ("term", "company_id")
    if dialect == "postgresql":
        # Millions of rows: sort the COPY lines themselves ("term<TAB>id": a term holds no
        # tab, so a shorter term sorts first, as in the index).
        lines = [term + end for cid, terms in found for end in (f"\t{cid}\n",)
                 for term in terms]
        lines.sort()
        batch = bulk.text_batch(table, columns, lines)
        if batch is not None:
            return batch
    rows = sorted((term, cid) for cid, terms in found for term in terms)
    return bulk.plain_batch(dialect, table, columns, rows)


def _written(decisions: list[_Decision]) -> None:
    """A prepared chunk's rows are in its writes: let go of what nothing reads again (the
    evidence of a link or a new company; a review's went into its review item)."""
    for d in decisions:
        d.rec.written()
        d.evidence = None


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


class _Existing:
    """The facts linked companies already hold, loaded set-based, so none is written twice."""

    FIELDS = ("name_zh", "name_en", "province", "city", "address", "website", "credit_code")

    def __init__(self) -> None:
        self.aliases: set[tuple[int, str]] = set()
        self.phones: set[tuple[int, str, str | None]] = set()
        self.emails: set[tuple[int, str]] = set()
        self.contacts: set[tuple] = set()
        self.booths: set[tuple[int, str]] = set()
        self.kinds: set[tuple[int, str]] = set()
        self.kinds_added: dict[int, list[str]] = defaultdict(list)
        self.companies: dict[int, dict[str, Any]] = {}
        self.original: dict[int, dict[str, Any]] = {}
        self.dirty: set[int] = set()
        self._codes: set[str] | None = None

    def load(self, session: Session, ids: set[int], exhibition_id: int | None) -> None:
        """Add what these companies hold in the database."""
        for chunk in bulk.chunks(session, sorted(ids)):
            for row in session.execute(select(Company.id, *[getattr(Company, f)
                                                            for f in self.FIELDS])
                                       .where(bulk.one_of(session, Company.id, chunk))):
                values = dict(zip(self.FIELDS, row[1:]))
                self.companies[row[0]] = values
                self.original[row[0]] = dict(values)
            self.aliases.update(tuple(r) for r in session.execute(
                select(CompanyAlias.company_id, CompanyAlias.name)
                .where(bulk.one_of(session, CompanyAlias.company_id, chunk))).all())
            for cid, e164, raw, ext in session.execute(
                    select(CompanyPhone.company_id, CompanyPhone.e164, CompanyPhone.raw,
                           CompanyPhone.extension)
                    .where(bulk.one_of(session, CompanyPhone.company_id, chunk))):
                self.phones.add((cid, e164 or raw, ext))
            for cid, email in session.execute(
                    select(CompanyEmail.company_id, CompanyEmail.email)
                    .where(bulk.one_of(session, CompanyEmail.company_id, chunk))):
                self.emails.add((cid, email.lower()))
            for cid, name, mobile, email in session.execute(
                    select(Contact.company_id, Contact.name, Contact.mobile_e164, Contact.email)
                    .where(bulk.one_of(session, Contact.company_id, chunk))):
                self.contacts |= self.contact_keys(cid, {"name": name, "mobile_e164": mobile,
                                                      "email": email})
            if exhibition_id is not None:
                for cid, booth in session.execute(
                        select(Participation.company_id, Participation.booth_no)
                        .where(bulk.one_of(session, Participation.company_id, chunk),
                               Participation.exhibition_id == exhibition_id)):
                    self.booths.add((cid, booth or ""))
            self.kinds.update(tuple(r) for r in session.execute(
                select(CompanyKindLink.company_id, CompanyKindLink.kind)
                .where(bulk.one_of(session, CompanyKindLink.company_id, chunk))).all())

    @staticmethod
    def contact_keys(cid: int, c: dict[str, Any]) -> set[tuple]:
        # One person per company: the same mobile, e-mail or (without either) name.
        keys: set[tuple] = set()
        if c.get("mobile_e164"):
            keys.add((cid, "m", c["mobile_e164"]))
        if c.get("email"):
            keys.add((cid, "e", c["email"].lower()))
        if not keys and c.get("name"):
            keys.add((cid, "n", c["name"]))
        return keys

    def changed_fields(self, cid: int) -> set[str]:
        now, before = self.companies[cid], self.original[cid]
        return {k for k in now if now[k] != before.get(k)}


# --- reverting a batch ------------------------------------------------------------------

@dataclass
class RevertReport:
    batch_id: int
    companies_removed: int = 0
    companies_kept: int = 0
    facts_removed: int = 0


# A revert still "in progress" after this long died with its process (a restart): its
# work was rolled back, and it may be started again.
REVERT_GIVEN_UP_AFTER = timedelta(hours=1)


def start_revert(session: Session, batch_id: int) -> ImportBatch:
    """Mark a finished import as being reverted (since now: `reverted_at`), so that no
    second revert starts while it runs in the background (`revert_batch`, or
    `revert_failed` when it fails)."""
    batch = session.get(ImportBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise NotFound(N_("No such import."))
    if batch.status == ImportStatus.REVERTING.value and not revert_given_up(batch):
        raise Conflict(N_("This import is being reverted."))
    _check_revertible(batch)
    batch.status = ImportStatus.REVERTING.value
    batch.reverted_at = utcnow()
    session.flush()
    return batch


def revert_given_up(batch: ImportBatch) -> bool:
    """A revert marked as running that no process is carrying out any more."""
    return (batch.status == ImportStatus.REVERTING.value and batch.reverted_at is not None
            and utcnow() - batch.reverted_at > REVERT_GIVEN_UP_AFTER)


def revert_failed(session: Session, batch_id: int, message: str) -> None:
    """A background revert failed (its work rolled back): the import stands, and says why."""
    batch = session.get(ImportBatch, batch_id)
    if batch is not None and batch.status == ImportStatus.REVERTING.value:
        batch.status = ImportStatus.DONE.value
        batch.reverted_at = None
        batch.message = message[:5000]
        session.flush()


def _check_revertible(batch: ImportBatch) -> None:
    if batch.status == ImportStatus.REVERTED.value:
        raise Conflict(N_("This import was already reverted."))
    if batch.status == ImportStatus.RUNNING.value:
        raise Conflict(N_("This import is still running."))


def revert_batch(session: Session, batch_id: int, *, user_id: int | None = None) -> RevertReport:
    """Undo an import: remove what it added, clear what it filled, drop what it created.

    A company the batch created stays when something else now refers to it (a fact from
    another source, a merge, a booth it built, an edit by a person); its own facts from
    this batch go all the same.
    """
    writing_turn.take(session)
    batch = session.get(ImportBatch, batch_id, populate_existing=True)
    if batch is None:
        raise NotFound(N_("No such import."))
    _check_revertible(batch)
    report = RevertReport(batch_id)
    conn = session.connection()
    session.flush()
    created = set(session.scalars(select(Company.id).where(Company.import_batch_id == batch_id)))
    touched = set(session.scalars(select(ImportRowResult.company_id).where(
        ImportRowResult.batch_id == batch_id, ImportRowResult.company_id.is_not(None))))
    # Fields the batch filled in on companies it linked to, unless changed since.
    for cid, filled in session.execute(select(ImportRowResult.company_id,
                                              ImportRowResult.filled).where(
            ImportRowResult.batch_id == batch_id, ImportRowResult.filled.is_not(None))):
        if cid is None or not filled:
            continue
        table = Company.__table__
        for field_name, value in filled.items():
            if field_name == "kinds":
                for kind in value:
                    conn.execute(delete(CompanyKindLink).where(
                        CompanyKindLink.company_id == cid, CompanyKindLink.kind == kind))
                continue
            extra = {"website_domain": None} if field_name == "website" else {}
            conn.execute(update(table).where(table.c.id == cid, table.c[field_name] == value)
                         .values({field_name: None, **extra}))
    for model in (ReviewItem, Participation, Contact, CompanyEmail, CompanyPhone, CompanyAlias):
        result = conn.execute(delete(model).where(model.import_batch_id == batch_id))
        report.facts_removed += result.rowcount or 0
    keep = _still_referenced(session, created, batch)
    doomed = sorted(created - keep)
    from crm.services.companies import forget_derived
    for chunk in matching._chunks(doomed, 500):
        try:
            with session.begin_nested():
                forget_derived(session, chunk)
                session.connection().execute(delete(Company).where(Company.id.in_(chunk)))
        except IntegrityError:
            for cid in chunk:
                try:
                    with session.begin_nested():
                        forget_derived(session, [cid])
                        session.connection().execute(delete(Company).where(Company.id == cid))
                except IntegrityError:
                    keep.add(cid)
    removed = set(doomed) - keep
    conn.execute(update(Company.__table__).where(Company.import_batch_id == batch_id)
                 .values(import_batch_id=None))
    report.companies_removed = len(removed)
    report.companies_kept = len(created) - len(removed)
    survivors = (touched | keep) - removed
    session.expire_all()
    matching.reindex_keys(session, survivors)
    search.reindex(session, survivors)
    batch = session.get(ImportBatch, batch_id)
    batch.status = ImportStatus.REVERTED.value
    batch.reverted_at = utcnow()
    audit.record(session, "revert", "import_batches", batch_id,
                 after={"companies_removed": report.companies_removed,
                        "companies_kept": report.companies_kept,
                        "facts_removed": report.facts_removed})
    session.flush()
    return report


def _still_referenced(session: Session, ids: set[int], batch: ImportBatch) -> set[int]:
    """Companies among `ids` that something outside the batch now refers to."""
    from crm.models import CountryPavilion, Venue
    keep: set[int] = set()
    if not ids:
        return keep
    other_batch = [(column, (batch_column.is_(None)) | (batch_column != batch.id))
                   for column, batch_column in (
                       (CompanyAlias.company_id, CompanyAlias.import_batch_id),
                       (CompanyPhone.company_id, CompanyPhone.import_batch_id),
                       (CompanyEmail.company_id, CompanyEmail.import_batch_id),
                       (Contact.company_id, Contact.import_batch_id),
                       (Participation.company_id, Participation.import_batch_id))]
    checks = other_batch + [
        (Company.merged_into_id, None),
        (Company.id, (Company.merged_into_id.is_not(None)) | Company.owner_id.is_not(None)
         | (Company.version > 1)),
        (Merge.survivor_id, None), (Merge.merged_id, None),
        (Participation.builder_id, None), (Exhibition.organizer_id, None),
        (Venue.operator_id, None), (CountryPavilion.organizer_id, None),
        (NonMatch.company_a_id, None), (NonMatch.company_b_id, None),
        (AuditEntry.company_id, AuditEntry.action.in_(("update", "merge"))
         & (AuditEntry.entity == "companies")),
    ]
    for chunk in bulk.chunks(session, sorted(ids)):
        for column, condition in checks:
            stmt = select(column).where(bulk.one_of(session, column, chunk))
            keep.update(session.scalars(stmt if condition is None else stmt.where(condition)))
    return {i for i in keep if i is not None} & ids


def record_failure(session: Session, source: Source, message: str, *,
                   rows_total: int = 0) -> ImportBatch:
    """Note an import that failed (its own transaction was rolled back), with the reason.

    For the background runner: after the rollback, in a fresh transaction, so the person
    who started it sees what went wrong.
    """
    batch = ImportBatch(kind=source.kind, file_name=source.file_name, sheet=source.sheet,
                        sha256=source.sha256, url=source.url,
                        exhibition_id=source.exhibition_id, user_id=source.user_id,
                        status=ImportStatus.FAILED.value, rows_total=rows_total,
                        message=message[:5000], started_at=utcnow(), finished_at=utcnow())
    session.add(batch)
    session.flush()
    return batch


def find_batch(session: Session, sha256: str, exhibition_id: int | None,
               kind: str) -> ImportBatch | None:
    """The last finished import of the same file into the same show, if any."""
    stmt = (select(ImportBatch).where(ImportBatch.sha256 == sha256, ImportBatch.kind == kind,
                                      ImportBatch.status == ImportStatus.DONE.value)
            .order_by(ImportBatch.id.desc()))
    stmt = stmt.where(ImportBatch.exhibition_id == exhibition_id if exhibition_id is not None
                      else ImportBatch.exhibition_id.is_(None))
    return session.scalars(stmt).first()


# --- what an import leaves behind for people ---------------------------------------------

REPORT_COLUMNS = ("row", "action", "company_id", "candidate_id", "score", "sheet", "name",
                  "column", "message")


def write_report_csv(report: IngestReport, fh) -> None:
    """Write one line per input row: row, action, company id, best candidate id, score …"""
    import csv

    writer = csv.writer(fh)
    writer.writerow(REPORT_COLUMNS)
    for o in report.outcomes:
        writer.writerow([o.row, o.action, o.company_id or "", o.candidate_id or "",
                         "" if o.score is None else o.score, o.sheet or "", o.name or "",
                         o.column or "", o.message or ""])


def write_rejected_xlsx(report: IngestReport, fh,
                        translate: Callable[[str], str] | None = None) -> int:
    """Write the rows that were not imported, as read plus the reason, to an Excel file.

    With `translate` (a gettext), the headers and reasons are in its language; else English.
    """
    from openpyxl import Workbook

    say = translate or (lambda text: text)

    book = Workbook(write_only=True)
    sheet = book.create_sheet("rejected")
    headers: list[str] = []
    for item in report.rejected:
        for key in item["cells"]:
            if key not in headers:
                headers.append(key)
    sheet.append([say(N_("row")), say(N_("column")), say(N_("message")), *headers])
    for item in report.rejected:
        sheet.append([item["row"], item["column"], msg.localize(item["message"], say),
                      *[_cell(item["cells"].get(h)) for h in headers]])
    book.save(fh)
    return len(report.rejected)


def _cell(value: Any) -> Any:
    # openpyxl refuses control characters; a cell holds at most 32,767 characters.
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    return value
