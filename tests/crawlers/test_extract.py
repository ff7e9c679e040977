"""Reading and cleaning field values; show dates as sites write them."""
from __future__ import annotations

from datetime import date

import pytest
from parsel import Selector

from crawlers.extract import extract, extract_fields, json_items, parse_date_range

HTML = Selector(text="""<div class="ex"><h3> 上海&nbsp;某某<b>机械</b>有限公司 </h3>
<p class="booth">展位号：N1-A101</p><p class="tel">021-1234 / 138 0000 0000</p>
<a class="more" href="/d/1">详情</a></div>""")


def test_selectors_and_cleaning_steps():
    assert extract({"css": "h3 ::text", "join": ""}, HTML) == "上海 某某机械有限公司"
    assert extract({"css": ".booth::text", "regex": r"展位号[:：]\s*(\S+)"}, HTML) == "N1-A101"
    assert extract({"css": ".tel::text", "split": r"\s*/\s*"}, HTML) == ["021-1234", "138 0000 0000"]
    assert extract({"xpath": "//a/@href"}, HTML) == "/d/1"
    assert extract({"css": ".fax::text", "default": "none"}, HTML) == "none"
    assert extract({"css": ".booth::text", "regex": "Stand (.+)"}, HTML) is None
    assert extract({"css": "h3::text", "replace": [["有限公司", ""]]}, HTML) == "上海 某某"
    assert extract_fields({"a": {"css": ".none::text"}, "b": {"value": "x"}}, HTML) == {"b": "x"}


def test_json_paths():
    data = {"data": {"rows": [{"n": "甲", "tels": [{"t": 1}, {"t": "2"}]}]}}
    rows = json_items(data, "data.rows")
    assert extract({"path": "tels[].t", "many": True}, rows[0]) == ["1", "2"]
    assert json_items(data, "data.missing") == []


@pytest.mark.parametrize("text, expected", [
    ("2025年3月5日-8日", (date(2025, 3, 5), date(2025, 3, 8))),
    ("2025.03.05-03.08", (date(2025, 3, 5), date(2025, 3, 8))),
    ("展期：2025-03-05 至 2025-03-08", (date(2025, 3, 5), date(2025, 3, 8))),
    ("2025年12月30日—1月2日", (date(2025, 12, 30), date(2026, 1, 2))),
    ("March 5-8, 2025", (date(2025, 3, 5), date(2025, 3, 8))),
    ("Mar 30 - Apr 2, 2026", (date(2026, 3, 30), date(2026, 4, 2))),
    ("5-8 March 2025", (date(2025, 3, 5), date(2025, 3, 8))),
    ("2025-06-03", (date(2025, 6, 3), date(2025, 6, 3))),
    ("待定", (None, None)),
    ("2025年2月30日", (None, None)),
])
def test_show_dates(text, expected):
    assert parse_date_range(text) == expected
