"""Entity resolution: is this name (and phone, domain, credit code …) a company we know?

The one definition of "same company" lives here (`compare`); the import write path
(crm.services.ingest), the company form check (`possible_duplicates`), the API and the
whole-database dedupe (crm.services.dedupe) all call it. The database adds one hard rule
of its own: a credit code belongs to one company (unique column).

How a name is read (`parse_name`)
    NFKC (full-width → half-width), traditional → simplified (OpenCC), lower case; the
    bracketed parts are dropped — （上海）, (Shanghai), （集团） — remembering a place when
    they name one; legal forms (有限公司, 股份有限公司, Co., Ltd., GmbH, S.p.A. and their
    machine pinyin "You Xian Gong Si") and industry words (汽车零部件, Auto Parts) are split
    off the end; region prefixes (上海市, 广东省深圳市, 深圳市南山区, Shanghai) off the
    start. What is left is the trade name (字号). Industry words become concepts shared by
    both scripts (汽车零部件 = Auto Parts = qi che ling bu jian): they stay part of the name
    but weigh a quarter of the score. The word lists are data: data/matching.yaml, and the
    places of data/regions_cn.yaml.

How two companies are compared (`compare`)
    Trade names in the same script by characters (a homophone 瑞丰/瑞峰 scores as a likely
    typo, not a match), across scripts through pinyin (rapidfuzz ratio); then industry
    concepts; then the place: two different places in the names are a strong sign of two
    companies. Strong keys: the unified social credit code decides alone (equal: same;
    different: not the same); a shared website domain, e-mail domain or phone adds to the
    score — unless that key is shared by more than `matching.shared_key_limit` companies
    (a venue switchboard, an agent's number) or is a free-mail domain (qq.com, 163.com …).
    Pairs a person marked as different never link. Three bands: link, review, new; the
    thresholds are business settings (crm.services.settings, keys "matching.*").

Blocking (why a table and not the search terms)
    Candidates are found through `company_match_keys(kind, key, company_id)`, a table kept
    current by a session hook (like the search terms) and written in bulk by the importer.
    The search terms are prefix terms built for typing (every suffix, initials): looking
    up a whole key there would match unrelated prefixes, they hold no credit codes or
    domains, and counting how many companies share a key (to ignore shared keys) needs one
    exact row per (key, company). Kinds:
        cc   credit code                 web  website domain       mail  e-mail domain
        tel  phone, E.164                cp   trade pinyin + industry concepts
        tp   trade pinyin (every name)   tn   trade pinyin of names without industry words
    A name with industry words looks up cp and tn; one without looks up tp (unless more
    than `matching.name_block_limit` companies share it). So a catalogue row is compared
    with a handful of companies, whatever the size of the database.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import opencc
import yaml
from pypinyin import Style, lazy_pinyin
from rapidfuzz.fuzz import ratio
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from crm.models import (
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyMatchKey,
    CompanyMatchProfile,
    CompanyPhone,
    Contact,
    NonMatch,
    Setting,
)
from crm.services import bulk, names, reference, settings
from crm.services import phones as phone_numbers

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "matching.yaml"

# --- settings ---------------------------------------------------------------------------

LINK_THRESHOLD = settings.declare(
    "matching.link_threshold", 90,
    "Score (0–100) from which an incoming record is linked to an existing company "
    "without asking anyone.", minimum=50, maximum=100)
REVIEW_THRESHOLD = settings.declare(
    "matching.review_threshold", 80,
    "Score from which a pair goes to the review queue for a person to decide; below it "
    "the record is a new company.", minimum=30, maximum=100)
SHARED_KEY_LIMIT = settings.declare(
    "matching.shared_key_limit", 5,
    "A phone, website or e-mail domain seen at more companies than this is ignored "
    "(a venue switchboard, an agent's number, a portal).", minimum=1, maximum=1000)
NAME_BLOCK_LIMIT = settings.declare(
    "matching.name_block_limit", 400,
    "A trade name shared by more companies than this is only compared within the same "
    "industry words.", minimum=10, maximum=100000)
KEY_BONUS = settings.declare(
    "matching.key_bonus", 15,
    "Points added for each shared phone, website or e-mail domain (at most two count).",
    minimum=0, maximum=50)
REGION_PENALTY = settings.declare(
    "matching.region_conflict_penalty", 30,
    "Points taken off when the two names carry different places (上海… vs 北京…).",
    minimum=0, maximum=100)


@dataclass(frozen=True)
class MatchSettings:
    """The thresholds in force, read once per import or dedupe run."""

    link: float = 90
    review: float = 80
    shared_key_limit: int = 5
    name_block_limit: int = 400
    key_bonus: float = 15
    region_penalty: float = 30

    @classmethod
    def load(cls, session: Session) -> MatchSettings:
        v = settings.get_many(session, "matching.")
        return cls(link=float(v[LINK_THRESHOLD]), review=float(v[REVIEW_THRESHOLD]),
                   shared_key_limit=int(v[SHARED_KEY_LIMIT]),
                   name_block_limit=int(v[NAME_BLOCK_LIMIT]), key_bonus=float(v[KEY_BONUS]),
                   region_penalty=float(v[REGION_PENALTY]))

    def band(self, score: float) -> str:
        if score >= self.link:
            return "link"
        if score >= self.review:
            return "review"
        return "new"


# --- word lists -------------------------------------------------------------------------

@dataclass(frozen=True)
class Region:
    """A place named in a company name or its address: province and (maybe) city, short."""

    province: str | None
    city: str | None = None
    # A pinyin two cities share ("Taizhou": 台州 or 泰州): one of these, not known which.
    alternatives: tuple[Region, ...] = ()

    def relation(self, other: Region | None) -> str:
        """"same", "conflict" or "unknown" (one side vague or missing)."""
        if other is None or self == CHINA or other == CHINA:
            return "unknown"
        if self.alternatives or other.alternatives:
            found = {a.relation(b) for a in self.alternatives or (self,)
                     for b in other.alternatives or (other,)}
            return "same" if "same" in found else "unknown" if "unknown" in found else "conflict"
        if self.province and other.province and self.province != other.province:
            return "conflict"
        if self.city and other.city:
            return "same" if self.city == other.city else "conflict"
        if self.province and self.province == other.province:
            return "same" if not (self.city or other.city) else "unknown"
        return "unknown"

    def __str__(self) -> str:
        if self.alternatives:
            return "/".join(str(a) for a in self.alternatives)
        return self.city or self.province or "中国"


CHINA = Region(None, None)
BRANCH_FORMS = ("分公司", "分厂", "分店", "办事处", "代表处")


@dataclass
class Lexicon:
    zh_legal: list[str]
    zh_legal_set: frozenset[str]
    zh_legal_lengths: tuple[int, ...]  # longest first
    en_legal: set[str]
    legal_py: set[str]
    zh_industry: dict[str, str]
    zh_industry_max: int
    en_industry: dict[str, str]
    industry_py: dict[str, tuple[str, ...]]  # pinyin → concepts it may be (电气/电器)
    phrase_max: int
    free_mail: frozenset[str]
    shared_web: frozenset[str]
    zh_places: dict[str, Region]
    zh_place_max: int
    py_places: dict[str, Region]


def _joined_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load the word lists of data/matching.yaml and the places of data/regions_cn.yaml."""
    doc = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    zh_legal = sorted({w for w in doc["legal_forms_zh"]}, key=len, reverse=True)
    en_legal = {" ".join(p.split()) for p in doc["legal_forms_en"]}
    legal_py = {_joined_pinyin(w) for w in zh_legal if len(w) >= 2}
    zh_industry: dict[str, str] = {}
    en_industry: dict[str, str] = {}
    industry_py: dict[str, tuple[str, ...]] = {}
    for concept, spec in doc["industry_words"].items():
        zh_part, _, en_part = spec.partition("|")
        for word in zh_part.split():
            zh_industry.setdefault(word.lower(), concept)
            if len(word) >= 2 and not word.isascii():
                key = _joined_pinyin(word)
                if concept not in industry_py.get(key, ()):
                    industry_py[key] = industry_py.get(key, ()) + (concept,)
        for phrase in en_part.split(";"):
            phrase = " ".join(_words(phrase))
            if phrase:
                en_industry.setdefault(phrase, concept)
    zh_places: dict[str, Region] = {"中国": CHINA, "中华": CHINA}
    py_places: dict[str, Region] = {"china": CHINA, "zhongguo": CHINA, "prc": CHINA}
    by_city_short: dict[str, Region] = {}
    province_keys: set[str] = set()
    city_keys: dict[str, list[Region]] = defaultdict(list)  # pinyin of a city → its cities
    for province in reference.load_regions():
        only_city = province.cities[0] if len(province.cities) == 1 else None
        # 上海, 北京, 香港 …: the province is the city.
        p_region = Region(province.short, only_city.short if only_city is not None and
                          only_city.short == province.short else None)
        for name in (province.name_zh, province.short):
            zh_places.setdefault(name, p_region)
        zh_places.setdefault(province.short + "省", p_region)
        py_places.setdefault(_ascii_key(province.pinyin), p_region)
        province_keys.add(_ascii_key(province.pinyin))
        if province.name_en:
            py_places.setdefault(_ascii_key(province.name_en), p_region)
        for city in province.cities:
            c_region = Region(province.short, city.short)
            by_city_short[city.short] = c_region
            for name in (city.name_zh, city.short, city.short + "市"):
                if len(name) >= 2:
                    zh_places.setdefault(name, c_region)
            py_places.setdefault(_ascii_key(city.pinyin), c_region)
            city_keys[_ascii_key(city.pinyin)].append(c_region)
            if city.name_en:
                py_places.setdefault(_ascii_key(city.name_en), c_region)
    for place, parent in (doc.get("extra_places") or {}).items():
        region = by_city_short.get(parent)
        if region is None:
            continue
        for name in (place, place + "市", place + "区", place + "县"):
            zh_places.setdefault(name, region)
        py_places.setdefault(_joined_pinyin(place), region)
    # "Taizhou" is 台州 (Zhejiang) or 泰州 (Jiangsu), "Suzhou" 苏州 or 宿州: a place to take
    # off the trade name, agreeing with either city and conflicting with any other.
    for key, cities in city_keys.items():
        if len({c.province for c in cities}) > 1 and key not in province_keys:
            py_places[key] = Region(None, None, tuple(cities))
    phrase_max = max(len(p.split()) for p in list(en_legal) + list(en_industry))
    return Lexicon(
        zh_legal=zh_legal, zh_legal_set=frozenset(zh_legal),
        zh_legal_lengths=tuple(sorted({len(w) for w in zh_legal}, reverse=True)),
        en_legal=en_legal, legal_py=legal_py, zh_industry=zh_industry,
        zh_industry_max=max(len(w) for w in zh_industry), en_industry=en_industry,
        industry_py=industry_py, phrase_max=max(phrase_max, 8),
        free_mail=frozenset(d.lower() for d in doc["free_mail_domains"]),
        shared_web=frozenset(d.lower() for d in doc["shared_web_domains"]),
        zh_places=zh_places, zh_place_max=max(len(k) for k in zh_places),
        py_places=py_places)


