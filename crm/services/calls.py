"""The telesales call queue: claim the next company, log the outcome, start what it triggers.

How the queue stays correct with many telesales at once:

* `claim_next` takes an item with one conditional UPDATE whose subquery picks the best
  candidate. On PostgreSQL the subquery is `FOR UPDATE OF call_items SKIP LOCKED`, so
  concurrent claimers skip each other's rows instead of waiting; on SQLite the database's
  single writer lock serialises the UPDATE, whose `WHERE status = 'queued'` is evaluated
  under that lock. Either way an item goes to one person, and a partial unique index
  (one active item per company) makes sure no company is queued twice.
* A claim lasts `calls.claim_minutes`; an abandoned claim becomes claimable again by
  anyone. `log_outcome` is itself a conditional UPDATE (still claimed, by this user, not
  expired, same claim number), so an expired or someone else's claim is refused and a
  double submit finds nothing left to close; `calls (item_id, attempt)` is unique too.
* Due callbacks and expired claims form the "ready" lane (ordered by `ready_at`), queued
  items the "queued" lane (ordered by the list's priority rank). Lists are tried in order:
  the user's own lists, then the shared pool, sooner shows first.

On SQLite call `claim_next` and `log_outcome` at the start of a transaction (commit what
the request read first): they take the write lock with their first statement, and a
transaction that read before another writer committed is refused by SQLite (reported here
as `QueueBusy`, a 409 the caller can retry).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload

from crm.db import UTCDateTime, utcnow
from crm.models import (
    Call,
    CallItem,
    CallItemStatus,
    CallList,
    CallOutcome,
    Company,
    CompanyPhone,
    Contact,
    Exhibition,
    Lead,
    LeadConflict,
    MailingTask,
    OutcomeBucket,
    Participation,
    Role,
    Setting,
    User,
)
from crm.models.calls import MailingKind, MailingMethod, MailingStatus
from crm.services import access, leads, phones, reference, settings, workdays
from crm.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
)

OUTCOMES_FILE = reference.DATA_DIR / "call_outcomes.yaml"

CLAIM_MINUTES = settings.declare(
    "calls.claim_minutes", 15,
    "Minutes a claimed call stays with its telesales person before it returns to the queue.",
    minimum=1, maximum=480)
MAX_ATTEMPTS = settings.declare(
    "calls.max_attempts", 3,
    "Claims of one company before a no-answer or busy outcome stops retrying.",
    minimum=1, maximum=50)
CALLBACK_GRACE = settings.declare(
    "calls.callback_grace_minutes", 60,
    "Minutes a due callback waits for the person who promised it before anyone may take it.",
    minimum=0, maximum=10080)
MAILING_DUE_WORKDAYS = settings.declare(
    "calls.mailing_due_workdays", 2, "Working days to send materials after the call.",
    minimum=0, maximum=60)

NOTE_MAX = 5000
CALLBACK_HORIZON = timedelta(days=366)
BUCKETS = tuple(b.value for b in OutcomeBucket)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# Literal status tests: the partial indexes can only serve a query whose WHERE repeats
# their predicate with constants, not with bound parameters (SQLite and PostgreSQL's
# generic plans alike).
_QUEUED = text("call_items.status = 'queued'")
_READY = text("call_items.status IN ('claimed', 'callback')")
_CLAIMED = text("call_items.status = 'claimed'")
_ACTIVE = text("call_items.status IN ('queued', 'claimed', 'callback')")


# --- errors ---------------------------------------------------------------------------------

class ClaimExpired(Conflict):
    """The claim is older than calls.claim_minutes; the company went back to the queue."""

    code = "claim_expired"


class NotYours(Forbidden):
    """Someone else holds this call."""

    code = "not_yours"


class NotClaimed(Conflict):
    """The call is not claimed (released, skipped or closed without this user's outcome)."""

    code = "not_claimed"


class AlreadyLogged(Conflict):
    """The outcome of this claim was recorded already (a double submit)."""

    code = "already_logged"

    def __init__(self, call_id: int) -> None:
        super().__init__(N_("This call's outcome was already recorded."))
        self.call_id = call_id


class QueueBusy(Conflict):
    """SQLite refused the write because another one committed meanwhile; try again."""

    code = "busy"




# --- what the services hand back ----------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A call item held by one telesales person until `expires_at`.

    `attempt` is the claim number: pass it back to `log_outcome` so a stale screen can
    never close a later claim. `callback_at` is set when this is a promised callback.
    """

    item_id: int
    list_id: int
    company_id: int
    attempt: int
    claimed_at: datetime
    expires_at: datetime
    callback_at: datetime | None = None


@dataclass
class Logged:
    """What one outcome recorded: the call and whatever it set off."""

    call: Call
    lead: Lead | None = None
    conflict: LeadConflict | None = None
    mailing: MailingTask | None = None
    flagged_phone_ids: list[int] = field(default_factory=list)
    item_status: str = CallItemStatus.DONE.value


# --- outcomes (configuration) -----------------------------------------------------------

@dataclass
class OutcomeData:
    """The editable fields of a call outcome."""

    code: str = ""
    label_zh: str = ""
    label_en: str = ""
    hotkey: str | None = None
    bucket: str = OutcomeBucket.NONE.value
    creates_lead: bool = False
    creates_mailing: bool = False
    flags_wrong_number: bool = False
    needs_callback_time: bool = False
    reached: bool = True
    retry_after_minutes: int | None = None
    sort: int = 0
    active: bool = True


def read_outcomes_file(path: str | Path | None = None) -> list[OutcomeData]:
    """Return the outcomes of data/call_outcomes.yaml."""
    path = Path(path or OUTCOMES_FILE)
    entries = (reference.load_yaml(path) or {}).get("outcomes") or []
    allowed = set(OutcomeData.__dataclass_fields__)
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - allowed
        if unknown or not entry.get("code"):
            raise reference.ReferenceDataError(f"{path}: outcomes[{i}]: bad keys {sorted(unknown)}")
        out.append(OutcomeData(**entry))
    return out


def seed_outcomes(session: Session, path: str | Path | None = None) -> int:
    """Add the shipped call outcomes that are missing (by code); edits made since are kept."""
    existing = set(session.scalars(select(CallOutcome.code)))
    added = 0
    for data in read_outcomes_file(path):
        if data.code not in existing:
            session.add(CallOutcome(**vars(data)))
            added += 1
    session.flush()
    return added


def outcomes(session: Session, *, active_only: bool = True) -> list[CallOutcome]:
    """The outcomes in screen order (what the keys 1…8 of the call screen pick)."""
    stmt = select(CallOutcome).order_by(CallOutcome.sort, CallOutcome.id)
    if active_only:
        stmt = stmt.where(CallOutcome.active.is_(True))
    return list(session.scalars(stmt))


def outcome_by_code(session: Session, code: str | None) -> CallOutcome:
    """Return the active outcome with this code, or refuse naming the field `outcome`."""
    found = session.scalars(select(CallOutcome).where(
        CallOutcome.code == (code or ""), CallOutcome.active.is_(True))).first()
    if found is None:
        raise ValidationFailed.on("outcome", N_("Unknown call outcome: %(code)s."), code=code or "")
    return found


def save_outcome(session: Session, data: OutcomeData, outcome: CallOutcome | None = None) -> CallOutcome:
    """Create or change a call outcome after checking its fields (admin page)."""
    errors: dict[str, list[str]] = {}
    data.code = (data.code or "").strip()
    if not _CODE.match(data.code):
        errors["code"] = [N_("Use 2–40 lower-case letters, digits and underscores.")]
    for attr in ("label_zh", "label_en"):
        value = (getattr(data, attr) or "").strip()
        setattr(data, attr, value)
        if not value or len(value) > 60:
            errors[attr] = [N_("Give a label of at most 60 characters.")]
    if data.bucket not in BUCKETS:
        errors["bucket"] = [N_("Pick one of the buckets.")]
    data.hotkey = (data.hotkey or "").strip() or None
    if data.hotkey and len(data.hotkey) > 5:
        errors["hotkey"] = [N_("At most 5 characters.")]
    if data.retry_after_minutes is not None and not 1 <= data.retry_after_minutes <= 10080:
        errors["retry_after_minutes"] = [N_("Between 1 and 10080 minutes.")]
    clash = select(CallOutcome.id).where(CallOutcome.code == data.code)
    if outcome is not None:
        clash = clash.where(CallOutcome.id != outcome.id)
        if outcome.code != data.code:
            errors["code"] = [N_("Codes are kept by past calls and cannot change.")]
    if session.scalar(clash) is not None:
        errors["code"] = [N_("Another outcome has this code.")]
    if data.hotkey and data.active:
        taken = select(CallOutcome.id).where(CallOutcome.hotkey == data.hotkey,
                                             CallOutcome.active.is_(True))
        if outcome is not None:
            taken = taken.where(CallOutcome.id != outcome.id)
        if session.scalar(taken) is not None:
            errors["hotkey"] = [N_("Another active outcome uses this key.")]
    if errors:
        raise ValidationFailed(errors)
    if outcome is None:
        outcome = CallOutcome()
        session.add(outcome)
    for key, value in vars(data).items():
        setattr(outcome, key, value)
    session.flush()
    return outcome


# --- claiming ----------------------------------------------------------------------------
#
# The queue's statements are built once with bound parameters: a telesales screen claims
# and closes a call every few seconds, and building SQL expressions costs more Python time
# than running them.

_items = CallItem.__table__
_lists = CallList.__table__
_companies = Company.__table__
_TIME = UTCDateTime()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _take_write_lock(session: Session) -> None:
    # SQLite: make the transaction a writer from its first statement (like BEGIN
    # IMMEDIATE), so later reads and the conditional UPDATE see the latest data and cannot
    # be refused halfway. PostgreSQL locks rows instead and needs nothing here.
    if _is_sqlite(session):
        session.execute(_WRITE_LOCK)


_WRITE_LOCK = text("UPDATE call_items SET id = id WHERE 0")
_CLAIM_COLUMNS = (_items.c.id, _items.c.list_id, _items.c.company_id, _items.c.attempts,
                  _items.c.claimed_at, _items.c.claim_expires_at, _items.c.callback_at)


def _as_claim(row) -> Claim:
    return Claim(item_id=row[0], list_id=row[1], company_id=row[2], attempt=row[3],
                 claimed_at=row[4], expires_at=row[5], callback_at=row[6])


_HELD = (select(*_CLAIM_COLUMNS)
         .where(_items.c.claimed_by_id == bindparam("p_user"), _CLAIMED,
                _items.c.claim_expires_at > bindparam("p_now", type_=_TIME))
         .order_by(_items.c.claimed_at.desc()).limit(1))


def current_claim(session: Session, user: User, now: datetime | None = None) -> Claim | None:
    """Return the call this user holds and has not closed yet, if any."""
    row = session.execute(_HELD, {"p_user": user.id, "p_now": now or utcnow()}).first()
    return _as_claim(row) if row else None


def _setting(key: str):
    return (select(Setting.__table__.c.value).where(Setting.__table__.c.key == key)
            .scalar_subquery())


@cache
def _lists_stmt(one_list: bool, any_owner: bool):
    # The queue's settings ride along (one round trip fewer per claim).
    held = _HELD.with_only_columns(_items.c.id).scalar_subquery()
    stmt = (select(_lists.c.id, _lists.c.priority, _setting(CLAIM_MINUTES),
                   _setting(CALLBACK_GRACE), held)
            .select_from(_lists.outerjoin(Exhibition.__table__,
                                          Exhibition.__table__.c.id == _lists.c.exhibition_id))
            .where(_lists.c.closed_at.is_(None)))
    if one_list:
        stmt = stmt.where(_lists.c.id == bindparam("p_list"))
    if not any_owner:
        stmt = stmt.where(or_(_lists.c.owner_id == bindparam("p_user"),
                              _lists.c.owner_id.is_(None)))
    return stmt.order_by(_lists.c.owner_id.is_(None), Exhibition.__table__.c.starts_on.is_(None),
                         Exhibition.__table__.c.starts_on, _lists.c.id)


def _lists_for(session: Session, user: User, list_id: int | None,
               now: datetime) -> tuple[list[tuple[int, bool]], dict[str, int], bool]:
    """The open lists the user works, in serving order — (id, callbacks first) —, the
    queue's settings (claim minutes, callback grace) and whether the user holds a claim.

    Everyone works their own lists and the shared pool; a supervisor may name any list.
    """
    any_owner = list_id is not None and Role(user.role) in access.SUPERVISORS
    stmt = _lists_stmt(list_id is not None, any_owner)
    out = []
    conf = dict(_QUEUE_DEFAULTS)
    holds = False
    for lid, priority, minutes, grace, held in session.execute(
            stmt, {"p_list": list_id, "p_user": user.id, "p_now": now}):
        holds = holds or held is not None
        keys = list(priority or [])
        # Callbacks come first unless the list's priority order puts them after something.
        callbacks_first = not keys or "callback_due" not in keys or keys[0] == "callback_due"
        out.append((lid, callbacks_first))
        if minutes is not None:
            conf[CLAIM_MINUTES] = minutes
        if grace is not None:
            conf[CALLBACK_GRACE] = grace
    return out, {key: int(value) for key, value in conf.items()}, holds


def _callable_company():
    return (_companies.c.do_not_call.is_(False), _companies.c.merged_into_id.is_(None))


@cache
def _take_stmt(callbacks_first: bool):
    """Claim a list's best item: one conditional UPDATE whose subqueries pick it."""
    joined = _items.join(_companies, _companies.c.id == _items.c.company_id)
    ready = (select(_items.c.id).select_from(joined)
             .where(_items.c.list_id == bindparam("p_list"), _READY,
                    _items.c.ready_at <= bindparam("p_now", type_=_TIME), *_callable_company(),
                    or_(_items.c.callback_user_id.is_(None),
                        _items.c.callback_user_id == bindparam("p_user"),
                        _items.c.ready_at <= bindparam("p_grace", type_=_TIME)))
             .order_by(_items.c.ready_at, _items.c.id)
             .limit(1).with_for_update(skip_locked=True, of=_items).scalar_subquery())
    queued = (select(_items.c.id).select_from(joined)
              .where(_items.c.list_id == bindparam("p_list"), _QUEUED, *_callable_company())
              .order_by(_items.c.priority, _items.c.id)
              .limit(1).with_for_update(skip_locked=True, of=_items).scalar_subquery())
    # COALESCE evaluates its second lane only when the first finds nothing.
    pick = func.coalesce(ready, queued) if callbacks_first else func.coalesce(queued, ready)
    return (update(_items)
            .where(_items.c.id == pick,
                   or_(_QUEUED, and_(_READY, _items.c.ready_at <= bindparam("p_now", type_=_TIME))))
            .values(status=CallItemStatus.CLAIMED.value, claimed_by_id=bindparam("p_user"),
                    claimed_at=bindparam("p_now", type_=_TIME),
                    claim_expires_at=bindparam("p_expires", type_=_TIME),
                    ready_at=bindparam("p_expires", type_=_TIME),
                    callback_user_id=None, attempts=_items.c.attempts + 1)
            .returning(*_CLAIM_COLUMNS))


def _take(session: Session, list_id: int, callbacks_first: bool, user: User, now: datetime,
          expires: datetime, grace: timedelta) -> Claim | None:
    row = session.execute(_take_stmt(callbacks_first), {
        "p_list": list_id, "p_user": user.id, "p_now": now, "p_expires": expires,
        "p_grace": now - grace}).first()
    return _as_claim(row) if row else None


_QUEUE_DEFAULTS = {d.key: d.default for d in settings.declared()
                   if d.key in (CLAIM_MINUTES, CALLBACK_GRACE, MAX_ATTEMPTS)}


def claim_next(session: Session, user: User, now: datetime | None = None, *,
               list_id: int | None = None, claim_minutes: int | None = None) -> Claim | None:
    """Claim the next company to call for this user; None when the queue is empty.

    A user who still holds an unexpired claim gets that one back (a double-clicked "next
    call" claims nothing more). Due callbacks promised by the user come first, then
    expired claims and callbacks past their grace time, then queued items by priority.
    Do-not-call and merged-away companies are never handed out.
    """
    access.require(user, "call.work")
    now = now or utcnow()
    try:
        _take_write_lock(session)
        # One read gives the lists, the settings and whether a claim is held already.
        lists, conf, holds = _lists_for(session, user, list_id, now)
        if holds or not lists:
            held = current_claim(session, user, now)
            if held is not None:
                return held
        minutes = claim_minutes or conf[CLAIM_MINUTES]
        grace = timedelta(minutes=conf[CALLBACK_GRACE])
        expires = now + timedelta(minutes=minutes)
        for lid, callbacks_first in lists:
            claim = _take(session, lid, callbacks_first, user, now, expires, grace)
            if claim is not None:
                return claim
        return None
    except OperationalError as exc:
        raise _busy(session, exc) from exc


def _busy(session: Session, exc: OperationalError) -> Exception:
    if _is_sqlite(session) and "locked" in str(exc.orig).lower():
        return QueueBusy(N_("The call queue is busy. Please try again."))
    return exc


def release_claim(session: Session, item_id: int, user: User, now: datetime | None = None) -> None:
    """Give a claimed call back to the queue without an outcome (skip for now)."""
    access.require(user, "call.work")
    now = now or utcnow()
    result = session.execute(
        update(_items).where(_items.c.id == item_id, _CLAIMED, _items.c.claimed_by_id == user.id)
        .values(status=CallItemStatus.QUEUED.value, ready_at=None, claim_expires_at=None))
    if result.rowcount == 0:
        _refuse(session, item_id, user, None, now)


# --- logging an outcome -------------------------------------------------------------------

def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed.on("note", N_("At most %(max)s characters."), max=NOTE_MAX)
    return note or None


def _check_callback(spec: CallOutcome, callback_at: datetime | None, now: datetime) -> datetime | None:
    if not spec.needs_callback_time:
        return None
    if callback_at is None:
        raise ValidationFailed.on("callback_at", N_("Give the time to call back."))
    if callback_at.tzinfo is None:
        raise ValidationFailed.on("callback_at", N_("Give the time with its time zone."))
    if callback_at <= now:
        raise ValidationFailed.on("callback_at", N_("The time to call back must be in the future."))
    if callback_at > now + CALLBACK_HORIZON:
        raise ValidationFailed.on("callback_at", N_("The time to call back must be within a year."))
    return callback_at


@cache
def _close_stmt(kind: str, check_attempt: bool):
    """Close a claim held by this user and not expired: one conditional UPDATE.

    kind: "callback" (comes back at callback_at to its promiser), "retry" (comes back at
    retry_at while attempts remain, else done) or "done".
    """
    now = bindparam("p_now", type_=_TIME)
    conditions = [_items.c.id == bindparam("p_item"), _CLAIMED,
                  _items.c.claimed_by_id == bindparam("p_user"), _items.c.claim_expires_at > now]
    if check_attempt:
        conditions.append(_items.c.attempts == bindparam("p_attempt"))
    values: dict[str, Any] = {"last_outcome": bindparam("p_code"), "claim_expires_at": None}
    if kind == "callback":
        values.update(status=CallItemStatus.CALLBACK.value,
                      ready_at=bindparam("p_callback", type_=_TIME),
                      callback_at=bindparam("p_callback", type_=_TIME),
                      callback_user_id=bindparam("p_user"), done_at=None)
    elif kind == "retry":
        again = _items.c.attempts < bindparam("p_max")
        values.update(status=case((again, literal(CallItemStatus.CALLBACK.value)),
                                  else_=literal(CallItemStatus.DONE.value)),
                      ready_at=case((again, bindparam("p_retry", type_=_TIME)),
                                    else_=null()),
                      done_at=case((again, null()), else_=now),
                      callback_at=None, callback_user_id=None)
    else:
        values.update(status=CallItemStatus.DONE.value, ready_at=None, done_at=now,
                      callback_at=None, callback_user_id=None)
    return (update(_items).where(*conditions).values(**values)
            .returning(_items.c.company_id, _items.c.list_id, _items.c.attempts,
                       _items.c.status))


_OUTCOME = select(CallOutcome, _setting(MAX_ATTEMPTS)).where(
    CallOutcome.code == bindparam("p_code"), CallOutcome.active.is_(True))
_ITEM_COMPANY = select(_items.c.company_id).where(_items.c.id == bindparam("p_item"))


def log_outcome(session: Session, item_id: int, user: User, outcome: str, note: str | None = "",
                *, callback_at: datetime | None = None, contact_id: int | None = None,
                phone_id: int | None = None, attempt: int | None = None,
                now: datetime | None = None) -> Logged:
    """Record the outcome of a claimed call and start what it triggers.

    Refuses an expired claim (ClaimExpired), someone else's (NotYours) and a second
    submit of the same claim (AlreadyLogged, nothing recorded twice). Meeting and
    requirements outcomes open a lead (or a LeadConflict when the company already has an
    open lead); send-materials opens a mailing task; wrong-number flags the phone; a
    callback returns the company at `callback_at` to this user; no-answer and busy retry.
    """
    access.require(user, "call.work")
    now = now or utcnow()
    try:
        _take_write_lock(session)
        note = _clean_note(note)
        found = session.execute(_OUTCOME, {"p_code": outcome or ""}).first()
        if found is None:
            raise ValidationFailed.on("outcome", N_("Unknown call outcome: %(code)s."), code=outcome or "")
        spec, max_attempts = found
        callback_at = _check_callback(spec, callback_at, now)
        if contact_id is not None or phone_id is not None or spec.flags_wrong_number:
            company_id = session.scalar(_ITEM_COMPANY, {"p_item": item_id})
            if company_id is None:
                raise NotFound(N_("No such call."))
            _check_refs(session, company_id, contact_id, phone_id, spec)
        kind = ("callback" if callback_at is not None
                else "retry" if spec.retry_after_minutes else "done")
        params: dict[str, Any] = {"p_item": item_id, "p_user": user.id, "p_now": now,
                                  "p_attempt": attempt, "p_code": spec.code,
                                  "p_callback": callback_at}
        if kind == "retry":
            params["p_max"] = int(max_attempts if max_attempts is not None
                                  else _QUEUE_DEFAULTS[MAX_ATTEMPTS])
            params["p_retry"] = now + timedelta(minutes=spec.retry_after_minutes)
        row = session.execute(_close_stmt(kind, attempt is not None), params).first()
        if row is None:
            _refuse(session, item_id, user, attempt, now)
        company_id, list_id, claim_no, item_status = row
        return _record(session, spec, user, now, note=note, callback_at=callback_at,
                       company_id=company_id, list_id=list_id, item_id=item_id,
                       attempt=claim_no, contact_id=contact_id, phone_id=phone_id,
                       item_status=item_status)
    except OperationalError as exc:
        raise _busy(session, exc) from exc


def _refuse(session: Session, item_id: int, user: User, attempt: int | None, now: datetime):
    """Say why a claim cannot be closed by this user (always raises)."""
    item = session.execute(select(CallItem).where(CallItem.id == item_id)
                           .execution_options(populate_existing=True)).scalar_one_or_none()
    if item is None:
        raise NotFound(N_("No such call."))
    mine = select(Call.id).where(Call.item_id == item_id, Call.user_id == user.id)
    if attempt is not None:
        earlier = session.scalar(mine.where(Call.attempt == attempt))
        if earlier is not None:
            raise AlreadyLogged(earlier)
    if item.claimed_by_id != user.id:
        raise NotYours(N_("Someone else holds this call now."))
    if attempt is not None and attempt != item.attempts:
        raise ClaimExpired(N_("Your claim on this call expired; it was claimed again since."))
    if item.status == CallItemStatus.CLAIMED.value:
        raise ClaimExpired(N_("Your claim on this call expired. Claim the next call to go on."))
    earlier = session.scalar(mine.where(Call.attempt == item.attempts))
    if earlier is not None:
        raise AlreadyLogged(earlier)
    raise NotClaimed(N_("This call is not claimed; claim it first."))


_INSERT_CALL = insert(Call.__table__).returning(Call.__table__.c.id)


def _check_refs(session: Session, company_id: int, contact_id: int | None,
                phone_id: int | None, spec: CallOutcome) -> None:
    """Refuse a contact or phone of another company, or an ambiguous wrong number."""
    if contact_id is not None and session.scalar(select(Contact.company_id).where(
            Contact.id == contact_id)) != company_id:
        raise ValidationFailed.on("contact_id", N_("This contact is not at the company called."))
    if phone_id is not None and session.scalar(select(CompanyPhone.company_id).where(
            CompanyPhone.id == phone_id)) != company_id:
        raise ValidationFailed.on("phone_id", N_("This number is not the company's."))
    if spec.flags_wrong_number and phone_id is None and (session.scalar(
            select(func.count(CompanyPhone.id)).where(
                CompanyPhone.company_id == company_id,
                CompanyPhone.wrong_number.is_(False))) or 0) > 1:
        raise ValidationFailed.on("phone_id", N_("The company has several numbers: say which one was wrong."))


def _record(session: Session, spec: CallOutcome, user: User, now: datetime, *, note,
            callback_at, company_id: int, list_id: int | None, item_id: int | None,
            attempt: int | None, contact_id: int | None, phone_id: int | None,
            item_status: str) -> Logged:
    values = dict(company_id=company_id, contact_id=contact_id, phone_id=phone_id,
                  user_id=user.id, outcome=spec.code, bucket=spec.bucket, reached=spec.reached,
                  note=note, at=now, callback_at=callback_at, item_id=item_id,
                  list_id=list_id, attempt=attempt)
    # A Core INSERT (the unit of work costs more than the call): the row is then attached
    # to the session as if it had been loaded, so callers use it like any record.
    call = Call(id=session.scalar(_INSERT_CALL, values), **values)
    make_transient_to_detached(call)
    session.add(call)
    logged = Logged(call=call, item_status=item_status)
    if spec.flags_wrong_number:
        logged.flagged_phone_ids = _flag_wrong_number(session, company_id, phone_id)
    if spec.creates_lead:
        result = leads.open_from_call(session, company_id, call, bucket=spec.bucket,
                                      user=user, now=now)
        logged.lead, logged.conflict = result.lead, result.conflict
    if spec.creates_mailing:
        logged.mailing = _mailing_for(session, company_id, call, user, now)
    return logged


def _flag_wrong_number(session: Session, company_id: int, phone_id: int | None) -> list[int]:
    if phone_id is None:  # _check_refs made sure there is at most one left
        phone_id = session.scalar(select(CompanyPhone.id).where(
            CompanyPhone.company_id == company_id, CompanyPhone.wrong_number.is_(False)))
    if phone_id is None:
        return []
    phone = session.get(CompanyPhone, phone_id)
    phone.wrong_number = True
    session.flush()
    return [phone_id]


_KEY_AND_OWNER = select(_companies.c.is_key_client, _companies.c.owner_id).where(
    _companies.c.id == bindparam("p_company"))


def _mailing_for(session: Session, company_id: int, call: Call, user: User,
                 now: datetime) -> MailingTask:
    key_client, owner_id = session.execute(_KEY_AND_OWNER, {"p_company": company_id}).one()
    cal = workdays.load(session)
    days = int(settings.get(session, MAILING_DUE_WORKDAYS))
    due = cal.add_workdays(workdays.local_date(now), days) if days else workdays.local_date(now)
    if key_client:
        # A key client gets targeted materials from an executor (who then tries for a
        # meeting): its follower, or its owner; else the supervisor picks one.
        lead = leads.open_lead_of(session, company_id)
        executor_id = lead.executor_id if lead is not None and lead.executor_id else None
        if executor_id is None and owner_id is not None:
            owner = session.get(User, owner_id)
            if owner is not None and Role(owner.role) in leads.EXECUTOR_ROLES:
                executor_id = owner.id
        task = MailingTask(company_id=company_id, call_id=call.id, kind=MailingKind.TARGETED.value,
                           assignee_id=executor_id, due_on=due, created_by_id=user.id,
                           note=call.note)
    else:
        task = MailingTask(company_id=company_id, call_id=call.id,
                           kind=MailingKind.STANDARD_PACK.value, assignee_id=user.id,
                           due_on=due, created_by_id=user.id, note=call.note)
    session.add(task)
    session.flush()
    return task


def log_call(session: Session, user: User, company_id: int, outcome: str, note: str | None = "",
             *, callback_at: datetime | None = None, contact_id: int | None = None,
             phone_id: int | None = None, now: datetime | None = None) -> Logged:
    """Record a call made outside the queue (an executor's follow-up, a returned call).

    The caller must see the company. An executor's call to a company is a contact for the
    new/old attribution (the first one decides it).
    """
    now = now or utcnow()
    company = access.visible_company(session, user, company_id)
    note = _clean_note(note)
    spec = outcome_by_code(session, outcome)
    callback_at = _check_callback(spec, callback_at, now)
    _check_refs(session, company.id, contact_id, phone_id, spec)
    logged = _record(session, spec, user, now, note=note, callback_at=callback_at,
                     company_id=company.id, list_id=None, item_id=None, attempt=None,
                     contact_id=contact_id, phone_id=phone_id,
                     item_status=CallItemStatus.DONE.value)
    if Role(user.role) in leads.EXECUTOR_ROLES and spec.reached:
        leads.record_contact(session, company, user, "call", now)
    return logged


# --- do not call ------------------------------------------------------------------------

def set_do_not_call(session: Session, company: Company, flag: bool = True) -> int:
    """Set or clear a company's do-not-call flag; setting it drops its waiting calls.

    Returns how many queued or callback items were skipped (a claimed one is left to its
    caller, who logs its outcome).
    """
    company.do_not_call = flag
    session.flush()
    if not flag:
        return 0
    return skip_company_items(session, company.id, "do_not_call")


_SKIP = (update(_items)
         .where(_items.c.company_id == bindparam("p_company"),
                text("call_items.status IN ('queued', 'callback')"))
         .values(status=CallItemStatus.SKIPPED.value, ready_at=None,
                 skip_reason=bindparam("p_reason")))


def skip_company_items(session: Session, company_id: int, reason: str) -> int:
    """Drop a company's waiting (queued or callback) call items; return how many."""
    result = session.execute(_SKIP, {"p_company": company_id, "p_reason": reason[:60]})
    return result.rowcount or 0


# --- what the call screen shows ------------------------------------------------------------

@dataclass
class PhoneLine:
    id: int | None
    display: str
    tel_uri: str | None
    kind: str
    wrong_number: bool = False
    contact_id: int | None = None
    label: str | None = None


@dataclass
class CallCard:
    """Everything the call screen shows for one claimed company."""

    claim: Claim | None
    company: Company
    phones: list[PhoneLine]
    contacts: list[Contact]
    past_calls: list[Call]
    participations: list[Participation]
    open_lead: Lead | None
    call_list: CallList | None


def tel_uri(e164: str | None, extension: str | None = None) -> str | None:
    """A `tel:` link for a stored phone (RFC 3966; the extension as ;ext=)."""
    if not e164:
        return None
    return f"tel:{e164};ext={extension}" if extension else f"tel:{e164}"


def call_card(session: Session, user: User, item_id: int, now: datetime | None = None) -> CallCard:
    """Load the company of a call item for the call screen (holder or supervisors only)."""
    now = now or utcnow()
    item = session.get(CallItem, item_id)
    if item is None:
        raise NotFound(N_("No such call."))
    supervisor = Role(user.role) in access.SUPERVISORS | access.MANAGEMENT
    if item.claimed_by_id != user.id and not supervisor:
        raise NotYours(N_("Someone else holds this call now."))
    claim = None
    if item.status == CallItemStatus.CLAIMED.value and item.claimed_by_id == user.id:
        claim = Claim(item.id, item.list_id, item.company_id, item.attempts, item.claimed_at,
                      item.claim_expires_at, item.callback_at)
    company = session.scalars(select(Company).where(Company.id == item.company_id).options(
        selectinload(Company.phones), selectinload(Company.contacts))).one()
    lines = [PhoneLine(p.id, phones.display(p.e164, p.extension) or p.raw,
                       tel_uri(p.e164, p.extension), p.kind, p.wrong_number)
             for p in company.phones]
    for c in company.contacts:
        if c.mobile_e164:
            lines.append(PhoneLine(None, phones.display(c.mobile_e164), tel_uri(c.mobile_e164),
                                   "mobile", contact_id=c.id, label=c.name))
        if c.landline_e164:
            lines.append(PhoneLine(None, phones.display(c.landline_e164, c.landline_ext),
                                   tel_uri(c.landline_e164, c.landline_ext), "landline",
                                   contact_id=c.id, label=c.name))
    past = list(session.scalars(select(Call).where(Call.company_id == company.id)
                                .options(selectinload(Call.user))
                                .order_by(Call.at.desc(), Call.id.desc()).limit(20)))
    booths = list(session.scalars(
        select(Participation).join(Exhibition, Exhibition.id == Participation.exhibition_id)
        .where(Participation.company_id == company.id)
        .options(selectinload(Participation.exhibition))
        .order_by(Exhibition.starts_on.desc().nulls_last(), Participation.id.desc()).limit(30)))
    return CallCard(claim=claim, company=company, phones=lines, contacts=list(company.contacts),
                    past_calls=past, participations=booths,
                    open_lead=leads.open_lead_of(session, company.id),
                    call_list=session.get(CallList, item.list_id))


@dataclass
class ListCount:
    list_id: int
    name: str
    shared: bool
    queued: int
    callbacks_due: int


@dataclass
class Queue:
    """A telesales person's queue: the call held now, callbacks, what is left per list."""

    current: Claim | None
    callbacks: list[CallItem]
    lists: list[ListCount]

    @property
    def waiting(self) -> int:
        return sum(c.queued + c.callbacks_due for c in self.lists)


def my_queue(session: Session, user: User, now: datetime | None = None) -> Queue:
    """Return the user's current claim, their promised callbacks and counts per list."""
    now = now or utcnow()
    callbacks = list(session.scalars(
        select(CallItem).where(CallItem.callback_user_id == user.id,
                               text("call_items.status = 'callback'"))
        .options(selectinload(CallItem.company)).order_by(CallItem.ready_at).limit(100)))
    rows = session.execute(
        select(CallList.id, CallList.name, CallList.owner_id,
               func.count(CallItem.id).filter(text("call_items.status = 'queued'")),
               func.count(CallItem.id).filter(_READY, CallItem.ready_at <= now))
        .outerjoin(CallItem, CallItem.list_id == CallList.id)
        .where(CallList.closed_at.is_(None),
               or_(CallList.owner_id == user.id, CallList.owner_id.is_(None)))
        .group_by(CallList.id, CallList.name, CallList.owner_id)
        .order_by(CallList.owner_id.is_(None), CallList.id))
    lists = [ListCount(lid, name, owner is None, queued or 0, due or 0)
             for lid, name, owner, queued, due in rows]
    return Queue(current=current_claim(session, user, now), callbacks=callbacks, lists=lists)


# --- mailing tasks (寄发资料) ----------------------------------------------------------

METHODS = tuple(m.value for m in MailingMethod)


def mailing_tasks(session: Session, user: User, *, status: str | None = MailingStatus.OPEN.value,
                  unassigned: bool = False) -> list[MailingTask]:
    """Mailing tasks for the user (their own), or for supervisors the unassigned ones."""
    stmt = select(MailingTask).options(selectinload(MailingTask.company)).order_by(
        MailingTask.due_on, MailingTask.id)
    if status:
        stmt = stmt.where(MailingTask.status == status)
    if unassigned and Role(user.role) in access.SUPERVISORS | access.MANAGEMENT:
        stmt = stmt.where(MailingTask.assignee_id.is_(None))
    else:
        stmt = stmt.where(MailingTask.assignee_id == user.id)
    return list(session.scalars(stmt))


def mark_mailing_sent(session: Session, task: MailingTask, user: User, method: str,
                      tracking_no: str | None = None, *, now: datetime | None = None) -> MailingTask:
    """Record that the materials went out (the rules live in crm.services.materials)."""
    from crm.services import materials

    return materials.mark_sent(session, task, user, method, tracking_no, now=now)
