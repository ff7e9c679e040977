"""展商名录: an exhibitor directory of one show edition (the source's `exhibition`).

Fields are the columns of a show catalogue (name_zh, name_en, booth_no, hall, area_m2,
phone, email, website …), so a crawled exhibitor is cleaned, matched and written exactly
like a row of an Excel catalogue.
"""
from __future__ import annotations

from crawlers.spiders.base import SourceSpider


class ExhibitorDirectorySpider(SourceSpider):
    """Exhibitors of a show edition, from its online directory."""

    kind = "exhibitors"
