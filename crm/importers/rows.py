"""What catalogue and business-card readers share: the mapping used, cells by field, results.

A reader opens a sheet (tables.py), settles the column mapping (the one given, filled in
with suggestions), checks the columns it cannot do without, and turns each data row into
a dataclass through `Cells`, which collects a RowError for every bad value.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from crm.importers import messages as msg
from crm.importers.errors import MappingError, RowError
from crm.importers.mapping import FIELDS, resolve_mapping, suggest_mapping
from crm.importers.tables import SheetStream, column_label, iter_sheet_rows
from crm.importers.values import BadValue, block, one_line, split_emails, split_phones

T = TypeVar("T")
GivenMapping = Mapping[str, str | int | None]
MAX_PHONE_LENGTH = 60  # company_phones.raw and contacts.mobile hold 60 characters


class Cells:
    """The cells of one data row, read by field name; bad values become RowErrors."""

    __slots__ = ("errors", "labels", "mapping", "row", "sheet", "values")

    def __init__(self, row: int, sheet: str, values: list[str], mapping: dict[str, int],
                 labels: list[str]) -> None:
        self.row = row
        self.sheet = sheet
        self.values = values
        self.mapping = mapping
        self.labels = labels
        self.errors: list[RowError] = []

    def raw(self, name: str) -> str:
        """The cell's text as read ('' when the field is not mapped)."""
        index = self.mapping.get(name)
        return "" if index is None else self.values[index]

    def column(self, name: str) -> str | None:
        index = self.mapping.get(name)
        return None if index is None else self.labels[index]

    def error(self, name: str | None, message: str, *, fatal: bool = False) -> None:
        column = self.column(name) if name else None
        self.errors.append(RowError(self.row, column, message, fatal))

    def text(self, name: str, *, lines: bool = False, nfkc: bool = False) -> str | None:
        """The cell as one line of text (or lines kept), None when empty or a placeholder;
        too long for its field → a RowError and None, never silently cut."""
        index = self.mapping.get(name)
        raw = None if index is None else self.values[index]
        if not raw:
            return None
        if nfkc and not raw.isascii():
            raw = unicodedata.normalize("NFKC", raw)
        value = block(raw) if lines else one_line(raw)
        limit = FIELDS[name].max_length
        if value is not None and limit is not None and len(value) > limit:
            self.error(name, msg.say(msg.TOO_LONG, field=FIELDS[name].label.lower(),
                                     length=f"{len(value):,}", limit=limit))
            return None
        return value

    def parse(self, name: str, parser: Callable[[str], Any]) -> Any:
        """Run a parser from values.py on the cell; BadValue → a RowError and None."""
        index = self.mapping.get(name)
        value = None if index is None else one_line(self.values[index])
        if value is None:
            return None
        try:
            return parser(value)
        except BadValue as exc:
            self.error(name, str(exc))
            return None

    def phones(self, name: str) -> list[str]:
        """The numbers in a phone cell, split and kept as typed; absurd ones are errors."""
        if name not in self.mapping:
            return []
        numbers = []
        for number in split_phones(self.raw(name)):
            if len(number) > MAX_PHONE_LENGTH:
                self.error(name, msg.say(msg.PHONE_TOO_LONG, value=number[:40]))
            else:
                numbers.append(number)
        text = one_line(self.raw(name))
        if not numbers and text and len(text) <= MAX_PHONE_LENGTH:
            self.error(name, msg.say(msg.NO_DIGITS, value=text))
        return numbers

    def emails(self, name: str = "email") -> list[str]:
        """The valid e-mails of a cell, lower-cased; each invalid one is a RowError."""
        if name not in self.mapping:
            return []
        emails, invalid = split_emails(self.raw(name))
        for piece in invalid:
            self.error(name, msg.say(msg.BAD_EMAIL, value=piece))
        return emails

    def as_raw(self) -> dict[str, str]:
        """Every cell of the row by column label, mapped or not."""
        return dict(zip(self.labels, self.values, strict=True))

    @property
    def rejected(self) -> bool:
        return any(e.fatal for e in self.errors)


@dataclass
class ReadResult(Generic[T]):
    """A file read whole: where the data was found, the mapping used, rows and errors.

    `rows` holds the rows to import (some with non-fatal errors), `rejected` the rows
    that cannot be imported, and `errors` every error of both, in row order.
    """

    file: str
    sheet: str
    header_row: int
    headers: list[str]
    mapping: dict[str, int]
    rows: list[T]
    errors: list[RowError]
    rejected: list[T] = field(default_factory=list)
    first_data_row: int = 0
    columns: list[int] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

    def mapped_headers(self) -> dict[str, str]:
        """Field → the header (or column letter) it was read from."""
        return {name: column_label(self.headers, self.columns, index)
                for name, index in self.mapping.items()}


