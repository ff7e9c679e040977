"""industry_news: articles with their date and link; the companies they name, matched."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.models import Company, NewsItem


def test_news_items_and_their_mentions_are_stored_and_matched(fixture_crawls):
    out = fixture_crawls["industry_news"]
    with out.db.session() as s:
        ids = {c.name_zh: c.id for c in s.scalars(select(Company))}
        news = {n.url.split("/industry_news/", 1)[1]: n for n in s.scalars(select(NewsItem))}
        assert set(news) == {"2025/hengtai-expands.html", "2025/haier-cooperation.html",
                             "2025/show-preview.html"}
        hengtai = news["2025/hengtai-expands.html"]
        assert (hengtai.title, hengtai.published_on) == ("上海恒泰精密机械有限公司扩建临港工厂",
                                                         date(2025, 5, 12))
        assert hengtai.listing_url.endswith("/industry_news/index.html")
        assert hengtai.crawl_run_id == out.run_id
        mentions = {(n.url.rsplit("/", 1)[1], m.name, m.status, m.company_id)
                    for n in news.values() for m in n.mentions}
    assert mentions == {
        ("hengtai-expands.html", "恒泰精密", "unmatched", None),
        ("hengtai-expands.html", "上海恒泰精密机械有限公司", "linked", ids["上海恒泰精密机械有限公司"]),
        ("haier-cooperation.html", "青岛海尔股份有限公司", "linked", ids["青岛海尔股份有限公司"]),
        # Named in the summary, not in the database: kept, no company made for it.
        ("haier-cooperation.html", "无锡未来能源科技有限公司", "unmatched", None),
    }
    assert set(ids) == {"上海恒泰精密机械有限公司", "青岛海尔股份有限公司"}
    assert out.report["dropped"] == {"missing title": 1}
    assert out.report["details"]["mentions_linked"] == 2