def _ascii_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).lower())


# --- normalising text -------------------------------------------------------------------

_T2S = opencc.OpenCC("t2s")
_BRACKETS = re.compile(r"[(（\[【［{｛〔]([^)）\]】］}｝〕]*)[)）\]】］}｝〕]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:新区|区|县|旗|镇)")


# Characters that are standard simplified Chinese too, which OpenCC still maps as if they
# were traditional (乾 → 干, 於 → 于): a simplified name "上海乾通" must stay 乾通 (qian tong).
SIMPLIFIED_TOO = frozenset("乾於藉瞭著")


def fold(text: str) -> str:
    """NFKC (full-width → half-width), traditional → simplified, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    if _CJK.search(text):
        text = _to_simplified(text)
    return " ".join(text.lower().split())


def _to_simplified(text: str) -> str:
    converted = _T2S.convert(text)
    if converted == text:
        return text
    if len(converted) == len(text) and all(
            a == b or a in SIMPLIFIED_TOO for a, b in zip(text, converted)):
        return text  # nothing but characters simplified Chinese has too: not traditional
    return converted


def _words(text: str) -> list[str]:
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    tokens = [t for t in _NOT_WORD.split(text.lower()) if t]
    # S.p.A. / S.R.L. / B.V. arrive as single letters: join each run of them.
    out: list[str] = []
    run: list[str] = []
    for t in tokens:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(t)
    if run:
        out.append("".join(run))
    return out


# --- reading a name ---------------------------------------------------------------------

class NameParts(NamedTuple):
    """A company name taken apart: trade name (字号), industry concepts, place, legal form.

    A named tuple, not a dataclass: an import builds hundreds of thousands of them from
    stored profiles, and a tuple is built several times faster.
    """

    text: str
    script: str  # zh / en
    trade: str  # Chinese characters (zh) or letters (en), no spaces
    trade_py: str  # the trade name in pinyin (zh) or as written (en)
    industry: tuple[str, ...]  # concepts, e.g. ("automobile", "parts")
    industry_text: str
    region: Region | None
    branch: bool = False
    # Other readings of industry words written in pinyin ("dian qi": 电气 or 电器).
    industry_alts: tuple[tuple[str, ...], ...] = ()

    @property
    def core_key(self) -> str:
        return _key(f"{self.trade_py}/{'.'.join(self.industry)}")

    @property
    def core_keys(self) -> list[str]:
        return [self.core_key] + [_key(f"{self.trade_py}/{'.'.join(alt)}")
                                  for alt in self.industry_alts]


def _key(text: str) -> str:
    return text[:120]


@lru_cache(maxsize=200_000)
def _trade_pinyin(trade: str) -> str:
    return _NOT_WORD.sub("", "".join(names.pinyin(trade)))


@lru_cache(maxsize=300_000)
def parse_name(text: str | None) -> NameParts | None:
    """Take a company name apart; None when nothing is left of it."""
    if not text or not text.strip():
        return None
    folded = fold(text)
    if not folded:
        return None
    if _CJK.search(folded):
        return _parse_zh(text, folded)
    return _parse_en(text, folded)


def _bracket_regions(folded: str, zh: bool) -> tuple[str, Region | None]:
    region = None
    lex = lexicon()
    for inner in _BRACKETS.findall(folded):
        if zh:
            key = _NOT_WORD.sub("", inner)
            found = lex.zh_places.get(key) or _zh_place_prefix(key)[1]
        else:
            found = lex.py_places.get("".join(_words(inner)))
        if found is not None:
            region = _narrower(region, found)
    return _BRACKETS.sub(" ", folded), region


def _narrower(a: Region | None, b: Region) -> Region:
    if a is None or a == CHINA:
        return b
    if b == CHINA:
        return a
    return b if (b.city and not a.city and a.province == b.province) else a


def _zh_place_prefix(text: str) -> tuple[int, Region | None]:
    lex = lexicon()
    for length in range(min(lex.zh_place_max, len(text)), 1, -1):
        found = lex.zh_places.get(text[:length])
        if found is not None:
            return length, found
    return 0, None


def _parse_zh(text: str, folded: str) -> NameParts | None:
    lex = lexicon()
    rest, region = _bracket_regions(folded, zh=True)
    rest = _NOT_WORD.sub("", rest)
    if not rest:
        return None
    industry: list[str] = []
    industry_text = ""
    branch = False
    for _ in range(12):
        for length in lex.zh_legal_lengths:
            form = rest[-length:]
            if len(rest) - length >= 2 and form in lex.zh_legal_set:
                rest = rest[:-length]
                if form in BRANCH_FORMS:
                    branch = True
                    # 上海某某有限公司北京分公司: the place before 分公司 is the branch's.
                    for length in range(min(lex.zh_place_max, len(rest) - 2), 1, -1):
                        if rest[-length:] in lex.zh_places:
                            rest = rest[:-length]
                            break
                break
        else:
            for length in range(min(lex.zh_industry_max, len(rest) - 2), 0, -1):
                concept = lex.zh_industry.get(rest[-length:])
                if concept is not None:
                    industry.insert(0, concept)
                    industry_text = rest[-length:] + industry_text
                    rest = rest[:-length]
                    break
            else:
                break
    previous: Region | None = None
    for _ in range(2):
        length, found = _zh_place_prefix(rest)
        if not length or len(rest) - length < 2 or not _follows(previous, found):
            break
        region = _narrower(region, found)
        previous = found
        rest = rest[length:]
        district = _DISTRICT.match(rest)
        if found.city and district and len(rest) - district.end() >= 2:
            rest = rest[district.end():]
            break
    return NameParts(text=text, script="zh", trade=rest, trade_py=_trade_pinyin(rest),
                     industry=tuple(_dedupe_adjacent(industry)), industry_text=industry_text,
                     region=region, branch=branch)


def _most_specific(a: Region | None, b: Region | None) -> Region | None:
    """The city-level one of two places of the same province, else the first."""
    if a is None or a == CHINA:
        return b
    if b is None or b == CHINA:
        return a
    if a.alternatives:  # "Suzhou" and an address in 苏州: 苏州
        return b if b.city and a.relation(b) == "same" else a
    if not a.city and b.city and (not a.province or a.province == b.province):
        return b
    return a


def _follows(previous: Region | None, found: Region) -> bool:
    """A second place prefix narrows the first (广东省 then 深圳市) or repeats it, as a
    municipality's province and city do (上海市上海市, from registration records that join
    the two); not 上海 then 晋中."""
    if previous is None or found == previous:
        return True
    return previous.city is None and found.city is not None and (
        previous.province == found.province)


def _dedupe_adjacent(items: list[str]) -> list[str]:
    return [x for i, x in enumerate(items) if i == 0 or items[i - 1] != x]


def _parse_en(text: str, folded: str) -> NameParts | None:
    lex = lexicon()
    rest, region = _bracket_regions(folded, zh=False)
    tokens = _words(rest)
    if not tokens:
        return None
    industry: list[str] = []
    options: list[tuple[str, ...]] = []
    industry_words: list[str] = []
    branch = False
    machine = len(tokens) > 2 and all(t in _syllables() for t in tokens)
    if machine and tokens[-1] in _SINGLE_LEGAL_PY:
        tokens = tokens[:-1]  # "… Dian Zi Chang": 厂
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for k in range(min(lex.phrase_max, len(tokens) - 1), 0, -1):
            tail = tokens[-k:]
            spaced, joined = " ".join(tail), "".join(tail)
            if spaced in lex.en_legal or joined in lex.legal_py:
                branch = branch or spaced == "branch" or joined in {"fengongsi", "fenchang"}
                del tokens[-k:]
                changed = True
                break
            concepts = ((lex.en_industry[spaced],) if spaced in lex.en_industry
                        else lex.industry_py.get(joined))
            if concepts:
                industry.insert(0, concepts[0])
                options.insert(0, concepts)
                industry_words[:0] = tail
                del tokens[-k:]
                changed = True
                break
            if (k == 1 and not machine and joined in lex.py_places
                    and len(tokens) - k >= 1):
                # "Ruifeng Shanghai Co., Ltd.": a place just before the legal form.
                region = _narrower(region, lex.py_places[joined])
                del tokens[-k:]
                changed = True
                break
    previous: Region | None = None
    for _ in range(2):
        for k in range(min(4, len(tokens) - 1), 0, -1):  # 4: Hu He Hao Te (呼和浩特)
            found = lex.py_places.get("".join(tokens[:k]))
            if found is not None and _follows(previous, found):
                region = _narrower(region, found)
                previous = found
                del tokens[:k]
                # 宁波市 / 广东省 in machine pinyin; but 东莞 "Sheng Fa Ji" is 盛发吉, not 省.
                suffix = "sheng" if found.province is not None and found.city is None else "shi"
                if machine and len(tokens) > 1 and tokens[0] == suffix:
                    del tokens[0]
                break
        else:
            break
    if previous is None and machine:
        # Machine pinyin of "鑫音益（深圳）微电子厂": the place lost its brackets.
        for i in range(1, len(tokens) - 1):
            for k in (2, 3):
                found = lex.py_places.get("".join(tokens[i:i + k]))
                if found is not None and i + k <= len(tokens):
                    region = _narrower(region, found)
                    del tokens[i:i + k]
                    break
            else:
                continue
            break
    trade = "".join(tokens)
    alts: list[tuple[str, ...]] = []
    if any(len(o) > 1 for o in options):
        import itertools
        for combo in itertools.islice(itertools.product(*options), 1, 4):
            alts.append(tuple(_dedupe_adjacent(list(combo))))
    return NameParts(text=text, script="en", trade=trade, trade_py=trade,
                     industry=tuple(_dedupe_adjacent(industry)),
                     industry_text=" ".join(industry_words), region=region, branch=branch,
                     industry_alts=tuple(alts))


_SINGLE_LEGAL_PY = {"chang", "dian", "she"}  # 厂, 店, 社 at the end of machine pinyin


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable, to tell machine pinyin from English words."""
    from pypinyin.constants import PINYIN_DICT
    out = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            out.add(names._toneless(reading))
    return frozenset(out)