class RowStream(Generic[T]):
    """A file read row by row (bounded memory): header facts now, rows as iterated.

    Iterating yields every row object, rejected ones too (`row.rejected`), so a caller
    can import the good ones and report the others as it goes.
    """

    def __init__(self, path: Path, sheet: SheetStream, mapping: dict[str, int],
                 build: Callable[[Cells], T]) -> None:
        self.file = str(path)
        self.sheet = sheet.name
        self.header_row = sheet.header_row
        self.headers = sheet.headers
        self.columns = sheet.columns
        self.first_data_row = sheet.first_data_row
        self.encoding = sheet.encoding
        self.mapping = mapping
        self._stream = sheet
        self._build = build
        self._labels = unique_labels(sheet.headers, sheet.columns)

    @property
    def warnings(self) -> list[str]:
        return self._stream.warnings

    def progress(self) -> float | None:
        """The share of the file read so far (0 to 1), for a progress bar; None if unknown."""
        return self._stream.progress()

    def __iter__(self) -> Iterator[T]:
        for number, values in self._stream:
            yield self._build(Cells(number, self.sheet, values, self.mapping, self._labels))

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_all(self, result_type: type[ReadResult[T]]) -> ReadResult[T]:
        """Read every row into a result: accepted rows, rejected rows and all errors."""
        rows: list[T] = []
        rejected: list[T] = []
        errors: list[RowError] = []
        with self:
            for item in self:
                (rejected if item.rejected else rows).append(item)  # type: ignore[attr-defined]
                errors.extend(item.errors)  # type: ignore[attr-defined]
        return result_type(file=self.file, sheet=self.sheet, header_row=self.header_row,
                           headers=self.headers, mapping=self.mapping, rows=rows,
                           errors=errors, rejected=rejected,
                           first_data_row=self.first_data_row, columns=self.columns,
                           encoding=self.encoding, warnings=self.warnings)


def unique_labels(headers: list[str], columns: list[int]) -> list[str]:
    """A label per column for `raw`: the header, "电话 (2)" for a repeat, a letter if empty."""
    labels: list[str] = []
    for index in range(len(headers)):
        label = column_label(headers, columns, index)
        base, count = label, 1
        while label in labels:
            count += 1
            label = f"{base} ({count})"
        labels.append(label)
    return labels


Required = Sequence[tuple[tuple[str, ...], str]]  # (any of these fields, message if none)


def open_rows(path: str | PathLike[str], *, sheet: str | None, mapping: GivenMapping | None,
              max_rows: int | None, purpose: str, required: Required,
              build: Callable[[Cells], T], lookahead: int | None) -> RowStream[T]:
    """Open a sheet, settle its mapping and check each required group has a column."""
    path = Path(path)
    stream = iter_sheet_rows(path, sheet, max_rows=max_rows, purpose=purpose,
                             lookahead=lookahead)
    try:
        used = settle_mapping(stream, mapping, purpose)
        for fields, missing in required:
            if not any(name in used for name in fields):
                raise _missing_columns(path, stream, fields, missing)
    except BaseException:
        stream.close()
        raise
    return RowStream(path, stream, used, build)


def settle_mapping(stream: SheetStream, given: GivenMapping | None,
                   purpose: str) -> dict[str, int]:
    """The given mapping wins; suggestions fill the fields it does not mention.

    A field given as None or "" stays unmapped (the user took it away on purpose).
    """
    suggested = suggest_mapping(stream.headers, purpose=purpose, sample=stream.sample())
    if given is None:
        return suggested
    resolved = resolve_mapping(given, stream.headers, stream.columns, file=stream.path)
    used: dict[str, int] = {}
    for name, index in resolved.items():
        if index is None:
            continue
        if index in used.values():
            other = next(k for k, v in used.items() if v == index)
            raise MappingError(stream.path, f"{stream.path.name}: '{name}' and '{other}' are "
                                            "both mapped to column "
                                            f"'{column_label(stream.headers, stream.columns, index)}'",
                               field=name, found=list(stream.headers))
        used[name] = index
    for name, index in suggested.items():
        if name not in resolved and index not in used.values():
            used[name] = index
    return used


def _missing_columns(path: Path, stream: SheetStream, required: tuple[str, ...],
                     what: str) -> MappingError:
    found = ", ".join(f"'{h}'" for h in stream.headers if h) or "none"
    return MappingError(path, f"{path.name}: " + msg.say(
                            msg.MISSING_COLUMNS, what=what, sheet=stream.name,
                            row=stream.header_row, found=found),
                        missing=list(required), found=list(stream.headers))
