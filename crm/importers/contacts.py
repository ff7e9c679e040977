"""Read a list of business cards (名片) into validated contact rows.

One row per person: name, company (Chinese and English), title, department, mobile,
landline, e-mail, WeChat, address and website. A card without a person's name or without
a company is rejected: a contact always belongs to a company. Nothing here touches the
database: crm.services.ingest takes these rows from here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike

from crm.importers.catalogue import company_names
from crm.importers import messages as msg
from crm.importers.errors import MappingError, RowError
from crm.importers.mapping import NAME_FIELDS
from crm.importers.rows import Cells, ReadResult, RowStream, open_rows
from crm.importers.tables import LOOKAHEAD_ROWS
from crm.importers.values import website

__all__ = ["ContactRow", "ContactsResult", "MappingError", "RowError", "iter_contacts",
           "read_contacts"]

NO_PERSON_COLUMN = msg.NO_PERSON_COLUMN
NO_COMPANY_COLUMN = msg.NO_COMPANY_COLUMN


@dataclass
class ContactRow:
    """名片: one person from a business-card list, values cleaned and checked.

    When a cell holds several numbers or addresses the first is used and the others are
    kept in `other_phones` / `other_emails`.
    """

    row: int
    sheet: str
    name: str | None = None
    company_zh: str | None = None
    company_en: str | None = None
    title: str | None = None
    department: str | None = None
    mobile: str | None = None
    landline: str | None = None
    email: str | None = None
    wechat: str | None = None
    address: str | None = None
    website: str | None = None
    fax: str | None = None
    notes: str | None = None
    other_phones: list[str] = field(default_factory=list)
    other_emails: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(error.fatal for error in self.errors)


class ContactsResult(ReadResult[ContactRow]):
    """A business-card list read whole (see ReadResult)."""


ContactsStream = RowStream[ContactRow]


def read_contacts(path: str | PathLike[str], *, sheet: str | None = None,
                  mapping: Mapping[str, str | int | None] | None = None,
                  max_rows: int | None = None) -> ContactsResult:
    """Read a business-card file whole; see read_catalogue for `mapping` and the errors."""
    stream = _open(path, sheet, mapping, max_rows, lookahead=None)
    return stream.read_all(ContactsResult)  # type: ignore[return-value]


def iter_contacts(path: str | PathLike[str], *, sheet: str | None = None,
                  mapping: Mapping[str, str | int | None] | None = None,
                  max_rows: int | None = None) -> ContactsStream:
    """Open a business-card file for reading row by row in bounded memory."""
    return _open(path, sheet, mapping, max_rows, lookahead=LOOKAHEAD_ROWS)


def _open(path: str | PathLike[str], sheet: str | None,
          mapping: Mapping[str, str | int | None] | None, max_rows: int | None,
          lookahead: int | None) -> ContactsStream:
    return open_rows(path, sheet=sheet, mapping=mapping, max_rows=max_rows,
                     purpose="contacts", lookahead=lookahead, build=contact_row,
                     required=[(("contact_name",), NO_PERSON_COLUMN),
                               (NAME_FIELDS, NO_COMPANY_COLUMN)])


def contact_row(cells: Cells) -> ContactRow:
    """Turn one business card into a ContactRow, noting every value that cannot be used."""
    row = ContactRow(row=cells.row, sheet=cells.sheet, raw=cells.as_raw(), errors=cells.errors)
    row.name = cells.text("contact_name")
    if row.name is None:
        cells.error("contact_name", msg.NO_PERSON, fatal=True)
    row.company_zh, row.company_en = company_names(cells)
    row.title = cells.text("contact_title")
    row.department = cells.text("contact_department")
    row.wechat = cells.text("wechat")
    row.address = cells.text("address")
    row.website = cells.parse("website", website)
    row.notes = cells.text("notes", lines=True)
    _read_numbers(cells, row)
    _read_emails(cells, row)
    return row


def _read_numbers(cells: Cells, row: ContactRow) -> None:
    mobiles, landlines = cells.phones("mobile"), cells.phones("phone")
    faxes = cells.phones("fax")
    row.mobile = mobiles[0] if mobiles else None
    row.landline = landlines[0] if landlines else None
    row.fax = faxes[0] if faxes else None
    row.other_phones = mobiles[1:] + landlines[1:]


def _read_emails(cells: Cells, row: ContactRow) -> None:
    emails = cells.emails()
    row.email = emails[0] if emails else None
    row.other_emails = emails[1:]