# --- strong keys ------------------------------------------------------------------------

_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "or", "ne", "go"}


def registrable_domain(host: str | None) -> str | None:
    """Return the part of a host name a company registers (mail.ruifeng.com.cn → ruifeng.com.cn)."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if "//" in host or "/" in host:
        from crm.services.companies import website_domain
        host = website_domain(host) or ""
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return None
    keep = 3 if (len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL) else 2
    return ".".join(labels[-keep:])


def website_key(website: str | None) -> str | None:
    """The website's registrable domain, or None for a shared platform (1688.com …)."""
    if not website:
        return None
    from crm.services.companies import website_domain
    domain = registrable_domain(website_domain(website))
    if not domain or domain in lexicon().shared_web:
        return None
    return domain


def email_key(email: str | None) -> str | None:
    """The e-mail's registrable domain, or None for a free-mail provider (qq.com …)."""
    if not email or "@" not in email:
        return None
    full = email.rsplit("@", 1)[1].strip().lower()
    domain = registrable_domain(full)
    lex = lexicon()
    if not domain or full in lex.free_mail or domain in lex.free_mail or domain in lex.shared_web:
        return None
    return domain


def credit_code_key(code: str | None) -> str | None:
    """The credit code, compacted, if its check character is right."""
    if not code:
        return None
    try:
        compact = uscc.compact(str(code)).upper()
    except Exception:  # noqa: BLE001  (stdnum raises several kinds)
        return None
    return compact if uscc.is_valid(compact) else None


