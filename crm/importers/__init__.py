"""Importers: read a catalogue or business-card file into validated rows; no database.

    tables.py     list_sheets, read_sheet, iter_sheet_rows: a file → header and text cells
                  (sources.py opens .xlsx/.xls/.csv…, tells encodings and delimiters)
    mapping.py    FIELDS, suggest_mapping, load_mapping_file: which column is which field
    catalogue.py  read_catalogue, iter_catalogue → CatalogueRow (会刊 / 展商名录)
    contacts.py   read_contacts, iter_contacts → ContactRow (名片)
    errors.py     UnreadableFile (exit 2), MappingError, RowError (row, column, message)

crm.services.ingest writes what these return; the CLI and the web import screens call both.
"""
from crm.importers.errors import MappingError, RowError, UnreadableFile

__all__ = ["MappingError", "RowError", "UnreadableFile"]
