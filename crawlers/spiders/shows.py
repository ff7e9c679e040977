"""主办方展会列表: an organizer's list of its shows (name, dates, venue).

Each show edition is created ahead of time, or completed when known
(crm.services.exhibitions.upsert_from_calendar); the source's `organizer` becomes the
shows' organizer, found or created as a company through the ingest path.
"""
from __future__ import annotations

from crawlers.spiders.base import SourceSpider


class OrganizerShowsSpider(SourceSpider):
    """The shows an organizer announces."""

    kind = "shows"