def phone_key(raw: str | None, region: str = "CN") -> str | None:
    if not raw:
        return None
    return phone_numbers.normalize(raw, region or "CN").e164


# --- profiles: what is compared ---------------------------------------------------------

STRONG_KINDS = ("web", "mail", "tel")
NAME_KINDS = ("cp", "tp", "tn", "ta")
# Name keys whose holders are too many to compare with (more than name_block_limit) are
# skipped: a trade name's pinyin, a brand's letters.
BROAD_NAME_KINDS = ("tp", "ta")


@dataclass(slots=True)
class Profile:
    """What a record (an input row or a stored company) offers to be matched by."""

    names: list[NameParts]
    credit_code: str | None = None
    region: Region | None = None  # from the address fields, weaker than one in a name
    strong: set[tuple[str, str]] = field(default_factory=set)  # (kind, key), kind in STRONG_KINDS
    company_id: int | None = None

    @property
    def label(self) -> str:
        return self.names[0].text if self.names else f"#{self.company_id}"

    @property
    def name_region(self) -> Region | None:
        """The most precise place the names carry (a city before a province)."""
        found: Region | None = None
        for n in self.names:
            if n.region is not None and n.region != CHINA:
                found = _most_specific(found, n.region)
        return found

    def stored_keys(self) -> set[tuple[str, str]]:
        """The keys this record is found by."""
        keys = set(self.strong)
        if self.credit_code:
            keys.add(("cc", self.credit_code))
        for n in self.names:
            keys |= _name_keys(n)[0]
        return keys

    def lookup_keys(self) -> set[tuple[str, str]]:
        """The keys to look candidates up by (tp is dropped later if too common)."""
        keys = set(self.strong)
        if self.credit_code:
            keys.add(("cc", self.credit_code))
        for n in self.names:
            keys |= _name_keys(n)[1]
        return keys


@lru_cache(maxsize=300_000)
def _name_keys(n: NameParts) -> tuple[frozenset, frozenset]:
    """(stored, lookup) name keys of one name: cp always; tp / tn by industry words; ta for
    a Latin brand (see `anagram_key`)."""
    if not n.trade_py:
        return frozenset(), frozenset()
    core = {("cp", k) for k in n.core_keys}
    trade = _key(n.trade_py)
    anagram = anagram_key(n)
    if anagram:
        core.add(("ta", anagram))
    if n.industry:
        return frozenset(core | {("tp", trade)}), frozenset(core | {("tn", trade)})
    return (frozenset(core | {("tp", trade), ("tn", trade)}),
            frozenset(core | {("tp", trade)}))


