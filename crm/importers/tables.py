"""Read a sheet of a spreadsheet or CSV into its header and rows of clean text cells.

展商名录读取. Catalogues arrive as .xlsx, .xls or CSV/TSV text in UTF-8, UTF-8 with a BOM,
GBK/GB18030, Big5 or UTF-16, with a title row or two above the header ("2025中国国际汽车零部件
博览会展商名录"), two-row headers under merged cells ("联系方式" over 电话 and 邮箱), empty
spacer rows and columns. This module finds the sheet, the header and the data and returns
every cell as stripped text; what the text means is for catalogue.py and contacts.py.
sources.py opens the file and yields its raw rows.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Self

from crm.importers import messages as msg
from crm.importers.errors import UnreadableFile
from crm.importers.mapping import (
    GROUP_MARK,
    NAME_FIELDS,
    column_letter,
    known_header_count,
    suggest_mapping,
)
from crm.importers.sources import (
    Merge,
    Row,
    Source,
    Workbook,
    cell_text,
    check_not_empty,
    detect_encoding,
    file_kind,
    text_source,
)

__all__ = ["Sheet", "SheetStream", "UnreadableFile", "cell_text", "detect_encoding",
           "iter_sheet_rows", "list_sheets", "read_sheet"]

HEADER_SEARCH_ROWS = 20   # non-empty rows searched for the header
LOOKAHEAD_ROWS = 1000     # data rows a stream reads ahead to find empty columns


@dataclass
class Sheet:
    """One sheet read whole: the header and the data rows, every cell stripped text.

    `row_numbers[i]` is the 1-based row in the file of `rows[i]`, and `columns[j]` the
    0-based file column of `headers[j]` (empty columns are dropped, so they can differ).
    """

    name: str
    header_row: int
    headers: list[str]
    rows: list[list[str]]
    first_data_row: int
    row_numbers: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        """The header of a column, or its letter ("F") when the header is empty."""
        return column_label(self.headers, self.columns, index)


def column_label(headers: Sequence[str], columns: Sequence[int], index: int) -> str:
    return headers[index] or column_letter(columns[index])


# ---- the public entry points ------------------------------------------------------------

def list_sheets(path: str | PathLike[str]) -> list[str]:
    """Name the sheets of a workbook that can hold data; a text file has one, its file name."""
    path = Path(path)
    if file_kind(path) == "text":
        return [path.stem]
    with Workbook(path) as book:
        return book.data_sheet_names()


def read_sheet(path: str | PathLike[str], sheet: str | None = None, *,
               max_rows: int | None = None, purpose: str = "catalogue") -> Sheet:
    """Read one sheet whole: header found, empty rows and columns dropped.

    With `sheet=None` the first sheet whose header has a company-name column is read (for
    `purpose="contacts"`, a person's name column also counts).
    """
    with iter_sheet_rows(path, sheet, max_rows=max_rows, purpose=purpose,
                         lookahead=None) as stream:
        rows = list(stream)
        return Sheet(name=stream.name, header_row=stream.header_row, headers=stream.headers,
                     rows=[cells for _, cells in rows], first_data_row=stream.first_data_row,
                     row_numbers=[number for number, _ in rows], columns=stream.columns,
                     encoding=stream.encoding, warnings=stream.warnings)


def iter_sheet_rows(path: str | PathLike[str], sheet: str | None = None, *,
                    max_rows: int | None = None, purpose: str = "catalogue",
                    lookahead: int | None = LOOKAHEAD_ROWS) -> SheetStream:
    """Open a sheet for streaming: the header is read now, data rows as they are iterated.

    Memory stays bounded for CSV and for big .xlsx files, so a million-row file can be
    imported. Use it as a context manager (or iterate it to the end) so the file is closed.
    Columns with no header are kept when they hold data in the first `lookahead` rows.
    """
    path = Path(path)
    check_not_empty(path)
    if lookahead is None and max_rows is not None:
        lookahead = max_rows  # a preview reads no further than it shows
    if file_kind(path) == "text":
        source = text_source(path, sheet)
    else:
        with Workbook(path) as book:
            source = book.source(_pick_sheet(book, sheet, purpose), max_rows=max_rows)
    return SheetStream(path, source, max_rows=max_rows, purpose=purpose, lookahead=lookahead)


def _pick_sheet(book: Workbook, sheet: str | None, purpose: str) -> str:
    if sheet is not None:
        if sheet in book.all_names:
            return sheet
        listed = ", ".join(f"'{n}'" for n in book.all_names)
        raise UnreadableFile.about(book.path, msg.say(msg.NO_SUCH_SHEET, sheet=sheet,
                                                      sheets=listed))
    tops = {}
    for name in book.data_sheet_names():
        rows = iter(book.first_rows(name, 3 * HEADER_SEARCH_ROWS))
        tops[name] = _take_non_empty(rows, HEADER_SEARCH_ROWS + 1)
    filled = [name for name, top in tops.items() if top]
    if not filled:
        raise UnreadableFile.about(book.path, msg.WORKBOOK_EMPTY)
    return next((name for name in filled if _has_name_column(tops[name], purpose)), filled[0])


def _has_name_column(top: list[Row], purpose: str) -> bool:
    header = _find_header(top, [], purpose)
    wanted = set(NAME_FIELDS) | ({"contact_name"} if purpose == "contacts" else set())
    return bool(wanted & set(suggest_mapping(header.texts, purpose=purpose)))


# ---- a sheet as a stream of rows --------------------------------------------------------

class SheetStream:
    """A sheet whose header is known and whose data rows are read on demand.

    Iterating yields `(row_number, cells)`, cells aligned with `headers`; fully empty rows
    and repeats of the header row are skipped. `warnings` grows while reading (undecodable
    bytes are reported there, not raised).
    """

    def __init__(self, path: Path, source: Source, *, max_rows: int | None,
                 purpose: str, lookahead: int | None) -> None:
        self.path = path
        self.name = source.name
        self.encoding = source.encoding
        self.warnings: list[str] = []
        self._source = source
        self._max_rows = max_rows
        self._closed = False
        try:
            self._read_header(purpose, lookahead)
        except BaseException:
            source.close()
            raise

    def _read_header(self, purpose: str, lookahead: int | None) -> None:
        top = _take_non_empty(self._source.rows, HEADER_SEARCH_ROWS)
        if not top:
            raise UnreadableFile.about(self.path, msg.FILE_EMPTY if self.encoding else
                                       msg.say(msg.SHEET_EMPTY, sheet=self.name))
        header = _find_header(top, self._source.merges, purpose)
        rows = _chain(top[header.data_start:], self._source.rows)
        self._rows = _fill_down(rows, self._source.merges, after=header.last_row)
        ahead = _take_non_empty(self._rows, None if lookahead is None else lookahead + 1)
        width = max([len(header.texts)] + [len(cells) for _, cells in ahead])
        texts = header.texts + [""] * (width - len(header.texts))
        self.columns = [i for i in range(width) if texts[i] or _column_has_data(ahead, i)]
        self.headers = [texts[i] for i in self.columns]
        self.header_row = header.row
        self.first_data_row = ahead[0][0] if ahead else header.last_row + 1
        self._header_cells = _project(header.raw, self.columns)
        self._ahead = ahead
        self._width = width if self.columns == list(range(width)) else None

    def sample(self, count: int = 200) -> list[list[str]]:
        """The first data rows (already read ahead), to judge what the columns hold."""
        return [_project(cells, self.columns) for _, cells in self._ahead[:count]]

    def __iter__(self) -> Iterator[Row]:
        yielded = 0
        try:
            for number, cells in _chain(self._ahead, self._rows):
                if self._max_rows is not None and yielded >= self._max_rows:
                    break
                if len(cells) != self._width:
                    cells = _project(cells, self.columns)
                if not any(cells) or cells == self._header_cells:
                    continue
                yielded += 1
                yield number, cells
            if not yielded and self._max_rows != 0:
                self.warnings.append(f"{self.path.name}: sheet '{self.name}' has a header in "
                                     f"row {self.header_row} but no data below it")
        finally:
            self._ahead = []
            self.close()

    def progress(self) -> float | None:
        """The share of the sheet read so far (0 to 1), for progress bars; None if unknown."""
        return 1.0 if self._closed else self._source.progress()

    def close(self) -> None:
        """Close the file; report undecodable characters met so far."""
        if self._closed:
            return
        self._closed = True
        replaced = self._source.replaced()
        if replaced:
            self.warnings.append(
                f"{self.path.name}: {replaced} characters could not be decoded as "
                f"{self.encoding} and were replaced by '\ufffd'")
        self._source.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _chain(first: list[Row], rest: Iterator[Row]) -> Iterator[Row]:
    yield from first
    yield from rest


def _take_non_empty(rows: Iterator[Row], count: int | None) -> list[Row]:
    taken: list[Row] = []
    for number, cells in rows:
        if any(cells):
            taken.append((number, cells))
            if count is not None and len(taken) >= count:
                break
    return taken


def _column_has_data(rows: list[Row], index: int) -> bool:
    return any(index < len(cells) and cells[index] for _, cells in rows)


def _project(cells: list[str], columns: list[int]) -> list[str]:
    size = len(cells)
    return [cells[i] if i < size else "" for i in columns]


# ---- the header -------------------------------------------------------------------------

@dataclass
class _Header:
    row: int              # 1-based file row of the (first) header row
    last_row: int         # the last header row (the sub-header of a two-row header)
    texts: list[str]      # header text per file column
    raw: list[str]        # the header row as found, to skip it when repeated in the data
    data_start: int       # index into the searched rows of the first row after the header


def _find_header(top: list[Row], merges: list[Merge], purpose: str) -> _Header:
    """Find the header among the first non-empty rows, skipping titles above it."""
    index = _header_index(top, purpose)
    number, cells = top[index]
    cells = list(cells)
    texts = [" ".join(c.split()) for c in cells]
    if index + 1 < len(top) and _is_sub_header(top, index, merges, purpose):
        sub_number, sub = top[index + 1]
        texts = _combine_header_rows(cells, sub, number - 1, merges)
        return _Header(number, sub_number, texts, cells, index + 2)
    return _Header(number, number, texts, cells, index + 1)


def _header_index(top: list[Row], purpose: str) -> int:
    for index, (_, cells) in enumerate(top):
        filled = [c for c in cells if c]
        if len(set(filled)) < 2:
            continue
        known = known_header_count(filled, purpose)
        if known >= 2 or (known and not any(_looks_like_data(c) for c in filled)):
            return index
    for index, (_, cells) in enumerate(top):
        filled = [c for c in cells if c]
        if len(set(filled)) >= 2 and not any(_looks_like_data(c) for c in filled):
            return index
    return 0


_DIGITS = re.compile(r"\d")


def _looks_like_data(cell: str) -> bool:
    """A header cell is short text; an e-mail, a long number or a long text is data."""
    return (len(cell) > 40 or "@" in cell or len(_DIGITS.findall(cell)) >= 5
            or _is_number(cell))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_sub_header(top: list[Row], index: int, merges: list[Merge], purpose: str) -> bool:
    """Tell a second header row ("电话 | 邮箱" under a merged "联系方式") from a data row."""
    number, cells = top[index]
    sub_number, sub = top[index + 1]
    filled = [c for c in sub if c]
    if sub_number != number + 1 or not filled or any(_looks_like_data(c) for c in filled):
        return False
    row = number - 1
    spans_down = any(r0 == row and r1 > row for (r0, _), (r1, _) in merges)
    spans_across = any(r0 == row and c1 > c0 and any(c for c in sub[c0:c1 + 1])
                       for (r0, c0), (_, c1) in merges)
    if spans_down or spans_across:
        return True
    under_gap = any(c and (i >= len(cells) or not cells[i]) for i, c in enumerate(sub))
    return under_gap and known_header_count(filled, purpose) >= 1


def _combine_header_rows(top: list[str], sub: list[str], row: int,
                         merges: list[Merge]) -> list[str]:
    """Join a two-row header column by column: "联系方式 » 电话", or the one row that is set."""
    width = max(len(top), len(sub))
    top = _spread_group_labels(top + [""] * (width - len(top)), sub, row, merges)
    sub = sub + [""] * (width - len(sub))
    texts = []
    for upper, lower in zip(top, sub, strict=True):
        upper, lower = " ".join(upper.split()), " ".join(lower.split())
        if upper and lower and upper != lower:
            texts.append(f"{upper}{GROUP_MARK}{lower}")
        else:
            texts.append(upper or lower)
    return texts


def _spread_group_labels(top: list[str], sub: list[str], row: int,
                         merges: list[Merge]) -> list[str]:
    """Copy a group label over the columns it spans: from merge ranges, or else from the
    empty cells right of it that have a sub-header under them."""
    top = list(top)
    sub = sub + [""] * (len(top) - len(sub))
    across = [(c0, c1) for (r0, c0), (_, c1) in merges if r0 == row and c1 > c0]
    for c0, c1 in across:
        for col in range(c0 + 1, min(c1 + 1, len(top))):
            top[col] = top[col] or top[c0]
    if across:
        return top
    group = ""
    for col, label in enumerate(top):
        if label:
            group = label if sub[col] else ""
        elif sub[col] and group:
            top[col] = group
        else:
            group = ""
    return top


def _fill_down(rows: Iterator[Row], merges: list[Merge], *, after: int) -> Iterator[Row]:
    """Repeat the value of a cell merged over several data rows (a company with two booths)
    in each of those rows. Merges within one row are left alone: they are section labels."""
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for (r0, c0), (r1, c1) in merges:
        if r1 > r0 and r0 + 1 > after:
            starts.setdefault(r0 + 1, []).append((c0, c1, r1 + 1))
    if not starts:
        yield from rows
        return
    active: list[tuple[int, int, int, str]] = []
    for number, cells in rows:
        active = [m for m in active if m[2] >= number]
        for c0, c1, last in starts.get(number, []):
            if c0 < len(cells) and cells[c0]:
                active.append((c0, c1, last, cells[c0]))
        for c0, c1, _last, value in active:
            for col in range(c0, min(c1 + 1, len(cells))):
                cells[col] = cells[col] or value
        yield number, cells


