"""Read ids and page numbers from the query string; nonsense reads as absent, never a 500."""
from __future__ import annotations

from flask import request

from crm.services.fields import as_id

MAX_PAGE = 10_000  # lists count at most 10,000 rows (crm.services.paging.COUNT_CAP)


def id_arg(name: str) -> int | None:
    """A record id from the query string, or None."""
    value = request.args.get(name)
    return as_id(value) if value else None


def page_arg() -> int:
    """The page number asked for, between 1 and MAX_PAGE."""
    value = request.args.get("page", "")
    try:
        return min(max(1, int(value)), MAX_PAGE)
    except ValueError:
        return 1


def int_arg(name: str, low: int = 0, high: int = 9999) -> int | None:
    """A small whole number from the query string (a year), or None."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None
