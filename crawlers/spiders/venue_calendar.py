"""展馆排期: a venue's event calendar — the shows it will host, months ahead.

Every show found is created as an edition at the source's `venue` before any catalogue
exists, so telesales can start on it early.
"""
from __future__ import annotations

from crawlers.spiders.base import SourceSpider


class VenueCalendarSpider(SourceSpider):
    """Upcoming shows at one venue."""

    kind = "venue_calendar"

    def make_item(self, values, **kwargs):
        values.setdefault("venue", self.config["venue"])
        return super().make_item(values, **kwargs)
