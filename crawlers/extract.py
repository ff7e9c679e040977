"""Read a field out of an HTML node or a JSON object as a source file says, and clean it.

A field spec (crm.services.crawl_sources.FieldSpecSchema) has one selector — `css`,
`xpath`, `path` (JMESPath, on JSON) or a constant `value` — then cleaning, in this order:
strip (whitespace collapsed), join several matches with `join` (unless `many`),
`replace` pairs, `regex` (the first group, or the whole match; no match → nothing),
`split` into a list, `default` when nothing is left.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any

import jmespath
from parsel import Selector, SelectorList

Value = str | list[str] | None

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=512)
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=512)
def _jp(expression: str):
    return jmespath.compile(expression)


def select_items(root: Selector, spec: dict[str, Any]) -> SelectorList:
    """The item nodes of a list page."""
    return root.css(spec["css"]) if "css" in spec else root.xpath(spec["xpath"])


def json_items(data: Any, expression: str) -> list[Any]:
    """The items of a JSON answer (a JMESPath that yields a list)."""
    found = _jp(expression).search(data)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _raw(spec: dict[str, Any], node: Any) -> list[str]:
    if "value" in spec:
        return [spec["value"]]
    if "path" in spec:
        found = _jp(spec["path"]).search(node) if isinstance(node, (dict, list)) else None
        return _scalars(found)
    if not isinstance(node, (Selector, SelectorList)):
        return []
    if "css" in spec:
        return node.css(spec["css"]).getall()
    return [v if isinstance(v, str) else str(v) for v in node.xpath(spec["xpath"]).getall()]


def _scalars(found: Any) -> list[str]:
    if found is None or found == "":
        return []
    if isinstance(found, list):
        out: list[str] = []
        for value in found:
            out += _scalars(value)
        return out
    if isinstance(found, bool):
        return [str(found).lower()]
    if isinstance(found, (int, float)):
        return [str(found)]
    if isinstance(found, dict):
        return []
    return [str(found)]


def _clean_one(text: str, spec: dict[str, Any]) -> str | None:
    if spec.get("strip", True):
        text = _SPACE.sub(" ", text.replace("\xa0", " ")).strip()
    for pattern, repl in spec.get("replace") or []:
        text = _re(pattern).sub(repl, text)
    if spec.get("regex"):
        match = _re(spec["regex"]).search(text)
        if match is None:
            return None
        text = next((g for g in match.groups() if g is not None), match.group(0))
    if spec.get("strip", True):
        text = text.strip()
    return text or None


def extract(spec: dict[str, Any], node: Any) -> Value:
    """The cleaned value of one field of one node: text, a list (many/split) or None."""
    raw = [r for r in _raw(spec, node) if r is not None]
    if spec.get("strip", True):
        raw = [_SPACE.sub(" ", r.replace("\xa0", " ")).strip() for r in raw]
        raw = [r for r in raw if r]
    if spec.get("many") or spec.get("split"):
        pieces = raw if spec.get("many") else [spec.get("join", " ").join(raw)] if raw else []
        values: list[str] = []
        for piece in pieces:
            cleaned = _clean_one(piece, spec)
            if cleaned is None:
                continue
            parts = _re(spec["split"]).split(cleaned) if spec.get("split") else [cleaned]
            for part in parts:
                part = part.strip()
                if part and part not in values:
                    values.append(part)
        if not values and spec.get("default"):
            return [spec["default"]]
        return values or None
    text = _clean_one(spec.get("join", " ").join(raw), spec) if raw else None
    return text if text is not None else spec.get("default")


def extract_fields(specs: dict[str, dict[str, Any]], node: Any) -> dict[str, Value]:
    """Every configured field of a node; fields that found nothing are left out."""
    out: dict[str, Value] = {}
    for name, spec in specs.items():
        value = extract(spec, node)
        if value not in (None, "", []):
            out[name] = value
    return out


def as_text(value: Value, sep: str = "\n") -> str | None:
    """A field value as one text (lists joined), for readers that take a cell."""
    if value is None:
        return None
    if isinstance(value, list):
        return sep.join(value) or None
    return value


# --- dates --------------------------------------------------------------------------------

_NUM = r"(\d{1,4})"
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_ISO = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH_DAY = re.compile(r"(?<![\d])(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DAY = re.compile(r"(?<![\d])(\d{1,2})\s*日?")
_EN = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s*[-–~至to]+\s*"
                 r"(?:([A-Za-z]{3,9})\.?\s+)?(\d{1,2})(?:st|nd|rd|th)?)?,?\s*(\d{4})")
_EN_DAY_FIRST = re.compile(r"(\d{1,2})(?:\s*[-–~]\s*(\d{1,2}))?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})")
_RANGE_SPLIT = re.compile(r"\s*(?:—|–|-|~|～|至|到|\bto\b)\s*")


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month(word: str) -> int | None:
    return _MONTHS.get(word[:3].lower())


def parse_date_range(text: str | None, default_year: int | None = None
                     ) -> tuple[date | None, date | None]:
    """Read a show's dates: '2025年3月5日-8日', '2025.03.05-03.08', '2025-03-05 至 2025-03-08',
    'March 5-8, 2025', '5-8 March 2025', '2025-03-05'. Unreadable → (None, None)."""
    if not text:
        return None, None
    text = unicodedata.normalize("NFKC", text).strip()
    m = _EN.search(text)
    if m and _month(m.group(1)):
        year = int(m.group(5))
        start = _date(year, _month(m.group(1)), int(m.group(2)))
        end_month = _month(m.group(3)) if m.group(3) else _month(m.group(1))
        end = _date(year, end_month, int(m.group(4))) if m.group(4) and end_month else start
        return start, end
    m = _EN_DAY_FIRST.search(text)
    if m and _month(m.group(3)):
        year, month = int(m.group(4)), _month(m.group(3))
        start = _date(year, month, int(m.group(1)))
        end = _date(year, month, int(m.group(2))) if m.group(2) else start
        return start, end
    first = _ISO.search(text)
    if first is None:
        return None, None
    start = _date(int(first.group(1)), int(first.group(2)), int(first.group(3)))
    if start is None:
        return None, None
    rest = text[first.end():]
    sep = _RANGE_SPLIT.match(rest)
    if not sep:
        return start, start
    rest = rest[sep.end():]
    m = _ISO.match(rest)
    if m:
        end = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif (m := _MONTH_DAY.match(rest)):
        end = _date(start.year, int(m.group(1)), int(m.group(2)))
    elif (m := _DAY.match(rest)):
        end = _date(start.year, start.month, int(m.group(1)))
    else:
        end = start
    if end is not None and end < start:
        end = _date(start.year + 1, end.month, end.day)  # 12月30日-1月2日
    return start, end or start


def parse_date(text: str | None) -> date | None:
    start, _end = parse_date_range(text)
    return start
