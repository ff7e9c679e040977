"""The company database's bulk writers take turns.

Imports (crm.services.ingest), crawl batches, reverts of an import, `crm dedupe` and merges
change the company database one at a time. Two at once would each work from what was
there before the other: both would create the companies new to them (duplicates), an
import would link to a company a revert is deleting, or add facts to one a merge is
folding away. PostgreSQL: a transaction-level advisory lock; SQLite: its one write lock,
taken up front.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crm.services.errors import Conflict, N_

LOCK_KEY = 0x45584C31  # "EXL1", PostgreSQL's advisory lock of the turn
WAIT_SECONDS = 600  # how long a background writer (import, crawl, revert, dedupe) waits
SHORT_WAIT_SECONDS = 5  # how long a person's click (a merge) waits before being told


class TurnNotTaken(Conflict):
    """Another writer kept the turn longer than this one would wait."""


def take(session: Session, waiting: Callable[[], None] | None = None, *,
         wait_seconds: float | None = None) -> None:
    """Wait until no other bulk writer is at work, then hold the turn until this
    transaction ends. Call it before the transaction's first read: SQLite cannot wait for
    its write lock in a transaction that has read already. Taking it again in the same
    transaction is free. `waiting()` is called when the wait begins.

    Raises TurnNotTaken when the turn does not come within `wait_seconds` (WAIT_SECONDS
    by default; on SQLite also when another writer committed since this transaction began
    reading): the caller rolls back, and nothing of it is written.
    """
    seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _take_advisory_lock(conn, waiting, seconds)
    else:
        _take_sqlite_write_lock(conn, waiting, seconds)


def busy_error() -> TurnNotTaken:
    """What a writer is told when another kept the turn (or, on SQLite, the write lock)."""
    return TurnNotTaken(N_("Another import or revert is writing to the company database; "
                           "nothing was changed. Try again when it has finished."))


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": another connection holds its one write lock."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


def _take_advisory_lock(conn, waiting, seconds: float) -> None:
    lock = f"({LOCK_KEY})"
    if conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock{lock}").scalar():
        return
    if waiting is not None:
        waiting()
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, int(seconds * 1000))}ms'")
    try:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock{lock}")
    except OperationalError as exc:
        raise busy_error() from exc
    conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


def _take_sqlite_write_lock(conn, waiting, seconds: float) -> None:
    """A write that changes nothing takes the write lock now, rather than at some later
    statement; first without waiting, to tell whether another writer has it."""
    usual_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    try:
        for wait_ms in (0, max(1, int(seconds * 1000))):
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
            try:
                conn.exec_driver_sql("UPDATE import_batches SET id = id WHERE 0")
                return
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                if wait_ms:
                    raise busy_error() from exc
            if waiting is not None:
                waiting()
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual_ms)}")
