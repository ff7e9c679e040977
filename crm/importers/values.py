"""Cell values as catalogues write them → clean values: names, areas, booth types, phones …

Each parser takes the cell's text and returns the clean value, or raises `BadValue` with a
plain English reason that the row readers turn into a RowError for that column.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from stdnum.cn import uscc

from crm.importers.chinese import simplify
from crm.importers import messages as msg
from crm.importers.countries import country_code

MAX_NAME_LENGTH = 300
MAX_AREA_M2 = Decimal(100_000)  # the largest halls are ~30,000 m²; more is a typo
# What people type into a cell that has nothing to say.
PLACEHOLDERS = frozenset({
    "无", "暂无", "没有", "不详", "未知", "待定", "空", "-", "--", "---", "—", "——", "/", "//",
    "\\", ".", "..", "...", "?", "？", "n/a", "na", "n.a.", "none", "null", "nil", "nan",
    "#n/a", "tbd", "tba", "0",
})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_LETTER = re.compile(r"[^\W\d_]")
_UP_TO_LAST_CJK = re.compile(r".*[\u3400-\u9fff\uf900-\ufaff]", re.DOTALL)


class BadValue(ValueError):
    """A cell's text cannot be turned into the value its column asks for."""


def one_line(text: str | None) -> str | None:
    """Collapse white space (line breaks included); a placeholder such as 无 or N/A is None."""
    if not text:
        return None
    if not text.isprintable() or "  " in text:
        text = " ".join(text.split())
    if len(text) <= 4 and text.casefold() in PLACEHOLDERS:
        return None
    return text or None


def block(text: str | None) -> str | None:
    """Like one_line, but keep the line breaks of a longer text (products, notes)."""
    if not text or one_line(text) is None:
        return None
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


# ---- company names ------------------------------------------------------------------------

_CLOSING = "）)】]"
_OPENING = "（(【["
_SEPARATORS = "/|｜"


def split_names(text: str | None) -> tuple[str | None, str | None]:
    """Split a name cell into (Chinese name, English name); either may be None.

    A cell holding both ("上海某某有限公司 Shanghai Moumou Co., Ltd.", the English first, in
    brackets, after a slash, or one per line) is split; Latin letters inside a Chinese
    name ("3M中国有限公司", "ABB（中国）有限公司", "上海大众 VW") stay where they are.
    """
    if not text or one_line(text) is None:
        return None, None
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        zh = " ".join(line for line in lines if has_cjk(line)) or None
        en = " ".join(line for line in lines if not has_cjk(line)) or None
        return zh, en
    name = lines[0]
    if not has_cjk(name):
        return None, name
    if not _LATIN_WORD.search(name):
        return name, None
    return _english_after(name) or _english_before(name) or (name, None)


def _english_after(name: str) -> tuple[str, str] | None:
    end = _UP_TO_LAST_CJK.match(name).end()  # type: ignore[union-attr]
    while end < len(name) and name[end] in _CLOSING:
        end += 1
    rest = name[end:]
    if not rest[:1] or rest[0] not in " " + _SEPARATORS + _OPENING:
        return None
    english = _unwrap(rest)
    return (name[:end].strip(), english) if _is_english_name(english) else None


def _english_before(name: str) -> tuple[str, str] | None:
    start = _CJK.search(name).start()  # type: ignore[union-attr]
    # "SMC（中国）有限公司": brackets and Latin letters glued to the Chinese belong to it
    while start > 0 and (name[start - 1] in _OPENING or name[start - 1].isascii()
                         and name[start - 1].isalnum()):
        start -= 1
    head = name[:start]
    if not head or (head[-1] not in " " + _SEPARATORS and name[start] not in _OPENING):
        return None
    english = _unwrap(head)
    return (_unwrap(name[start:]), english) if _is_english_name(english) else None


def _unwrap(text: str) -> str:
    """Trim spaces, a separator and one pair of surrounding brackets."""
    text = text.strip().strip(_SEPARATORS).strip()
    if text[:1] in _OPENING and text[-1:] in _CLOSING:
        text = text[1:-1].strip()
    return text


def _is_english_name(text: str) -> bool:
    """Two Latin words at least, no Chinese: "Shanghai Moumou" is a name, "VW" is not."""
    return (len(_LATIN_WORD.findall(text)) >= 2 and " " in text.strip()
            and not has_cjk(text) and text[:1].isalnum())