ANAGRAM_MIN_LETTERS = 5


def anagram_key(n: NameParts) -> str | None:
    """The letters of a Latin brand in sorted order, with the industry as in the core key:
    "Neoawy Medical" and "Neoway Medical" share it, so two swapped letters still find the
    company. Only for names written in Latin letters (a Chinese trade name's pinyin read
    backwards, 华新/新华, would share it too) and brands of five letters or more (shorter
    ones share their letters with too many others)."""
    if n.script != "en" or len(n.trade_py) < ANAGRAM_MIN_LETTERS:
        return None
    return _key(f"{''.join(sorted(n.trade_py))}/{'.'.join(n.industry)}")


def union_profile(company_id: int, base: Profile | None,
                  additions: Iterable[Profile]) -> Profile:
    """One company's profile with what other records of it add (names, keys, place)."""
    additions = list(additions)
    if base is None and len(additions) == 1:  # a company made by one row: that row's
        only = additions[0]
        return Profile(names=list(only.names), credit_code=only.credit_code,
                       region=only.region, strong=set(only.strong), company_id=company_id)
    merged = Profile(names=list(base.names) if base else [],
                     credit_code=base.credit_code if base else None,
                     region=base.region if base else None,
                     strong=set(base.strong) if base else set(), company_id=company_id)
    known = {n.text for n in merged.names}
    for profile in additions:
        for n in profile.names:
            if n.text not in known:
                known.add(n.text)
                merged.names.append(n)
        merged.strong |= profile.strong
        merged.credit_code = merged.credit_code or profile.credit_code
        merged.region = merged.region or profile.region
    return merged


def region_of(province: str | None, city: str | None) -> Region | None:
    """The Region of address fields (城市/省份), if the place is known."""
    lex = lexicon()
    for value in (city, province):
        if value and value.strip():
            text = fold(value).replace(" ", "")
            found = lex.zh_places.get(text) or lex.py_places.get(_ascii_key(text))
            if found is None:
                length, found = _zh_place_prefix(text)
            if found is not None:
                return found
    return None


def build_profile(names: Iterable[str | None], *, credit_code: str | None = None,
                  websites: Iterable[str | None] = (), emails: Iterable[str | None] = (),
                  phones: Iterable[str | None] = (), province: str | None = None,
                  city: str | None = None, country: str | None = "CN",
                  company_id: int | None = None, phones_e164: Iterable[str | None] = (),
                  domains: Iterable[tuple[str, str]] = ()) -> Profile:
    """Build the profile of a record from plain values (names as typed, raw phones …).

    `domains` are strong keys worked out before (`strong_keys`), kept as they are.
    """
    parsed: list[NameParts] = []
    seen: set[str] = set()
    for name in names:
        parts = parse_name(name)
        if parts is not None and parts.text not in seen:
            seen.add(parts.text)
            parsed.append(parts)
    strong = strong_keys(websites=websites, emails=emails, phones=phones, country=country,
                         phones_e164=phones_e164) | set(domains)
    region = region_of(province, city)
    if region is None:
        region = next((r for r in (area_region(v) for k, v in sorted(strong) if k == "tel")
                       if r is not None), None)
    return Profile(names=parsed, credit_code=credit_code_key(credit_code),
                   region=region, strong=strong, company_id=company_id)


def strong_keys(*, websites: Iterable[str | None] = (), emails: Iterable[str | None] = (),
                phones: Iterable[str | None] = (), country: str | None = "CN",
                phones_e164: Iterable[str | None] = ()) -> set[tuple[str, str]]:
    """The (kind, key) strong keys of a record's website, e-mails and phones."""
    strong: set[tuple[str, str]] = set()
    for site in websites:
        key = website_key(site)
        if key:
            strong.add(("web", key))
    for email in emails:
        key = email_key(email)
        if key:
            strong.add(("mail", key))
    for raw in phones:
        key = phone_key(raw, country or "CN")
        if key:
            strong.add(("tel", key))
    for e164 in phones_e164:
        if e164:
            strong.add(("tel", e164))
    return strong


@lru_cache(maxsize=1)
def _area_codes() -> dict[str, Region]:
    codes: dict[str, Region] = {}
    for province in reference.load_regions():
        for city in province.cities:
            if city.area_code:
                codes.setdefault(city.area_code.lstrip("0"), Region(province.short, city.short))
    return codes


def area_region(e164: str | None) -> Region | None:
    """The city of a Chinese landline's area code (+86 21 … → 上海); None for mobiles."""
    if not e164 or not e164.startswith("+86") or len(e164) < 8:
        return None
    national = e164[3:]
    codes = _area_codes()
    if national[0] == "1":  # mobiles, except Beijing's 010
        return codes.get("10") if national.startswith("10") else None
    return codes.get(national[:2]) if national[0] == "2" else codes.get(national[:3])


# --- the one definition of "same company" -----------------------------------------------

@dataclass
class Verdict:
    """How alike two records are: a score 0–100, its band and the evidence."""

    score: float
    band: str  # link / review / new
    evidence: dict[str, Any]


SOUND_ALIKE = "trade names sound alike"


def _trade_similarity(a: NameParts, b: NameParts) -> tuple[float, str]:
    if a.script == "zh" and b.script == "zh":
        if a.trade == b.trade:
            return 1.0, "same trade name"
        chars = ratio(a.trade, b.trade) / 100
        if a.trade_py == b.trade_py:
            return max(chars, 0.8), SOUND_ALIKE
        return max(chars, 0.8 * ratio(a.trade_py, b.trade_py) / 100), "trade names differ"
    if a.script == "en" and b.script == "en":
        s = ratio(a.trade, b.trade) / 100
        return s, "same trade name" if s == 1 else "trade names differ"
    s = 0.9 * ratio(a.trade_py, b.trade_py) / 100
    return s, "trade names match in pinyin" if s >= 0.9 else "trade names differ"


def _industry_similarity(a: NameParts, b: NameParts) -> float:
    if a.industry_alts or b.industry_alts:
        return max(_concept_similarity(x, y) for x in (a.industry, *a.industry_alts)
                   for y in (b.industry, *b.industry_alts))
    return _concept_similarity(a.industry, b.industry)


