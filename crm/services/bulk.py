"""Bulk reads and writes for the import path's large batches.

An import of a show catalogue writes hundreds of thousands of rows (companies, facts, the
audit trail, match keys, search terms). SQLAlchemy's per-row parameter processing and its
multi-row INSERT statements (which the driver parses again for every batch) would cost more
than the database itself; here rows go straight to the driver: PostgreSQL's COPY, SQLite's
executemany. Values are converted the way the mapped column types would convert them
(times in UTC, JSON as text, Decimal as text on SQLite), so what is read back through the
ORM is the same.

Reads of many rows by key (`chunks`, `one_of`) send PostgreSQL one array parameter
(`= ANY(%s)`) instead of an IN list of hundreds of placeholders, which the driver would
parse anew for every statement.

Everything runs inside the caller's transaction; nothing here commits.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

PG_CHUNK = 10_000  # keys in one array parameter
SQLITE_CHUNK = 500  # placeholders in one IN list (SQLite allows 32,766 in all)


def chunks(bind, values: Iterable[Any]) -> Iterable[list[Any]]:
    """`values` in slices of the size one `one_of` condition takes on this database."""
    items = list(values)
    size = PG_CHUNK if _dialect(bind) == "postgresql" else SQLITE_CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def one_of(bind, column, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL."""
    if _dialect(bind) == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _dialect(bind) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


def insert_plain(conn, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert tuples of plain values (text, numbers) into `columns` of `table`."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, columns, rows)
        return
    conn.exec_driver_sql(_insert_sql(conn, table, columns), rows)


def insert_rows(conn, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows, with the columns' Python defaults filled in for missing keys."""
    if not rows:
        return
    names = list(dict.fromkeys(k for row in rows for k in row))
    defaults = {}
    for column in table.columns:
        if column.name in names or column.primary_key and column.autoincrement:
            continue
        if column.default is not None and (column.default.is_scalar
                                           or column.default.is_callable):
            defaults[column.name] = column.default.arg
    columns = names + list(defaults)
    convert = _converter(conn, table, columns)
    values = []
    for row in rows:
        out = [row.get(name) for name in names]
        for default in defaults.values():
            out.append(default(None) if callable(default) else default)
        values.append(convert(out))
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table.name, columns, values)
        return
    conn.exec_driver_sql(_insert_sql(conn, table.name, columns), values)


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


def copy_rows(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a PostgreSQL table inside the connection's current transaction."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    with conn.connection.dbapi_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _insert_sql(conn, table: str, columns: Sequence[str]) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(mark for _ in columns)})'


def _converter(conn, table: Table, columns: Sequence[str]):
    """A function turning one row's values into what the driver takes for these columns."""
    sqlite = conn.dialect.name == "sqlite"
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    stamps: dict[datetime, str] = {}  # most rows of a batch carry the same time

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            text_ = stamps.get(value)
            if text_ is None:
                text_ = stamps[value] = value.astimezone(timezone.utc).strftime(
                    "%Y-%m-%d %H:%M:%S.%f")
            return text_
        if isinstance(value, Decimal):
            return str(value)
        return value

    def convert(values: list[Any]) -> tuple:
        for i in json_at:
            if values[i] is not None:
                values[i] = json.dumps(values[i], ensure_ascii=False, default=str)
        if sqlite:
            return tuple(plain(v) for v in values)
        return tuple(values)

    return convert
