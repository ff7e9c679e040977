"""Raw rows of a file: what kind of file it is, its encoding, its sheets and cells as text.

A source knows nothing of headers; tables.py finds the header and the data. Workbooks are
read with python-calamine (fast; .xlsx/.xlsm/.xlsb/.xls/.ods); an .xlsx sheet too big to
hold in memory is streamed with openpyxl's read-only mode instead. Text is read with the
standard csv module, which streams and accepts ragged rows (a one-cell title line above a
ten-column header) — the reason pandas is not used here.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Self

import charset_normalizer
import python_calamine as calamine

from crm.importers import messages as msg
from crm.importers.errors import UnreadableFile

SAMPLE_BYTES = 256 * 1024  # text examined to tell the encoding and the delimiter
# An .xlsx sheet whose XML is larger than this is streamed with openpyxl (slow, bounded
# memory) rather than loaded by calamine (fast, but the whole sheet sits in memory).
STREAM_XLSX_ABOVE = 200 * 1024 * 1024
DELIMITERS = (",", "\t", ";", "|")
PREVIEW_MARGIN_ROWS = 1000  # rows read beyond max_rows, for title rows and empty rows
Row = tuple[int, list[str]]  # (1-based row number in the file, cells)
Merge = tuple[tuple[int, int], tuple[int, int]]  # 0-based ((first row, col), (last row, col))


@dataclass
class Source:
    """Raw rows of one sheet, before the header is found."""

    name: str
    rows: Iterator[Row]
    merges: list[Merge] = field(default_factory=list)
    encoding: str | None = None
    close: Callable[[], None] = lambda: None
    replaced: Callable[[], int] = lambda: 0
    progress: Callable[[], float | None] = lambda: None  # share of the sheet read, 0 to 1


# ---- cells ------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def cell_text(value: Any) -> str:
    """Stripped text of a cell: '' for empty, 36 for 36.0, ISO dates, no control characters."""
    if type(value) is str:
        return value.strip() if value.isprintable() else _clean_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", _CONTROL.sub("", text))
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _float_text(value: float) -> str:
    if value.is_integer():  # False for inf and nan
        return str(int(value)) if -1e16 < value < 1e16 else format(value, ".15g")
    if math.isnan(value) or value in _INFINITIES:
        return ""
    return format(value, ".15g")


_INFINITIES = (float("inf"), float("-inf"))


# ---- what kind of file ------------------------------------------------------------------

_SIGNATURES = [
    (b"\x89PNG", msg.N_("a PNG image")), (b"\xff\xd8\xff", msg.N_("a JPEG image")),
    (b"GIF8", msg.N_("a GIF image")), (b"%PDF", msg.N_("a PDF document")),
    (b"Rar!", msg.N_("a RAR archive")), (b"7z\xbc\xaf", msg.N_("a 7-Zip archive")),
    (b"\x1f\x8b", msg.N_("a gzip archive")), (b"RIFF", msg.N_("a media file")),
]
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_not_empty(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile.about(path, msg.say(msg.CANNOT_OPEN, reason=exc.strerror)) from exc
    if size == 0:
        raise UnreadableFile.about(path, msg.FILE_EMPTY)


def file_kind(path: Path) -> str:
    """Say "workbook" or "text" from the file's first bytes, whatever its name says."""
    check_not_empty(path)
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PK\x03\x04"):
        _check_zip_is_workbook(path)
        return "workbook"
    if head.startswith(_OLE):
        _check_ole_is_workbook(path)
        return "workbook"
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise UnreadableFile.about(path, msg.say(msg.NOT_TABLE_FILE, what=what))
    _check_not_markup(path, head)
    if _looks_binary(head):
        raise UnreadableFile.about(path, msg.BINARY_FILE)
    return "text"


def _check_zip_is_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile.about(path, msg.DAMAGED_WORKBOOK) from exc
    if any(n.startswith(("xl/", "content.xml")) for n in names):
        return
    what = (msg.N_("a Word document") if any(n.startswith("word/") for n in names) else
            msg.N_("a PowerPoint presentation") if any(n.startswith("ppt/") for n in names)
            else msg.N_("a ZIP archive"))
    raise UnreadableFile.about(path, msg.say(msg.NOT_SPREADSHEET, what=what))