def _concept_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if a and b:
        if a == b:
            return 1.0
        common = len(set(a) & set(b))
        return 2 * common / (len(set(a)) + len(set(b)))
    if not a and not b:
        return 1.0
    return 0.6


# 同音字: a trade name typed through a pinyin input method comes out with the wrong
# character of the same sound (瑞丰 → 瑞峰): a common slip in catalogues. Two firms of one
# city and one trade whose names differ only by such a character are rare, so that pair
# is linked at the default threshold, unless another candidate scores as high (then it is
# ambiguous and goes to review). Without a shared place it stays in review. A firm that
# wants every homophone checked by a person sets the link threshold above this.
HOMOPHONE_SAME_PLACE_SCORE = 90.0


def _homophone_of_one_trade(name: dict[str, Any]) -> bool:
    return name.get("how") == SOUND_ALIKE and name.get("industry_score") == 1.0


def by_sound_alone(verdict: Verdict) -> bool:
    """Whether a link rests on a homophone trade name with nothing else to back it (no
    shared phone, website, e-mail domain or credit code): good enough to attach a row to
    a company, not to merge two stored companies without a person (`crm dedupe
    --auto-merge` queues such pairs instead)."""
    agreed = verdict.evidence.get("agreed", [])
    return "sound" in agreed and not verdict.evidence.get("keys") and "credit_code" not in agreed


def name_score(a: NameParts, b: NameParts) -> tuple[float, dict[str, Any]]:
    """Score two names 0–100: trade name three quarters, industry words one quarter."""
    trade, how = _trade_similarity(a, b)
    industry = _industry_similarity(a, b)
    score = 100 * (0.75 * trade + 0.25 * industry)
    return score, {"a": a.text, "b": b.text, "trade": [a.trade, b.trade], "how": how,
                   "trade_score": round(trade, 3), "industry_score": round(industry, 3)}


def compare(a: Profile, b: Profile, cfg: MatchSettings, *,
            shared: Iterable[tuple[str, str]] | None = None,
            different: bool = False) -> Verdict:
    """Decide how likely two records are one company: THE definition used everywhere.

    `shared` are the strong keys both hold that are not too common (the caller knows the
    counts); by default every strong key they share counts. `different` marks a pair a
    person said are not the same.
    """
    evidence: dict[str, Any] = {"agreed": [], "differed": []}
    best = -1.0
    best_detail: dict[str, Any] = {}
    best_pair: tuple[NameParts, NameParts] | None = None
    pairs = [(na, nb) for na in a.names for nb in b.names]
    chinese = [(na, nb) for na, nb in pairs if na.script == nb.script == "zh"]
    # The Chinese name is the registered one: when both have one, it decides (瑞峰 must
    # not reach 瑞丰 through the other's "Ruifeng", nor two firms through a shared English
    # brand). Otherwise the best of the English and cross-script (pinyin) comparisons.
    for na, nb in chinese or pairs:
        s, detail = name_score(na, nb)
        if s > best:
            best, best_detail, best_pair = s, detail, (na, nb)
    score = max(best, 0.0)
    evidence["name"] = best_detail
    if best >= 90:
        evidence["agreed"].append("name")
    if best_pair is not None:
        # A place in a name is strong evidence; one from the address or a phone's area
        # code is weaker (a factory elsewhere, a branch's number). A name that only says
        # the province (江苏嘉煌) is placed by its address when that is a city of it
        # (苏州): 南京嘉煌 is then another city, weakly.
        names_a = _most_specific(best_pair[0].region, a.name_region)
        names_b = _most_specific(best_pair[1].region, b.name_region)
        ra, rb = _most_specific(names_a, a.region), _most_specific(names_b, b.region)
        strong_places = ra is not None and rb is not None and ra is names_a and rb is names_b
        relation = ra.relation(rb) if ra is not None else "unknown"
        evidence["region"] = {"relation": relation, "a": str(ra) if ra else None,
                              "b": str(rb) if rb else None}
        if relation == "conflict":
            score -= cfg.region_penalty if strong_places else cfg.region_penalty / 2
            evidence["differed"].append("region")
        elif relation == "same":
            evidence["agreed"].append("region")
            if _homophone_of_one_trade(best_detail):
                score = max(score, HOMOPHONE_SAME_PLACE_SCORE)
                evidence["agreed"].append("sound")
        if best_pair[0].branch != best_pair[1].branch:
            score -= 10
            evidence["branch"] = True
    keys = set(shared) if shared is not None else (a.strong & b.strong)
    if keys:
        evidence["keys"] = sorted(f"{k}:{v}" for k, v in keys)
        for kind in sorted({k for k, _v in keys}):
            evidence["agreed"].append({"tel": "phone", "web": "website",
                                       "mail": "email_domain"}[kind])
        score += cfg.key_bonus * min(2, len(keys))
        if best >= 50:
            score = max(score, cfg.review)
    if a.credit_code and b.credit_code:
        if a.credit_code == b.credit_code:
            score = 100.0
            evidence["agreed"].append("credit_code")
        else:
            score = min(score, 50.0)
            evidence["differed"].append("credit_code")
    if different:
        score = min(score, 0.0)
        evidence["marked_different"] = True
    score = round(max(0.0, min(100.0, score)), 1)
    evidence["score"] = score
    return Verdict(score, cfg.band(score), evidence)


# --- the key table ----------------------------------------------------------------------

def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def profile_data(profile: Profile) -> dict[str, Any]:
    """A profile as plain JSON, for company_match_profiles (tuples are JSON arrays)."""
    return {"n": [[*n[:6], _region_data(n.region), n.branch, n.industry_alts]
                  for n in profile.names],
            "cc": profile.credit_code, "r": _region_data(profile.region),
            "s": sorted(profile.strong)}


@lru_cache(maxsize=10_000)
def _region_data(r: Region | None) -> tuple | None:
    if r is None:
        return None
    if r.alternatives:
        return (r.province, r.city, tuple((a.province, a.city) for a in r.alternatives))
    return (r.province, r.city)


@lru_cache(maxsize=10_000)
def _stored_region(province: str | None, city: str | None,
                   alternatives: tuple[tuple[str, str], ...]) -> Region:
    """One shared Region per place read from stored profiles (there are a few thousand)."""
    return Region(province, city, tuple(Region(p, c) for p, c in alternatives))


def _region_from_data(r: list | None) -> Region | None:
    if r is None:
        return None
    return _stored_region(r[0], r[1], tuple(map(tuple, r[2])) if len(r) > 2 else ())


