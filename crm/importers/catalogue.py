"""Read a show catalogue (会刊 / 展商名录) into validated exhibitor rows.

One row per exhibitor and booth: the company's names in Chinese and English, the booth
(number, hall, area, type), where the company comes from, how to reach it and who to ask
for. Values that cannot be read are reported as RowErrors and left out; a row without a
usable company name is rejected. Nothing here touches the database: crm.services.ingest
takes these rows from here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike

from crm.importers.countries import country_code, province_of
from crm.importers import messages as msg
from crm.importers.errors import MappingError, RowError
from crm.importers.mapping import NAME_FIELDS
from crm.importers.rows import Cells, ReadResult, RowStream, open_rows
from crm.importers.tables import LOOKAHEAD_ROWS
from crm.importers.values import (
    BadValue,
    booth_type,
    check_name,
    credit_code,
    one_line,
    origin,
    origin_of_country,
    parse_area,
    split_names,
    website,
)

__all__ = ["CatalogueResult", "CatalogueRow", "MappingError", "RowError", "iter_catalogue",
           "read_catalogue"]

NO_NAME_COLUMN = msg.NO_NAME_COLUMN
SPECIAL_BUILD_TYPES = ("special", "raw_space")


@dataclass
class CatalogueRow:
    """展商: one exhibitor row of a catalogue, its values cleaned and checked.

    `phones` holds the company numbers (several per cell are split, kept as typed);
    `contact_mobile` and `contact_email` are set only when the row names a contact
    person — without one, mobiles join `phones` and every e-mail stays in `emails`.
    `errors` lists this row's problems; `rejected` rows are not to be imported.
    """

    row: int
    sheet: str
    name_zh: str | None = None
    name_en: str | None = None
    booth_no: str | None = None
    hall: str | None = None
    area_m2: Decimal | None = None
    booth_type: str | None = None  # special / standard / raw_space
    origin: str | None = None  # domestic / foreign / agent
    country: str | None = None  # ISO 3166 alpha-2
    province: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    phones: list[str] = field(default_factory=list)
    fax: str | None = None
    emails: list[str] = field(default_factory=list)
    credit_code: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    contact_department: str | None = None
    contact_mobile: str | None = None
    contact_email: str | None = None
    wechat: str | None = None
    pavilion: str | None = None
    industry: str | None = None
    products: str | None = None
    notes: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """A fatal error (no usable company name) keeps the row out of the import."""
        return any(error.fatal for error in self.errors)

    @property
    def special_build_target(self) -> bool:
        """特装/光地: the exhibitor builds its own booth, so it needs a builder like us."""
        return self.booth_type in SPECIAL_BUILD_TYPES


class CatalogueResult(ReadResult[CatalogueRow]):
    """A catalogue read whole (see ReadResult)."""


CatalogueStream = RowStream[CatalogueRow]


def read_catalogue(path: str | PathLike[str], *, sheet: str | None = None,
                   mapping: Mapping[str, str | int | None] | None = None,
                   max_rows: int | None = None) -> CatalogueResult:
    """Read a catalogue file whole: every exhibitor row checked, with its errors.

    `mapping` (field → header text, column letter, 1-based number as text, or header
    index as int) overrides the suggested mapping for the fields it names. Raises
    UnreadableFile when the file cannot be read, MappingError when no column holds the
    company name.
    """
    stream = _open(path, sheet, mapping, max_rows, lookahead=None)
    return stream.read_all(CatalogueResult)  # type: ignore[return-value]


def iter_catalogue(path: str | PathLike[str], *, sheet: str | None = None,
                   mapping: Mapping[str, str | int | None] | None = None,
                   max_rows: int | None = None) -> CatalogueStream:
    """Open a catalogue for reading row by row in bounded memory (big files, the CLI)."""
    return _open(path, sheet, mapping, max_rows, lookahead=LOOKAHEAD_ROWS)


def _open(path: str | PathLike[str], sheet: str | None,
          mapping: Mapping[str, str | int | None] | None, max_rows: int | None,
          lookahead: int | None) -> CatalogueStream:
    return open_rows(path, sheet=sheet, mapping=mapping, max_rows=max_rows,
                     purpose="catalogue", required=[(NAME_FIELDS, NO_NAME_COLUMN)],
                     build=catalogue_row, lookahead=lookahead)


def catalogue_row(cells: Cells) -> CatalogueRow:
    """Turn one data row into a CatalogueRow, noting every value that cannot be used."""
    row = CatalogueRow(row=cells.row, sheet=cells.sheet, raw=cells.as_raw(),
                       errors=cells.errors)
    row.name_zh, row.name_en = company_names(cells)
    _read_booth(cells, row)
    _read_place(cells, row)
    _read_reach(cells, row)
    _read_contact(cells, row)
    row.pavilion = cells.text("pavilion")
    row.industry = cells.text("industry")
    row.products = cells.text("products", lines=True)
    row.notes = _join_notes(cells.text("notes", lines=True), *_notes_about(cells, row))
    return row


def company_names(cells: Cells) -> tuple[str | None, str | None]:
    """The Chinese and English names from the name columns; a problem rejects the row.

    Each name cell is split by script, so a "Chinese name" column holding only English
    fills name_en, and a cell with both names fills both.
    """
    zh = en = None
    for name in NAME_FIELDS:
        if name in cells.mapping:
            cell_zh, cell_en = split_names(cells.raw(name))
            zh, en = zh or cell_zh, en or cell_en
    if zh is None and en is None:
        cells.error(_name_column(cells), msg.NO_NAME, fatal=True)
        return None, None
    try:
        check_name(zh or en)  # type: ignore[arg-type]
        if zh and en:
            check_name(en)
    except BadValue as exc:
        cells.error(_name_column(cells), str(exc), fatal=True)
        return None, None
    return zh, en


def _name_column(cells: Cells) -> str:
    return next(name for name in NAME_FIELDS if name in cells.mapping)


def _read_booth(cells: Cells, row: CatalogueRow) -> None:
    row.booth_no = cells.text("booth_no", nfkc=True)
    row.hall = cells.text("hall", nfkc=True)
    row.area_m2 = cells.parse("area_m2", parse_area)
    row.booth_type = cells.parse("booth_type", booth_type)


def _read_place(cells: Cells, row: CatalogueRow) -> None:
    row.province = cells.text("province")
    row.city = cells.text("city")
    row.address = cells.text("address")
    country_text = one_line(cells.raw("country"))
    if country_text:
        row.country = country_code(country_text)
        row.province = row.province or province_of(country_text)
    row.origin = cells.parse("origin", origin) or origin_of_country(row.country)


def _read_reach(cells: Cells, row: CatalogueRow) -> None:
    row.website = cells.parse("website", website)
    row.credit_code = cells.parse("credit_code", credit_code)
    row.phones = cells.phones("phone")
    faxes = cells.phones("fax")
    row.fax = faxes[0] if faxes else None
    row.emails = cells.emails()
    row.wechat = cells.text("wechat")


def _read_contact(cells: Cells, row: CatalogueRow) -> None:
    row.contact_name = cells.text("contact_name")
    row.contact_title = cells.text("contact_title")
    row.contact_department = cells.text("contact_department")
    mobiles = cells.phones("mobile")
    if row.contact_name:
        row.contact_mobile = mobiles[0] if mobiles else None
        row.contact_email = row.emails[0] if row.emails else None
        mobiles = mobiles[1:]
    row.phones += [m for m in mobiles if m not in row.phones]


def _notes_about(cells: Cells, row: CatalogueRow) -> list[str]:
    """Text that was given but not understood is kept as a note, not lost."""
    notes = []
    for name, value, label in (("country", row.country, "country"),
                               ("booth_type", row.booth_type, "booth type"),
                               ("origin", row.origin, "origin")):
        if value is None and name in cells.mapping:
            text = one_line(cells.raw(name))
            if text:
                notes.append(f"{label}: {text}")
    return notes


def _join_notes(*parts: str | None) -> str | None:
    return "\n".join(p for p in parts if p) or None
