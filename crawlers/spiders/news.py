"""行业新闻: an industry news listing — title, date, link and the companies it names.

Names come from the source's `companies` field and from company names with a legal form
in the title and summary; each is matched to the database (crm.services.crawls.store_news).
"""
from __future__ import annotations

from crawlers.spiders.base import SourceSpider


class NewsSpider(SourceSpider):
    """Articles of an industry news listing."""

    kind = "news"
