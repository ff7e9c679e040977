"""Company-name text handling shared by search and matching: normalise, legal forms, pinyin."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.seg import mmseg as _mmseg

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
# Longest first so 股份有限公司 wins over 有限公司.
ZH_LEGAL_FORMS = sorted([
    "股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "集团股份有限公司", "控股有限公司",
    "集团公司", "总公司", "分公司", "公司", "集团", "厂", "工厂", "研究院", "研究所",
], key=len, reverse=True)
EN_LEGAL_FORMS = {
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc",
    "gmbh", "ag", "sa", "spa", "srl", "bv", "nv", "plc", "kg", "oy", "ab", "as", "pte", "pty",
    "sarl", "sas", "kk", "group", "holding", "holdings", "the",
}


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def fold(text: str) -> str:
    """NFKC (full-width → half-width), lower case, punctuation and spaces removed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _NOT_WORD.sub("", text).replace("_", "")


def words(text: str) -> list[str]:
    """Lower-case word tokens of a Latin-script text."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return [w for w in _NOT_WORD.split(text) if w and w != "_"]


def strip_zh_legal_form(text: str) -> str:
    """Drop a trailing legal form (有限公司 …) and bracketed parts like （中国）."""
    text = re.sub(r"[(（][^)）]*[)）]", "", unicodedata.normalize("NFKC", text or ""))
    text = fold(text)
    for form in ZH_LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            return text[: -len(form)]
    return text


def strip_en_legal_form(text: str) -> list[str]:
    return [w for w in words(text) if w not in EN_LEGAL_FORMS] or words(text)


@lru_cache(maxsize=65536)
def pinyin(text: str) -> tuple[str, ...]:
    """One lower-case syllable per character; non-Chinese runs stay as they are.

    The same result as pypinyin's lazy_pinyin(style=NORMAL) — its own segmentation into
    phrases, first reading of each — at a sixth of the cost: imports read every name.
    """
    out: list[str] = []
    for part in _HANZI_RUNS.split(text or ""):
        if not part:
            continue
        if not _HANZI_RUNS.fullmatch(part):
            out.append(part.lower())
            continue
        for word in _mmseg.seg.cut(part):
            phrase = PHRASES_DICT.get(word) if len(word) > 1 else None
            if phrase is not None:
                out.extend(_toneless(readings[0]) for readings in phrase)
            else:
                out.extend(_char_pinyin(ch) for ch in word)
    return tuple(out)


_HANZI_RUNS = re.compile(
    r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")


@lru_cache(maxsize=None)
def _toneless(reading: str) -> str:
    out = ""
    for ch in unicodedata.normalize("NFD", reading):
        if ch == "\u0308":  # ü is written v, as pypinyin's NORMAL style does
            out = out[:-1] + "v"
        elif not unicodedata.combining(ch):
            out += ch
    return out.lower()


@lru_cache(maxsize=None)
def _char_pinyin(ch: str) -> str:
    readings = PINYIN_DICT.get(ord(ch))
    if readings is None:
        return lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0].lower()
    return _toneless(readings.split(",")[0])
