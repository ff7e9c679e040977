"""Pick a record by id from a long list: a text input with a datalist htmx keeps filled.

A select with thousands of companies is unusable on a phone; the picker shows at most a
few dozen suggestions for what was typed, and the chosen id is what gets submitted.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, ValidationError

from crm.models import CompanyKind
from crm.services import exhibitions, fields, pavilions, venues
from crm.web import database

OPTION_LIMIT = 30


class IdField(StringField):
    """A record id typed or picked from suggestions; `source` names the suggestion list."""

    def __init__(self, label=None, validators=None, source: str = "companies", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.source = source

    def process_data(self, value):
        self.data = "" if value is None else str(value)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = (valuelist[0] or "").strip()

    def pre_validate(self, form):
        if self.data and fields.as_id(self.data) is None:
            raise ValidationError(_l("Pick an entry from the suggestions."))

    @property
    def id_value(self) -> int | None:
        return fields.as_id(self.data) if self.data else None


def _companies(kind: str | None) -> Callable[[str], list[tuple[int, str]]]:
    def find(query: str) -> list[tuple[int, str]]:
        return exhibitions.company_options(database.session(), current_user, query, kind=kind,
                                           limit=OPTION_LIMIT)
    return find


SOURCES: dict[str, Callable[[str], list[tuple[int, str]]]] = {
    "companies": _companies(None),
    "organizers": _companies(CompanyKind.ORGANIZER.value),
    "competitors": _companies(CompanyKind.COMPETITOR.value),
    "pavilion_organizers": _companies(CompanyKind.PAVILION_ORGANIZER.value),
    "venue_operators": _companies(CompanyKind.VENUE_OPERATOR.value),
    "venues": lambda q: venues.options(database.session(), q, OPTION_LIMIT),
    "pavilions": lambda q: pavilions.options(database.session(), q, OPTION_LIMIT),
    "exhibitions": lambda q: exhibitions.exhibition_options(database.session(), q, OPTION_LIMIT),
}
# Short reference lists are offered in full before anything is typed; company lists
# only after typing (there may be hundreds of thousands).
PRELOADED = {"venues", "pavilions"}


def options(source: str, query: str = "") -> list[tuple[int, str]]:
    return SOURCES[source](query)


def picked_label(field: IdField) -> str | None:
    """The name of the record a picker currently holds, to show beside the id."""
    record_id = field.id_value
    if record_id is None:
        return None
    found = SOURCES[field.source](str(record_id))
    return found[0][1] if found else None


def picker_context(*fields: IdField) -> dict:
    """Template values for the pickers of a form: initial options and picked names."""
    context = {}
    for f in fields:
        label = picked_label(f)
        if f.source in PRELOADED:
            initial = options(f.source)
        else:
            initial = [(f.id_value, label)] if label else []
        context[f.name] = {"options": initial, "label": label}
    return context


def query_from_request() -> str:
    """What was typed: htmx sends the input under its own name, a plain link sends q."""
    if "q" in request.args:
        return request.args["q"]
    for key, value in request.args.items():
        if key != "source":
            return value
    return ""