def profile_from_data(company_id: int, data: dict[str, Any]) -> Profile:
    """The Profile a company_match_profiles row holds (an import reads hundreds of
    thousands: kept to the few conversions JSON needs)."""
    region = _region_from_data
    names = [NameParts(t, sc, tr, py, tuple(ind), it, rg and region(rg), br,
                       tuple(map(tuple, alts)) if alts else ())
             for t, sc, tr, py, ind, it, rg, br, alts in data.get("n", ())]
    return Profile(names=names, credit_code=data.get("cc"), region=region(data.get("r")),
                   strong=set(map(tuple, data.get("s", ()))), company_id=company_id)


def company_profiles(session: Session, company_ids: Iterable[int]) -> dict[int, Profile]:
    """Load the profiles of stored companies (one row each from company_match_profiles).

    A company without a stored profile (written before the table existed) is read from
    its records instead.
    """
    ids = sorted(set(company_ids))
    out: dict[int, Profile] = {}
    conn = session.connection()  # plain rows: no ORM loading for thousands of them
    for chunk in bulk.chunks(session, ids):
        for cid, data in conn.execute(
                select(CompanyMatchProfile.company_id, CompanyMatchProfile.data)
                .where(bulk.one_of(session, CompanyMatchProfile.company_id, chunk))):
            out[cid] = profile_from_data(cid, data)
    missing = [i for i in ids if i not in out]
    if missing:
        out.update(stored_profiles(session, missing))
    return out


def stored_profiles(session: Session, company_ids: Iterable[int]) -> dict[int, Profile]:
    """Build profiles from the company records themselves (phones, e-mails, website)."""
    ids = sorted(set(company_ids))
    out: dict[int, Profile] = {}
    for chunk in _chunks(ids, 500):
        names: dict[int, list[str]] = defaultdict(list)
        info: dict[int, tuple] = {}
        for row in session.execute(
                select(Company.id, Company.name_zh, Company.name_en, Company.credit_code,
                       Company.province, Company.city, Company.website, Company.country)
                .where(Company.id.in_(chunk), Company.merged_into_id.is_(None))):
            info[row[0]] = row
            names[row[0]] += [row[1], row[2]]
        for cid, name in session.execute(select(CompanyAlias.company_id, CompanyAlias.name)
                                         .where(CompanyAlias.company_id.in_(chunk))):
            names[cid].append(name)
        tels: dict[int, list[str]] = defaultdict(list)
        for cid, e164 in session.execute(select(CompanyPhone.company_id, CompanyPhone.e164)
                                         .where(CompanyPhone.company_id.in_(chunk))):
            tels[cid].append(e164)
        for cid, mobile in session.execute(select(Contact.company_id, Contact.mobile_e164)
                                           .where(Contact.company_id.in_(chunk))):
            tels[cid].append(mobile)
        mails: dict[int, list[str]] = defaultdict(list)
        for cid, email in session.execute(select(CompanyEmail.company_id, CompanyEmail.email)
                                          .where(CompanyEmail.company_id.in_(chunk))):
            mails[cid].append(email)
        for cid, email in session.execute(select(Contact.company_id, Contact.email)
                                          .where(Contact.company_id.in_(chunk),
                                                 Contact.email.is_not(None))):
            mails[cid].append(email)
        for cid, (_i, _zh, _en, code, province, city, website, country) in info.items():
            out[cid] = build_profile(
                dict.fromkeys(n for n in names[cid] if n), credit_code=code,
                websites=[website], emails=mails[cid], phones_e164=tels[cid],
                province=province, city=city, country=country, company_id=cid)
    return out


def reindex_keys(session: Session, company_ids: Iterable[int]) -> None:
    """Rebuild the match keys of these companies from their records (merged ones get none)."""
    ids = sorted({i for i in company_ids if i is not None})
    if not ids:
        return
    conn = session.connection()
    for chunk in _chunks(ids, 500):
        profiles = stored_profiles(session, chunk)
        conn.execute(delete(CompanyMatchKey).where(CompanyMatchKey.company_id.in_(chunk)))
        conn.execute(delete(CompanyMatchProfile)
                     .where(CompanyMatchProfile.company_id.in_(chunk)))
        rows = [{"kind": kind, "key": key, "company_id": cid}
                for cid, p in profiles.items() for kind, key in sorted(p.stored_keys())]
        if rows:
            conn.execute(insert(CompanyMatchKey), rows)
        if profiles:
            conn.execute(insert(CompanyMatchProfile),
                         [{"company_id": cid, "data": profile_data(p)}
                          for cid, p in profiles.items()])


def forget(session: Session, company_ids: Iterable[int]) -> None:
    """Drop the match keys and profiles of companies about to be deleted (they are derived
    from the company and hold no foreign key to cascade by)."""
    conn = session.connection()
    for chunk in _chunks(sorted(set(company_ids)), 500):
        conn.execute(delete(CompanyMatchKey).where(CompanyMatchKey.company_id.in_(chunk)))
        conn.execute(delete(CompanyMatchProfile)
                     .where(CompanyMatchProfile.company_id.in_(chunk)))


# The version of how names are taken apart into keys. Raise it with every change that
# gives a name other keys (a new place or legal form rule, …): `crm dedupe` then rebuilds
# the keys stored under the older rules, so old and new records block together again.
KEYS_VERSION = 3
_KEYS_VERSION_SETTING = "internal.match_keys_version"


def keys_outdated(session: Session) -> bool:
    """Tell whether the stored keys were built by older rules than this code's."""
    row = session.get(Setting, _KEYS_VERSION_SETTING)
    stored = int(row.value) if row is not None else 1
    return stored < KEYS_VERSION and session.scalar(select(CompanyMatchKey.company_id)
                                                    .limit(1)) is not None


def _mark_keys_current(session: Session) -> None:
    row = session.get(Setting, _KEYS_VERSION_SETTING)
    if row is None:
        session.add(Setting(key=_KEYS_VERSION_SETTING, value=KEYS_VERSION))
    else:
        row.value = KEYS_VERSION
    session.flush()


