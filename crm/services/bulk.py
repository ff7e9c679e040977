"""Bulk reads and writes for the import path's large batches.

An import of a show catalogue writes hundreds of thousands of rows (companies, facts, the
audit trail, match keys, search terms). SQLAlchemy's per-row parameter processing and its
multi-row INSERT statements (which the driver parses again for every batch) would cost more
than the database itself; here rows go straight to the driver: PostgreSQL's COPY (text
built here, `copy_text`), SQLite's multi-row INSERTs. Values are converted the way the
mapped column types would convert them (times in UTC, JSON as text, Decimal as text on
SQLite), so what is read back through the ORM is the same.

Reads of many rows by key (`chunks`, `one_of`) send one parameter, an array on PostgreSQL
(`= ANY(%s)`) and a JSON list read by `json_each` on SQLite, instead of an IN list of
hundreds of placeholders, which would be compiled anew for every statement.

Everything runs inside the caller's transaction; nothing here commits.
"""
from __future__ import annotations

import gc
import json
import re
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from typing import Any, Iterator

from sqlalchemy import (JSON, ColumnElement, DateTime, Numeric, String, Table, any_, bindparam,
                        func, select, text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

PG_CHUNK = 10_000  # keys in one array parameter
SQLITE_CHUNK = 10_000  # values in one JSON list for json_each
SQLITE_MAX_VARIABLES = 30_000  # parameters of one multi-row INSERT


def chunks(bind, values: Iterable[Any]) -> Iterable[list[Any]]:
    """`values` in slices of the size one `one_of` condition takes on this database."""
    items = list(values)
    size = PG_CHUNK if _dialect(bind) == "postgresql" else SQLITE_CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def one_of(bind, column, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values` as one parameter: an array on PostgreSQL, a JSON list read by
    json_each on SQLite (numbers and text; other values as an IN list).

    One parameter keeps the statement's text the same whatever the number of values, so
    neither SQLAlchemy nor the driver compiles it again for each chunk.
    """
    values = list(values)
    if _dialect(bind) == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if all(v.__class__ is int or v.__class__ is str for v in values):
        each = func.json_each(bindparam(None, json.dumps(values, ensure_ascii=False),
                                        type_=String)).table_valued("value")
        return column.in_(select(each.c.value))
    return column.in_(values)


# While a bulk job runs, the cyclic garbage collector looks at the young objects once every
# million allocations (CPython's default: 700) and never at the older generations: what
# survives one look is what the job holds (rows, profiles, names taken apart), and walking
# it again finds nothing. Looking at the older generations too, every 50 looks at the young
# one, cost 4–5 s of CPU in a 100,000-row import (bench/README.md).
BULK_GC_THRESHOLDS = (1_000_000, 1_000_000, 1_000_000)
_gc_lock = threading.Lock()
_gc_holders = 0
_gc_thresholds: tuple[int, int, int] | None = None


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """Keep Python's cyclic garbage collector from walking a bulk job's data again and again.

    An import holds millions of live objects (rows, names taken apart, profiles, rows to
    write), and CPython walks every one of them in a full collection, which it runs each
    time the survivors grew by a quarter: on a catalogue of 100,000 rows a dozen walks, a
    third of the import's time, to find almost no garbage. What exists when the job starts
    is frozen (not walked again) and collections run far less often until it ends. Reference
    counting frees almost everything as usual; a cycle is collected while its objects are
    young, or after the job.
    Process-wide, so held by a count: the last job to end puts the settings back.
    """
    global _gc_holders, _gc_thresholds
    with _gc_lock:
        if _gc_holders == 0:
            _gc_thresholds = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*BULK_GC_THRESHOLDS)
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_thresholds is not None:
                gc.set_threshold(*_gc_thresholds)
                gc.unfreeze()


def _dialect(bind) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


@dataclass
class Batch:
    """Rows encoded for one table, ready to send: COPY text on PostgreSQL, tuples else.

    Encoding is Python's work and sending the database's: a caller may encode in one
    thread while another sends what was encoded before (crm.services.ingest does).
    """

    table: str
    columns: tuple[str, ...]
    data: bytes | list[tuple]
    count: int


def plain_batch(dialect: str, table: str, columns: Sequence[str], rows: list[tuple]) -> Batch:
    """Tuples of plain values (text, numbers) for `columns` of `table`."""
    data: bytes | list[tuple] = copy_text(rows) if dialect == "postgresql" else rows
    return Batch(table, tuple(columns), data, len(rows))


def text_batch(table: str, columns: Sequence[str], lines: list[str]) -> Batch | None:
    """COPY lines the caller made ("value<TAB>value<LF>"), or None when a value would
    have needed escaping (a tab, line break, backslash or carriage return in it)."""
    text = "".join(lines)
    if (text.count("\t") != len(lines) * (len(columns) - 1) or text.count("\n") != len(lines)
            or _BACKSLASH_OR_CR.search(text)):
        return None
    return Batch(table, tuple(columns), text.encode(), len(lines))


def rows_batch(dialect: str, table: Table, rows: list[dict[str, Any]]) -> Batch:
    """Dict rows, with the columns' Python defaults filled in for missing keys."""
    names = list(dict.fromkeys(k for row in rows for k in row))
    defaults = {}
    for column in table.columns:
        if column.name in names or column.primary_key and column.autoincrement:
            continue
        if column.default is not None and (column.default.is_scalar
                                           or column.default.is_callable):
            defaults[column.name] = column.default.arg
    columns = names + list(defaults)
    convert = _converter(dialect, table, columns)
    values = []
    for row in rows:
        out = [row.get(name) for name in names]
        for default in defaults.values():
            out.append(default(None) if callable(default) else default)
        values.append(convert(out))
    return plain_batch(dialect, table.name, columns, values)


def send(conn, batch: Batch) -> None:
    """Write an encoded batch inside the connection's current transaction."""
    if not batch.count:
        return
    if conn.dialect.name == "postgresql":
        quoted = ", ".join(f'"{c}"' for c in batch.columns)
        with conn.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{batch.table}" ({quoted}) FROM STDIN') as copy:
                copy.write(batch.data)
        return
    # SQLite: several hundred rows a statement. executemany would step once a row, and let
    # go of the GIL and take it back each time: behind a busy thread, a wait every row.
    rows = batch.data
    per = max(1, min(500, SQLITE_MAX_VARIABLES // len(batch.columns)))
    whole = len(rows) // per * per
    if whole:
        sql = _insert_sql(conn, batch.table, batch.columns, rows=per)
        for start in range(0, whole, per):
            conn.exec_driver_sql(sql, tuple(chain.from_iterable(rows[start:start + per])))
    if whole < len(rows):
        conn.exec_driver_sql(_insert_sql(conn, batch.table, batch.columns), rows[whole:])


def insert_rows(conn, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows, with the columns' Python defaults filled in for missing keys."""
    if rows:
        send(conn, rows_batch(conn.dialect.name, table, rows))


# COPY text is built with stand-ins for the tab, newline and NULL it is made of, so that
# escaping (rarely needed: a backslash, tab or line break inside a value) is one pass
# over the whole text, never a call per value.
_FIELD, _LINE, _NULL = "\x00", "\x01", "\x02"  # PostgreSQL text cannot hold NUL anyway
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_BACKSLASH_OR_CR = re.compile(r"[\\\r]")
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r",
                         _FIELD: "\t", _LINE: "\n", _NULL: "\\N"})


def _json_or_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return _JSON.encode(value)
    return str(value)


_FORMAT: dict[type, Any] = {
    type(None): lambda _v: _NULL, int: str, float: repr, Decimal: str,
    bool: lambda v: "t" if v else "f",
    datetime: lru_cache(maxsize=256)(datetime.isoformat),  # a batch shares a few times
}


def copy_text(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows in PostgreSQL's COPY text format (tab-separated, \\N for NULL, escaped)."""
    if not rows:
        return b""
    fmt = _FORMAT.get
    lines = [_FIELD.join([v if v.__class__ is str else fmt(v.__class__, _json_or_text)(v)
                          for v in row]) for row in rows]
    text = _LINE.join(lines) + _LINE
    # A value holding a stand-in character itself (control characters pasted from a
    # spreadsheet) would shift the fields: then escape value by value instead.
    nulls = sum(row.count(None) for row in rows)
    if (text.count(_LINE) != len(rows) or text.count(_NULL) != nulls
            or text.count(_FIELD) != len(rows) * (len(rows[0]) - 1)):
        return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()
    if _NEEDS_ESCAPE.search(text):
        return text.translate(_ESCAPE).encode()
    return text.replace(_FIELD, "\t").replace(_LINE, "\n").replace(_NULL, "\\N").encode()


_VALUE_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else _fmt_value(value)
    return text.translate(_VALUE_ESCAPES)


def _fmt_value(value: Any) -> str:
    return _FORMAT.get(value.__class__, _json_or_text)(value)


@dataclass(frozen=True)
class Staged:
    """Rows of `table` held in a temporary table, then inserted in the order of the
    table's key (`order`) in one statement.

    For SQLite and tables whose large indexes are written in random key order (search
    terms, match keys): with an index larger than the page cache, every chunk would read,
    dirty and write most of its pages again; in one ordered pass each page is written
    once. (PostgreSQL's cost there is per row, not per page, and its chunk-by-chunk
    writes go on beside the matching, so it does not hold them back.) Send rows with
    `send(conn, batch)` to a Batch for `holding`; start and finish run in the batch's
    own transaction.

    `listed` names a column held as a JSON list (SQLite's json_each reads it): one held row
    then stands for one row per element — a company's thirty search terms are one row to
    send, not thirty.
    """

    table: str
    columns: tuple[str, ...]
    order: tuple[str, ...]
    listed: str | None = None

    @property
    def holding(self) -> str:
        return f"staged_{self.table}"

    def start(self, conn) -> None:
        """Create the (empty) holding table, shaped like the table's columns."""
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS temp."{self.holding}"')
        conn.exec_driver_sql(f'CREATE TEMPORARY TABLE "{self.holding}" AS '
                             f'SELECT {self._columns} FROM "{self.table}" WHERE 1 = 0')

    def finish(self, conn) -> None:
        """Move the held rows into the table, in key order, and drop the holding table."""
        order = ", ".join(f'"{c}"' for c in self.order)
        held = f'"{self.holding}"'
        if self.listed is not None:
            values = ", ".join(f'each.value AS "{c}"' if c == self.listed else f'held."{c}"'
                               for c in self.columns)
            held = f'(SELECT {values} FROM {held} AS held, json_each(held."{self.listed}") AS each)'
        conn.exec_driver_sql(f'INSERT INTO "{self.table}" ({self._columns}) SELECT '
                             f'{self._columns} FROM {held} ORDER BY {order}')
        conn.exec_driver_sql(f'DROP TABLE "{self.holding}"')

    @property
    def _columns(self) -> str:
        return ", ".join(f'"{c}"' for c in self.columns)


def reserve_ids(conn, table: Table, count: int) -> list[int]:
    """Take `count` new primary keys of `table`, so its rows can be copied with their ids.

    PostgreSQL hands them out from the table's sequence (safe beside other writers). On
    SQLite the import already holds the database's write lock (it has written its batch
    row), so the ids after the current largest one are this transaction's alone.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :n)"), {"table": table.name, "n": count}).scalars())
    top = conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table.name}"')).scalar()
    return list(range(int(top) + 1, int(top) + 1 + count))


def _insert_sql(conn, table: str, columns: Sequence[str], *, rows: int = 1) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(f'"{c}"' for c in columns)
    values = "(" + ", ".join(mark for _ in columns) + ")"
    return f'INSERT INTO "{table}" ({quoted}) VALUES {", ".join([values] * rows)}'


def _converter(dialect: str, table: Table, columns: Sequence[str]):
    """A function turning one row's values into what the driver takes for these columns.

    Only the columns whose type needs it are touched (JSON; on SQLite times and Decimals):
    an import converts millions of values.
    """
    types = [table.c[name].type for name in columns]
    json_at = [i for i, type_ in enumerate(types) if isinstance(type_, JSON)]
    sqlite = dialect == "sqlite"
    stamp_at = [i for i, type_ in enumerate(types) if sqlite and _is_datetime(type_)]
    decimal_at = [i for i, type_ in enumerate(types) if sqlite and isinstance(type_, Numeric)]
    stamps: dict[datetime, str] = {}  # most rows of a batch carry the same time

    def stamp(value: Any) -> Any:
        if not isinstance(value, datetime):
            return value
        text_ = stamps.get(value)
        if text_ is None:
            text_ = stamps[value] = value.astimezone(timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S.%f")
        return text_

    def convert(values: list[Any]) -> tuple:
        for i in json_at:
            if values[i] is not None:
                values[i] = _JSON.encode(values[i])
        for i in stamp_at:
            values[i] = stamp(values[i])
        for i in decimal_at:
            if isinstance(values[i], Decimal):
                values[i] = str(values[i])
        return tuple(values)

    return convert


def _is_datetime(type_: Any) -> bool:
    return isinstance(type_, DateTime) or isinstance(getattr(type_, "impl", None), DateTime)


# One encoder for every value (json.dumps with options builds a new one each call).
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
