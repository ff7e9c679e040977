"""Errors an importer reports: a file it cannot read at all, columns it cannot map, a bad row.

A file-level error stops the import (the CLI exits with status 2); a row error is reported
with its row and column and the other rows go on. Messages are plain English that names
the file, so they can be shown as they are in the CLI and the JSON output; row messages are
made from the templates of crm.importers.messages, which the web shows in Chinese.
"""
from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be read as a table: not a spreadsheet, empty, undecodable, locked …"""

    def __init__(self, file: str | PathLike[str], message: str) -> None:
        self.file = str(file)
        self.message = message
        super().__init__(message)

    @classmethod
    def about(cls, file: str | PathLike[str], reason: str) -> UnreadableFile:
        """Build the error with a message that starts with the file's name."""
        return cls(file, f"{Path(file).name}: {reason}")


class MappingError(UnreadableFile):
    """The columns cannot be mapped: a required column is missing, or a mapping file is wrong.

    `missing` names the fields that could not be found, `found` the headers that were
    there; for a mapping file, `line` and `field` point at the offending entry.
    """

    def __init__(self, file: str | PathLike[str], message: str, *,
                 missing: list[str] | None = None, found: list[str] | None = None,
                 line: int | None = None, field: str | None = None) -> None:
        super().__init__(file, message)
        self.missing = missing or []
        self.found = found or []
        self.line = line
        self.field = field


@dataclass
class RowError:
    """One problem in one row: its 1-based row number in the file, the column and what is wrong.

    `fatal` errors reject the row (no company name, a name too long to be one); the others
    drop only the bad value and keep the row.
    """

    row: int
    column: str | None
    message: str
    fatal: bool = False

    def as_dict(self) -> dict[str, object]:
        """The shape of the `errors` entries in `crm import … --json`."""
        return {"row": self.row, "column": self.column, "message": self.message}