def check_name(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH:
        raise BadValue(msg.say(msg.NAME_TOO_LONG, length=f"{len(name):,}",
                               limit=MAX_NAME_LENGTH))
    if not _LETTER.search(name):
        raise BadValue(msg.say(msg.NO_LETTERS, value=name))
    if name.casefold() in ("合计", "总计", "小计", "total", "subtotal", "sum"):
        raise BadValue(msg.say(msg.TOTAL_LINE, value=name))


# ---- booths -------------------------------------------------------------------------------

_AREA = re.compile(r"^(?P<a>\d+(?:\.\d+)?)\s*(?:m|米)?\s*(?:[x*×]\s*(?P<b>\d+(?:\.\d+)?)\s*(?:m|米)?)?"
                   r"\s*(?:m2|sqm|sq\.?m|平方米|平米|平方|方)?$")


@lru_cache(maxsize=4096)
def parse_area(text: str) -> Decimal | None:
    """Parse 36, 36.0, 36㎡, 36 m2, 6x6, 6×6, ３６ → Decimal('36'); raise BadValue otherwise."""
    folded = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    folded = re.sub(r"^(\d{1,3}(?:,\d{3})+)", lambda m: m[1].replace(",", ""), folded)
    match = _AREA.match(folded.replace("²", "2"))
    if not match:
        raise BadValue(msg.say(msg.BAD_AREA, value=text))
    try:
        area = Decimal(match["a"]) * (Decimal(match["b"]) if match["b"] else 1)
    except InvalidOperation as exc:
        raise BadValue(msg.say(msg.BAD_AREA, value=text)) from exc
    if area > MAX_AREA_M2:
        raise BadValue(msg.say(msg.AREA_TOO_LARGE, value=text, limit=f"{MAX_AREA_M2:,}"))
    if area == 0:
        return None
    return area.quantize(Decimal("0.01"))


_BOOTH_TYPES = {
    "special": ("特装", "特装展位", "特装展台", "特装修", "特殊装修", "特装搭建", "special",
                "special design", "special build", "specially built", "custom built",
                "custom", "space only stand"),
    "raw_space": ("光地", "光地展位", "空地", "净地", "净空地", "raw space", "space only",
                  "raw", "bare space", "indoor space", "floor space"),
    "standard": ("标摊", "标准展位", "标准摊位", "标展", "标准展台", "标准", "标摊展位",
                 "shell scheme", "shell", "standard", "standard booth", "standard stand",
                 "shell booth", "package booth"),
}
_BOOTH_TYPE_KEYS = {re.sub(r"[\W_]+", "", k): kind
                    for kind, names in _BOOTH_TYPES.items() for k in names}


@lru_cache(maxsize=1024)
def booth_type(text: str) -> str | None:
    """特装 → special, 光地/Space only → raw_space, 标摊/Shell scheme → standard; else None."""
    key = re.sub(r"[\W_]+", "", simplify(unicodedata.normalize("NFKC", text).lower()))
    if key in _BOOTH_TYPE_KEYS:
        return _BOOTH_TYPE_KEYS[key]
    for kind, names in _BOOTH_TYPES.items():
        if any(name in key for name in names if has_cjk(name)):
            return kind
    return None


# ---- origin and country ---------------------------------------------------------------------

_ORIGINS = (
    ("agent", ("代理", "贸易", "经销", "agent", "trading", "distributor")),
    ("foreign", ("国外", "境外", "海外", "外资", "进口", "国际", "港澳台", "foreign",
                 "overseas", "international", "abroad", "import")),
    ("domestic", ("国内", "境内", "内资", "内地", "domestic", "local", "china")),
)


@lru_cache(maxsize=1024)
def origin(text: str) -> str | None:
    """国内/国外/境外/代理… → domestic / foreign / agent; a country name decides too."""
    lowered = simplify(unicodedata.normalize("NFKC", text).lower())
    for kind, words in _ORIGINS:
        if any(word in lowered for word in words):
            return kind
    code = country_code(text)
    return origin_of_country(code) if code else None


def origin_of_country(code: str | None) -> str | None:
    """CN is domestic; everywhere else, Hong Kong, Macao and Taiwan included, is foreign (境外)."""
    if not code:
        return None
    return "domestic" if code == "CN" else "foreign"


# ---- contact details --------------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"\s*(?:[;；,，/、|｜\n]|\s{2,})\s*")
_EMAIL_SPLIT = re.compile(r"[\s;；,，/、|｜]+")
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+=?^_`{}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
                    r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$")
_WEBSITE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")


def split_phones(text: str | None) -> list[str]:
    """Split a cell holding several numbers ("021-12345678 / 13812345678"), kept as typed.

    A short piece after a separator ("021-12345678/8001") is an extension and stays with
    the number before it; pieces without digits ("总机") are dropped.
    """
    if not text or one_line(text) is None:
        return []
    numbers: list[str] = []
    text = text if text.isascii() else unicodedata.normalize("NFKC", text)
    for piece in _PHONE_SPLIT.split(text.strip()):
        digits = len(_DIGIT.findall(piece))
        if not digits:
            continue
        if digits <= 4 and numbers:
            numbers[-1] = f"{numbers[-1]}/{piece}"
        else:
            numbers.append(piece)
    return numbers


def split_emails(text: str | None) -> tuple[list[str], list[str]]:
    """Split a cell into (valid lower-cased e-mails, invalid pieces as typed)."""
    if not text or one_line(text) is None:
        return [], []
    valid: list[str] = []
    invalid: list[str] = []
    folded = text if text.isascii() else unicodedata.normalize("NFKC", text)
    folded = folded.replace("mailto:", "")
    for piece in _EMAIL_SPLIT.split(folded):
        email = piece.strip(" .。,，;；:：()（）<>《》[]【】\"'").lower()
        if not email:
            continue
        if _EMAIL.match(email):
            if email not in valid:
                valid.append(email)
        else:
            invalid.append(piece)
    return valid, invalid


def website(text: str) -> str:
    """A web address as typed (trimmed); raise BadValue when it cannot be one."""
    address = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()
    address = address.rstrip("/。.,，")
    if not _WEBSITE.match(address):
        raise BadValue(msg.say(msg.BAD_WEBSITE, value=text))
    return address


def credit_code(text: str) -> str:
    """A unified social credit code (统一社会信用代码), upper-cased; check digit verified."""
    code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", text)).upper()
    if not uscc.is_valid(code):
        raise BadValue(msg.say(msg.BAD_CREDIT_CODE, value=text))
    return code