def _check_ole_is_workbook(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if "EncryptedPackage".encode("utf-16-le") in head:
        raise UnreadableFile.about(path, msg.PASSWORD)
    for stream, what in (("WordDocument", msg.N_("a Word document")),
                         ("PowerPoint Document", msg.N_("a PowerPoint presentation"))):
        if stream.encode("utf-16-le") in head:
            raise UnreadableFile.about(path, msg.say(msg.NOT_SPREADSHEET, what=what))


def _check_not_markup(path: Path, head: bytes) -> None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        raise UnreadableFile.about(path, msg.HTML_FILE)
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise UnreadableFile.about(path, msg.XML_2003)


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    control = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return control > max(2, len(head) // 100)


# ---- workbooks --------------------------------------------------------------------------

class Workbook:
    """A workbook open for reading, its errors turned into UnreadableFile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.book = calamine.CalamineWorkbook.from_path(str(path))
        except calamine.PasswordError as exc:
            raise UnreadableFile.about(path, msg.PASSWORD_XLSX) from exc
        except Exception as exc:
            raise UnreadableFile.about(path, msg.say(msg.WORKBOOK_UNREADABLE,
                                                     reason=exc)) from exc
        self.all_names: list[str] = list(self.book.sheet_names)
        self._sizes = _xlsx_sheet_sizes(path)
        self._sheets: dict[str, Any] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._sheets.clear()
        try:
            self.book.close()
        except calamine.WorkbookClosed:
            pass

    def data_sheet_names(self) -> list[str]:
        """Visible worksheets (not charts or macro sheets); all sheets if none is visible."""
        names = [meta.name for meta in self.book.sheets_metadata
                 if meta.typ == calamine.SheetTypeEnum.WorkSheet
                 and meta.visible == calamine.SheetVisibleEnum.Visible]
        return names or self.all_names

    def first_rows(self, name: str, count: int) -> list[Row]:
        """The first `count` rows of a sheet, read cheaply even from a huge one."""
        if self._too_big(name):
            source = _openpyxl_source(self.path, name)
            try:
                return [row for _, row in zip(range(count), source.rows)]
            finally:
                source.close()
        return [(n, [cell_text(v) for v in values])
                for n, values in enumerate(self._values(name, count), start=1)]

    def source(self, name: str, *, max_rows: int | None = None) -> Source:
        """The rows of a sheet: loaded by calamine, or streamed if the sheet is huge.

        With `max_rows` (a preview) only that many rows and a margin for titles and gaps
        are turned into Python values.
        """
        if self._too_big(name):
            return _openpyxl_source(self.path, name)
        nrows = None if max_rows is None else max_rows + PREVIEW_MARGIN_ROWS
        values = self._values(name, nrows)
        rows = ((n, [cell_text(v) for v in row]) for n, row in enumerate(values, start=1))
        position = _Position(len(values))
        return Source(name, position.follow(rows), self._merges(name),
                      progress=position.share)

    def _too_big(self, name: str) -> bool:
        return self._sizes.get(name, 0) > STREAM_XLSX_ABOVE

    def _sheet(self, name: str) -> Any:
        """The calamine sheet, loaded once (loading parses the whole sheet)."""
        if name not in self._sheets:
            try:
                self._sheets[name] = self.book.get_sheet_by_name(name)
            except Exception as exc:
                raise UnreadableFile.about(self.path, msg.say(
                    msg.SHEET_UNREADABLE, sheet=name, reason=exc)) from exc
        return self._sheets[name]

    def _values(self, name: str, nrows: int | None = None) -> list[list[Any]]:
        return self._sheet(name).to_python(skip_empty_area=False, nrows=nrows)

    def _merges(self, name: str) -> list[Merge]:
        try:
            return list(self._sheet(name).merged_cell_ranges or [])
        except Exception:  # noqa: BLE001  (merges are a nicety; the sheet still reads)
            return []


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def _xlsx_sheet_sizes(path: Path) -> dict[str, int]:
    """Sheet name → uncompressed size of its XML in an .xlsx (empty for other formats)."""
    if not zipfile.is_zipfile(path):
        return {}
    try:
        with zipfile.ZipFile(path) as archive:
            rels = archive.read("xl/_rels/workbook.xml.rels")
            targets = {attrs.get(b"Id"): attrs.get(b"Target", b"").decode()
                       for attrs in map(_attributes, re.findall(rb"<Relationship\b[^>]*>", rels))}
            sizes = {}
            for tag in _SHEET_TAG.findall(archive.read("xl/workbook.xml")):
                attrs = _attributes(tag)
                rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
                target = targets.get(rid, "").lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                name = _xml_unescape(attrs.get(b"name", b"").decode("utf-8"))
                sizes[name] = archive.getinfo(member).file_size if member in archive.namelist() else 0
            return sizes
    except (KeyError, zipfile.BadZipFile, OSError, UnicodeDecodeError):
        return {}


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(tag))


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _openpyxl_source(path: Path, name: str) -> Source:
    import openpyxl  # only for sheets too big for calamine's in-memory read

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book[name]
    rows = ((number, [cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
    position = _Position(sheet.max_row or 0)
    return Source(name, position.follow(rows), close=book.close, progress=position.share)


class _Position:
    """How far through a known number of rows the reading has come."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def follow(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self.done = row[0]
            yield row

    def share(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


# ---- text files -------------------------------------------------------------------------

def text_source(path: Path, sheet: str | None) -> Source:
    if sheet not in (None, "", path.stem, path.name):
        raise UnreadableFile.about(path, msg.say(msg.TEXT_ONE_SHEET, name=path.stem,
                                                 sheet=sheet))
    encoding = detect_encoding(path)
    delimiter = _detect_delimiter(path, encoding)
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    binary = path.open("rb")
    handle = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    lines = _CountingLines(handle)
    reader = csv.reader(lines, delimiter=delimiter)
    size = path.stat().st_size
    return Source(path.stem, _csv_rows(path, reader), encoding=_encoding_name(encoding),
                  close=handle.close, replaced=lambda: lines.replaced,
                  progress=lambda: None if binary.closed else min(1.0, binary.tell() / size))


class _CountingLines:
    """Lines of a text file with NUL bytes removed, counting undecodable characters."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.replaced = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            if "\x00" in line:
                line = line.replace("\x00", "")
            if "\ufffd" in line:
                self.replaced += line.count("\ufffd")
            yield line


def _csv_rows(path: Path, reader: Any) -> Iterator[Row]:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if "".join(cells).isprintable():
                yield number, list(map(str.strip, cells))
            else:
                yield number, [c.strip() if c.isprintable() else _clean_text(c) for c in cells]
    except csv.Error as exc:
        raise UnreadableFile.about(path, msg.say(msg.CSV_ROW, row=number + 1,
                                                 reason=exc)) from exc


def _encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16", "utf-8": "UTF-8",
            "gb18030": "GB18030", "big5": "Big5", "cp1252": "Windows-1252"}.get(encoding,
                                                                                encoding)


def detect_encoding(path: str | PathLike[str]) -> str:
    """Tell the text encoding: a BOM, else UTF-8, GB18030 (GBK), Big5 or Windows-1252."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
        for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                              (codecs.BOM_UTF16_BE, "utf-16")):
            if head.startswith(bom):
                return encoding
        fh.seek(0)
        sample = _non_ascii_sample(fh)
    if sample is None:
        return "utf-8"
    return _guess_encoding(path, sample)


def _non_ascii_sample(fh: io.BufferedReader) -> bytes | None:
    """The first stretch of the file that holds non-ASCII bytes, starting at a line."""
    while chunk := fh.read(1 << 20):
        if not chunk.isascii():
            first = _NON_ASCII.search(chunk).start()  # type: ignore[union-attr]
            start = chunk.rfind(b"\n", 0, first) + 1
            sample = chunk[start:start + SAMPLE_BYTES]
            if len(sample) < SAMPLE_BYTES:
                sample += fh.read(SAMPLE_BYTES - len(sample))
            return sample
    return None


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _decodes(sample: bytes, encoding: str) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _guess_encoding(path: Path, sample: bytes) -> str:
    if _decodes(sample, "utf-8") is not None or _nearly_utf8(sample):
        return "utf-8"
    chinese = _decodes(sample, "gb18030")
    if chinese is not None and _mostly_common_hanzi(chinese):
        return "gb18030"
    candidates = [e for e in ("gb18030", "big5", "cp1252") if _decodes(sample, e) is not None]
    if not candidates:
        raise UnreadableFile.about(path, msg.UNKNOWN_ENCODING)
    if len(candidates) == 1:
        return candidates[0]
    best = charset_normalizer.from_bytes(sample, cp_isolation=candidates).best()
    return codecs.lookup(best.encoding).name if best else candidates[0]


def _nearly_utf8(sample: bytes) -> bool:
    """UTF-8 with a stray bad byte or two (a damaged file) is still UTF-8."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    wide = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    return wide >= 20 and bad <= max(3, wide // 100)


def _mostly_common_hanzi(text: str) -> bool:
    """GBK text decodes to common (GB2312) characters; other bytes decode to rare ones."""
    wide = "".join(ch for ch in text if ord(ch) > 0x7F)
    if not wide:
        return False
    rare = wide.encode("gb2312", errors="replace").count(b"?")
    return rare <= 0.2 * len(wide)


def _detect_delimiter(path: Path, encoding: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent columns."""
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        lines = [line for line in fh.read(SAMPLE_BYTES // 4).splitlines()[:60] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    preferred = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    best, best_score = preferred, 0.0
    for delimiter in (preferred, *[d for d in DELIMITERS if d != preferred]):
        score = _delimiter_score(lines, delimiter)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _delimiter_score(lines: list[str], delimiter: str) -> float:
    try:
        widths = [len(cells) for cells in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        return 0.0
    widths = [w for w in widths if w > 1]
    if not widths:
        return 0.0
    common = max(set(widths), key=widths.count)
    return widths.count(common) * min(common, 50) / len(lines)

