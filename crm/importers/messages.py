"""What an import says about a row or a file: plain English where it is made, the reader's
language where it is shown.

Every row and file message is one of the templates below, filled with its values (`say`). The text
is kept and printed in English (the CLI, `--json`, the row trail in the database); a page
or the rejected-rows workbook shows it in the reader's language (`localize`), matching it
back to its template. One list, so a new message cannot be made without being shown in
Chinese too (tests/importers/test_messages.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache



def N_(message: str) -> str:
    """Mark a template for translation (extracted like crm.services.errors.N_); the importers
    stay clear of the services and the database."""
    return message


TOO_LONG = N_("%(field)s is %(length)s characters long; at most %(limit)s are allowed")
NAME_TOO_LONG = N_("name is %(length)s characters long; at most %(limit)s are allowed")
ROW_NAME_TOO_LONG = N_("The name is %(length)s characters long; a company name has at most "
                       "%(limit)s.")
NO_LETTERS = N_("'%(value)s' is not a company name (it has no letters)")
TOTAL_LINE = N_("'%(value)s' is a total line, not a company")
NO_NAME = N_("no company name")
NO_NAME_RECORD = N_("No company name.")
NO_NAME_ON_CARD = N_("No company name on the card.")
NO_PERSON = N_("no name for the person")
PHONE_TOO_LONG = N_("phone '%(value)s…' is too long to be a phone number")
NO_DIGITS = N_("'%(value)s' is not a phone number (it has no digits)")
BAD_EMAIL = N_("e-mail '%(value)s' is not a valid address")
BAD_AREA = N_("area '%(value)s' is not a number")
AREA_TOO_LARGE = N_("area '%(value)s' is larger than any booth (%(limit)s m² at most)")
BAD_WEBSITE = N_("website '%(value)s' is not a web address")
BAD_CREDIT_CODE = N_("credit code '%(value)s' is not a valid unified social credit code")

# What makes a file unreadable (the message opens with the file's name: "会刊.xls: …").
NO_SUCH_SHEET = N_("there is no sheet '%(sheet)s' (sheets: %(sheets)s)")
WORKBOOK_EMPTY = N_("the workbook is empty: every sheet is empty")
FILE_EMPTY = N_("the file is empty")
SHEET_EMPTY = N_("sheet '%(sheet)s' is empty")
CANNOT_OPEN = N_("cannot open the file (%(reason)s)")
NOT_TABLE_FILE = N_("not a spreadsheet or CSV file (it is %(what)s)")
BINARY_FILE = N_("not a spreadsheet or CSV file (it holds binary data; is it damaged or of "
                 "another kind?)")
DAMAGED_WORKBOOK = N_("the workbook is damaged (the file is incomplete or not a real .xlsx)")
NOT_SPREADSHEET = N_("not a spreadsheet (it is %(what)s)")
PASSWORD = N_("the workbook is password-protected; open it in Excel, remove the password "
              "and save it again")
PASSWORD_XLSX = N_("the workbook is password-protected; remove the password in Excel and "
                   "save it again")
HTML_FILE = N_("this is a web page (HTML) saved with a spreadsheet name; open it in Excel "
               "and save it as .xlsx")
XML_2003 = N_("this is an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx")
WORKBOOK_UNREADABLE = N_("the workbook cannot be read (%(reason)s)")
SHEET_UNREADABLE = N_("sheet '%(sheet)s' cannot be read (%(reason)s)")
TEXT_ONE_SHEET = N_("a text file has one sheet, '%(name)s'; there is no sheet '%(sheet)s'")
CSV_ROW = N_("row %(row)s cannot be read as CSV (%(reason)s)")
UNKNOWN_ENCODING = N_("the text encoding cannot be recognised (it is not UTF-8, GBK/GB18030, "
                      "Big5 or UTF-16); save the file as 'CSV UTF-8' and try again")
MISSING_COLUMNS = N_("%(what)s (headers found in sheet '%(sheet)s', row %(row)s: %(found)s)")
# Kinds of file and missing columns, told in the messages above as %(what)s.
KINDS = (N_("a PNG image"), N_("a JPEG image"), N_("a GIF image"), N_("a PDF document"),
         N_("a RAR archive"), N_("a 7-Zip archive"), N_("a gzip archive"), N_("a media file"),
         N_("a Word document"), N_("a PowerPoint presentation"), N_("a ZIP archive"))
NO_NAME_COLUMN = N_("no company-name column; expected a header such as 公司名称, 展商名称, "
                    "参展商, Company or Exhibitor")
NO_PERSON_COLUMN = N_("no column for the person's name; expected a header such as 姓名, 联系人 "
                      "or Name")
NO_COMPANY_COLUMN = N_("no company column; a contact belongs to a company, expected a header "
                       "such as 公司, 单位, 公司名称 or Company")
FILE_TEMPLATES = (NO_SUCH_SHEET, WORKBOOK_EMPTY, FILE_EMPTY, SHEET_EMPTY, CANNOT_OPEN,
                  NOT_TABLE_FILE, BINARY_FILE, DAMAGED_WORKBOOK, NOT_SPREADSHEET, PASSWORD,
                  PASSWORD_XLSX, HTML_FILE, XML_2003, WORKBOOK_UNREADABLE, SHEET_UNREADABLE,
                  TEXT_ONE_SHEET, CSV_ROW, UNKNOWN_ENCODING, MISSING_COLUMNS)
TRANSLATED_VALUES = ("what",)  # values that are themselves templates (KINDS, NO_*_COLUMN)
_KNOWN_VALUES = frozenset(KINDS + (NO_NAME_COLUMN, NO_PERSON_COLUMN, NO_COMPANY_COLUMN))

# Tried in this order: a template opening with a value (TOO_LONG) comes after those it
# could swallow ("name is … characters long").
TEMPLATES = (NAME_TOO_LONG, ROW_NAME_TOO_LONG, NO_LETTERS, TOTAL_LINE, NO_NAME,
             NO_NAME_RECORD, NO_NAME_ON_CARD, NO_PERSON, PHONE_TOO_LONG, NO_DIGITS, BAD_EMAIL,
             BAD_AREA, AREA_TOO_LARGE, BAD_WEBSITE, BAD_CREDIT_CODE, TOO_LONG)


def say(template: str, **values: object) -> str:
    """The message in English, its values filled in."""
    return template % values


def localize(message: str | None, gettext: Callable[[str], str]) -> str | None:
    """The message in the language of `gettext`; a message of no template stays as it is."""
    if not message:
        return message
    found = _localize(message, gettext)
    if found is not None:
        return found
    # "会刊.xls: the file is empty": the file's name, then the message.
    start = message.find(": ")
    while start != -1:
        found = _localize(message[start + 2:], gettext)
        if found is not None:
            return message[:start + 2] + found
        start = message.find(": ", start + 2)
    return message


def _localize(message: str, gettext: Callable[[str], str]) -> str | None:
    for pattern, template in _patterns():
        match = pattern.fullmatch(message)
        if match:
            values = match.groupdict()
            known = [name for name in TRANSLATED_VALUES if name in values
                     and values[name] in _KNOWN_VALUES]
            if len(known) < len([name for name in TRANSLATED_VALUES if name in values]):
                continue  # e.g. the file's name caught by a leading %(what)s
            for name in known:
                values[name] = gettext(values[name])
            return gettext(template) % values
    return None


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in TEMPLATES + FILE_TEMPLATES:
        escaped = re.escape(template)
        pattern = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.*)", escaped)
        out.append((re.compile(pattern, re.DOTALL), template))
    return out