def backfill(session: Session, *, chunk: int = 2000, rebuild: bool = False) -> int:
    """Give every company that has no match profile yet its keys and profile — or, with
    `rebuild`, every company new ones (after the rules changed, see KEYS_VERSION).

    For companies written before entity resolution existed (or loaded in bulk around it);
    `crm dedupe` runs it first. Returns how many companies were indexed.
    """
    done = 0
    last = 0
    while True:
        stmt = select(Company.id).where(Company.id > last, Company.merged_into_id.is_(None))
        if not rebuild:
            stmt = stmt.where(~select(CompanyMatchProfile.company_id)
                              .where(CompanyMatchProfile.company_id == Company.id).exists())
        ids = list(session.scalars(stmt.order_by(Company.id).limit(chunk)))
        if not ids:
            if rebuild or not keys_outdated(session):
                _mark_keys_current(session)
            return done
        reindex_keys(session, ids)
        done += len(ids)
        last = ids[-1]


_KEY_FIELDS = {"name_zh", "name_en", "credit_code", "website", "province", "city",
               "merged_into_id"}


def _touched(session: Session) -> set[int]:
    from sqlalchemy import inspect
    ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Company):
            if obj in session.deleted:
                continue
            state = inspect(obj)
            if obj in session.new or any(state.attrs[f].history.has_changes()
                                         for f in _KEY_FIELDS):
                ids.add(obj.id)
        elif isinstance(obj, (CompanyAlias, CompanyPhone, CompanyEmail, Contact)):
            ids.add(obj.company_id)
            history = inspect(obj).attrs.company_id.history
            ids.update(i for i in history.deleted if i)
    return {i for i in ids if i is not None}


@event.listens_for(Session, "after_flush")
def _keep_keys_current(session: Session, _ctx) -> None:
    if session.info.get("skip_match_keys"):
        return
    ids = _touched(session)
    if ids:
        reindex_keys(session, ids)


# --- finding candidates -----------------------------------------------------------------

@dataclass
class Candidate:
    """A stored company that may be the same as a record, with the verdict."""

    company_id: int
    name: str
    score: float
    band: str
    evidence: dict[str, Any]


class KeyIndex:
    """Which companies hold which keys, for one batch of lookups (set-based queries)."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str], set[int]] = defaultdict(set)

    def load(self, session: Session, keys: Iterable[tuple[str, str]], *,
             cap: int | None = None) -> None:
        """Fetch the holders of these keys in a few queries (one per kind and 500 keys)."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, key in set(keys):
            if (kind, key) not in self.holders:
                by_kind[kind].append(key)
                self.holders[(kind, key)] = set()
        for kind, values in by_kind.items():
            for chunk in bulk.chunks(session, sorted(values)):
                stmt = (select(CompanyMatchKey.key, CompanyMatchKey.company_id)
                        .where(CompanyMatchKey.kind == kind,
                               bulk.one_of(session, CompanyMatchKey.key, chunk)))
                for key, cid in session.connection().execute(stmt):
                    self.holders[(kind, key)].add(cid)

    def get(self, key: tuple[str, str]) -> set[int]:
        return self.holders.get(key, set())


def non_matches(session: Session, company_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Pairs (low id, high id) among these companies that a person said are different."""
    ids = sorted(set(company_ids))
    pairs: set[tuple[int, int]] = set()
    for chunk in bulk.chunks(session, ids):
        for a, b in session.execute(select(NonMatch.company_a_id, NonMatch.company_b_id)
                                    .where(bulk.one_of(session, NonMatch.company_a_id, chunk))):
            pairs.add((a, b))
        for a, b in session.execute(select(NonMatch.company_a_id, NonMatch.company_b_id)
                                    .where(bulk.one_of(session, NonMatch.company_b_id, chunk))):
            pairs.add((a, b))
    return pairs


def candidate_ids(profile: Profile, index: KeyIndex, cfg: MatchSettings,
                  extra_counts: dict[tuple[str, str], int] | None = None, *,
                  keys: set[tuple[str, str]] | None = None
                  ) -> tuple[set[int], dict[int, set[tuple[str, str]]]]:
    """Companies sharing a usable key with the profile, and the strong keys each shares.

    `keys` are the profile's look-up keys when the caller has them already.
    """
    found: set[int] = set()
    shared: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for key in profile.lookup_keys() if keys is None else keys:
        holders = index.get(key)
        if not holders:
            continue
        count = len(holders) + (extra_counts or {}).get(key, 0)
        kind = key[0]
        if kind in STRONG_KINDS:
            if count > cfg.shared_key_limit:
                continue
            for cid in holders:
                shared[cid].add(key)
        elif kind in BROAD_NAME_KINDS and count > cfg.name_block_limit:
            continue
        found |= holders
    return found, shared


def find_candidates(session: Session, profile: Profile, *, cfg: MatchSettings | None = None,
                    exclude: Iterable[int] = (), limit: int = 10) -> list[Candidate]:
    """Stored companies that may be this record, best first, in the review or link band."""
    cfg = cfg or MatchSettings.load(session)
    index = KeyIndex()
    index.load(session, profile.lookup_keys())
    ids, shared = candidate_ids(profile, index, cfg)
    ids -= set(exclude)
    if not ids:
        return []
    profiles = company_profiles(session, ids)
    merged = set(session.scalars(select(Company.id).where(
        Company.id.in_(list(ids)), Company.merged_into_id.is_not(None))))
    out = []
    for cid, other in profiles.items():
        if cid in merged:
            continue
        verdict = compare(profile, other, cfg, shared=shared.get(cid, set()))
        if verdict.band != "new":
            out.append(Candidate(cid, other.label, verdict.score, verdict.band, verdict.evidence))
    out.sort(key=lambda c: (-c.score, c.company_id))
    return out[:limit]


def possible_duplicates(session: Session, data: Any, *, exclude_id: int | None = None,
                        limit: int = 10) -> list[Candidate]:
    """Companies that may already be the one in this form data (CompanyData or a mapping).

    For the company form and the API to warn before a duplicate is saved.
    """
    get = data.get if isinstance(data, dict) else (lambda k, d=None: getattr(data, k, d))
    profile = build_profile(
        [get("name_zh"), get("name_en")], credit_code=get("credit_code"),
        websites=[get("website")], emails=get("emails") or [], phones=get("phones") or [],
        province=get("province"), city=get("city"), country=get("country") or "CN")
    if not profile.names and not profile.credit_code and not profile.strong:
        return []
    return find_candidates(session, profile, exclude=[exclude_id] if exclude_id else [],
                           limit=limit)
