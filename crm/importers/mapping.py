"""Column mapping: which column of a catalogue holds which field, from its header text.

表头映射. Headers arrive in Chinese, English or both ("公司名称 Company Name"), with
full-width brackets, stars for required columns, hints such as "（中文）" or "(EN)", two-row
headers combined as "联系方式 / 电话", and typos. `suggest_mapping` reads them all; a
mapping saved by a person (a YAML file, or the web form) always wins over a suggestion.
"""
from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from os import PathLike
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from crm.importers.chinese import simplify
from crm.importers.errors import MappingError

NAME_FIELDS = ("name_zh", "name_en", "name")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class FieldSpec:
    """One field an importer can fill: its English label, header synonyms and length limit."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    weak_synonyms: tuple[str, ...] = ()  # match only when nothing better claims the field
    max_length: int | None = None


def _spec(name: str, label: str, synonyms: str, weak: str = "",
          max_length: int | None = None) -> FieldSpec:
    split = lambda text: tuple(s.strip() for s in text.split("|") if s.strip())
    return FieldSpec(name, label, split(synonyms), split(weak), max_length)


FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in (
    _spec("name_zh", "Company name (Chinese)",
          "中文名称|中文名|公司中文名称|公司中文名|中文公司名称|展商中文名称|企业中文名称|参展商中文名称|"
          "单位中文名称|chinese name|company name chinese|name cn|name zh|company cn",
          max_length=300),
    _spec("name_en", "Company name (English)",
          "英文名称|英文名|公司英文名称|公司英文名|英文公司名称|展商英文名称|企业英文名称|参展商英文名称|"
          "单位英文名称|english name|company name english|name en|company en",
          max_length=300),
    _spec("name", "Company name",
          "公司名称|公司名|展商名称|展商名|参展商|参展商名称|参展企业|参展企业名称|参展单位|参展单位名称|"
          "参展公司|单位名称|企业名称|客户名称|厂商名称|机构名称|公司全称|企业全称|展商|"
          "company|company name|exhibitor|exhibitor name|exhibitors|exhibiting company|name|"
          "firm|organisation|organization|organization name|organisation name|corporate name",
          "公司|单位|企业|名称|厂商|客户",
          max_length=300),
    _spec("booth_no", "Booth no.",
          "展位号|展位|摊位号|摊位|展台号|展位编号|展位号码|展台编号|booth|booth no|booth number|"
          "booth nr|stand|stand no|stand number|stand nr|booth#|stand#",
          max_length=50),
    _spec("hall", "Hall",
          "展馆|馆号|展厅|展馆号|展厅号|所在展馆|hall|hall no|hall number|hall nr", "馆",
          max_length=50),
    _spec("area_m2", "Area (m²)",
          "面积|展位面积|展出面积|租用面积|展台面积|面积平方米|面积m2|面积㎡|平方米|"
          "area|sqm|area sqm|area m2|booth size|stand size|booth area|stand area|size", "space"),
    _spec("booth_type", "Booth type",
          "展位类型|展台类型|展位性质|展位形式|展位类别|特装标摊|特装/标摊|booth type|stand type|"
          "type of booth|type of stand"),
    _spec("origin", "Domestic or foreign",
          "国内外|境内外|国内国外|国内/国外|境内/境外|内外资|展商类别|展商类型|展商来源|origin|"
          "domestic foreign|domestic/foreign|exhibitor type"),
    _spec("country", "Country",
          "国家|国别|国家地区|国家/地区|国家或地区|所属国家|国籍|country|country/region|"
          "country region|nation|nationality"),
    _spec("province", "Province",
          "省份|所在省份|省|省市|所在省市|province|state|province/state", max_length=50),
    _spec("city", "City", "城市|所在城市|市|所在地|city|town", max_length=50),
    _spec("address", "Address",
          "地址|公司地址|通讯地址|联系地址|详细地址|办公地址|企业地址|单位地址|address|"
          "company address|addr|street|mailing address", max_length=500),
    _spec("website", "Website",
          "网址|网站|公司网址|公司网站|官网|官方网站|主页|企业网址|网页|website|web|url|homepage|"
          "web site|www|internet", max_length=300),
    _spec("phone", "Telephone",
          "电话|联系电话|联系人电话|公司电话|座机|固定电话|电话号码|总机|tel|telephone|phone|phone number|"
          "tel no|telephone number|landline", "联系方式|contact number|contact no"),
    _spec("mobile", "Mobile",
          "手机|手机号|手机号码|移动电话|联系人手机|联系手机|mobile|cell|cellphone|cell phone|"
          "mobile phone|mobile no|mob|handphone"),
    _spec("fax", "Fax", "传真|传真号|传真号码|fax|facsimile|fax no"),
    _spec("email", "E-mail",
          "邮箱|电子邮件|电子邮箱|邮件|联系邮箱|联系人邮箱|公司邮箱|邮箱地址|email|e-mail|mail|e mail|"
          "email address|e-mail address"),
    _spec("contact_name", "Contact name",
          "联系人|联系人姓名|姓名|联络人|负责人|名字|contact|contact person|contact name|"
          "full name|person", max_length=100),
    _spec("contact_title", "Contact title",
          "职务|职位|头衔|联系人职务|职称|title|position|job title|designation", max_length=100),
    _spec("contact_department", "Department",
          "部门|所在部门|所属部门|department|dept|division", max_length=100),
    _spec("wechat", "WeChat", "微信|微信号|wechat|weixin|wechat id|wx", max_length=100),
    _spec("credit_code", "Unified social credit code",
          "统一社会信用代码|社会信用代码|统一信用代码|信用代码|credit code|uscc|"
          "unified social credit code", "税号|纳税人识别号|tax id"),
    _spec("industry", "Industry",
          "行业|所属行业|行业类别|行业分类|展品类别|产品类别|industry|sector|product category",
          "类别|category"),
    _spec("pavilion", "Pavilion",
          "展团|国家馆|国家展团|所属展团|地区展团|展团名称|pavilion|country pavilion|"
          "national pavilion|group pavilion", max_length=200),
    _spec("products", "Products",
          "展品|主要展品|展品范围|展品介绍|主营产品|主要产品|产品|经营范围|products|exhibits|"
          "main products|exhibit products|product|exhibited products"),
    _spec("notes", "Notes", "备注|说明|附注|备忘|remarks|notes|note|comment|comments|memo|remark",
          "其他|其它|other"),
)}

# Where a business-card list means the person by "Name", a catalogue means the company.
_PURPOSE_OVERRIDES: dict[str, dict[str, str]] = {
    "contacts": {"name": "contact_name", "fullname": "contact_name", "title": "contact_title"},
}
PURPOSES = ("catalogue", "contacts")

EXACT, PART, WEAK, CONTAINS, FUZZY = 100, 95, 85, 80, 70
FUZZY_CUTOFF = 85
_ZH_HINT = re.compile(r"中文|chinese|\(中\)|\bcn\b|\bzh\b|\bchn\b")
_EN_HINT = re.compile(r"英文|english|\(英\)|\ben\b|\beng\b")
_HINT_WORDS = re.compile(r"中英文|中文|英文|chinese|english|\(中\)|\(英\)|\b(?:cn|zh|chn|en|eng)\b")
_PART_SPLIT = re.compile(r"\s*(?:[/|\\\n»]|\s-\s|\(|\))\s*")
GROUP_MARK = " » "  # joins a two-row header: "联系方式 » 电话"
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_header(text: str) -> str:
    """Fold a header for comparison: NFKC, simplified, lower case, no spaces or punctuation."""
    return _NOT_WORD.sub("", _lowered(text))


def _lowered(text: str) -> str:
    return simplify(unicodedata.normalize("NFKC", text or "").lower())


def _synonym_table(purpose: str) -> dict[str, tuple[str, int]]:
    """Normalised synonym → (field, score), strong synonyms first."""
    table: dict[str, tuple[str, int]] = {}
    for spec in FIELDS.values():
        for synonym in spec.synonyms:
            table.setdefault(normalise_header(synonym), (spec.name, EXACT))
    for spec in FIELDS.values():
        for synonym in spec.weak_synonyms:
            table.setdefault(normalise_header(synonym), (spec.name, WEAK))
    for synonym, field in _PURPOSE_OVERRIDES.get(purpose, {}).items():
        table[normalise_header(synonym)] = (field, EXACT)
    return table


_TABLES = {purpose: _synonym_table(purpose) for purpose in PURPOSES}
_ZH_SYNONYMS = {purpose: sorted((s for s in table if _CJK.search(s) and len(s) >= 2),
                                key=len, reverse=True)
                for purpose, table in _TABLES.items()}
_FUZZY_CHOICES = {purpose: [s for s in table if len(s) >= 4] for purpose, table in _TABLES.items()}


def _script_hint(text: str) -> str | None:
    lowered = _lowered(text)
    zh, en = bool(_ZH_HINT.search(lowered)), bool(_EN_HINT.search(lowered))
    if "中英文" in lowered or zh == en:
        return None
    return "zh" if zh else "en"


def _with_hint(field: str, hint: str | None) -> str:
    if field == "name" and hint:
        return f"name_{hint}"
    return field


@lru_cache(maxsize=4096)
def classify_header(header: str, purpose: str = "catalogue") -> tuple[str, int] | None:
    """Say which field a header names and how sure that is (100 exact … 70 fuzzy), or None."""
    table = _TABLES[purpose]
    whole = normalise_header(header)
    if not whole:
        return None
    if whole in table:
        return table[whole]
    hint = _script_hint(header)
    bare = normalise_header(_HINT_WORDS.sub(" ", _lowered(header)))
    if bare in table:
        field, score = table[bare]
        return _with_hint(field, hint), score
    found = _by_parts(header, table) or _by_containment(bare, purpose) or _by_fuzz(bare, purpose)
    if found is None:
        return None
    field, score = found
    return _with_hint(field, hint), score


def _by_parts(header: str, table: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """Match one part of a bilingual header ("电话/传真": the first part wins) or of a
    two-row header ("联系方式 » 电话": the sub-header, the last part, wins)."""
    lowered = _lowered(header)
    parts = [p for p in _PART_SPLIT.split(lowered) if p and p.strip()]
    if len(parts) < 2:
        parts = _split_scripts(lowered)
    if "»" in lowered:
        parts.reverse()
    for part in parts:
        key = normalise_header(_HINT_WORDS.sub(" ", part))
        if key in table:
            field, score = table[key]
            return field, min(score, PART)
    return None


def _split_scripts(text: str) -> list[str]:
    """Split "公司名称Company Name" into its Chinese and Latin runs."""
    return [run for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z][a-z .\-#&]*", text)
            if run.strip()]


def _by_containment(bare: str, purpose: str) -> tuple[str, int] | None:
    """Find the longest Chinese synonym inside the header ("参展企业名称全称" → name)."""
    if not _CJK.search(bare):
        return None
    for synonym in _ZH_SYNONYMS[purpose]:
        if len(synonym) >= 3 and synonym in bare:
            return _TABLES[purpose][synonym][0], CONTAINS
    return None


def _by_fuzz(bare: str, purpose: str) -> tuple[str, int] | None:
    """Catch typos ("Compnay Name", "Adress") with rapidfuzz; short headers are too risky."""
    if len(bare) < 4:
        return None
    best = process.extractOne(bare, _FUZZY_CHOICES[purpose], scorer=fuzz.ratio,
                              score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    return _TABLES[purpose][best[0]][0], FUZZY


def known_header_count(cells: Sequence[str], purpose: str = "catalogue") -> int:
    """Count the cells that are header words we know (used to find the header row)."""
    count = 0
    for cell in cells:
        if cell and len(cell) <= 60:
            found = classify_header(cell, purpose)
            if found and found[1] >= CONTAINS:
                count += 1
    return count


def suggest_mapping(headers: list[str], *, purpose: str = "catalogue",
                    sample: Sequence[Sequence[str]] | None = None) -> dict[str, int]:
    """Suggest field → column index from the headers; never two fields on one column.

    The surest match claims a column first; on a tie the leftmost column wins. When two
    columns both say "company name", the one holding Chinese becomes name_zh and the other
    name_en — judged from `sample` rows when given, else from the header's own script.
    """
    candidates = []
    for index, header in enumerate(headers):
        found = classify_header(header, purpose) if header else None
        if found:
            candidates.append((found[1], index, found[0]))
    candidates = _split_name_columns(candidates, headers, sample)
    mapping: dict[str, int] = {}
    for _score, index, field in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if field not in mapping and index not in mapping.values():
            mapping[field] = index
    return mapping


def _split_name_columns(candidates: list[tuple[int, int, str]], headers: list[str],
                        sample: Sequence[Sequence[str]] | None) -> list[tuple[int, int, str]]:
    """Two "company name" columns in different scripts are the Chinese and English names."""
    names = [c for c in candidates if c[2] == "name"]
    scripts = [_column_script(index, headers[index], sample) for _, index, _ in names]
    taken = {c[2] for c in candidates}
    if len(names) < 2 or len(set(scripts)) < 2 or taken & {"name_zh", "name_en"}:
        return candidates
    result = [c for c in candidates if c[2] != "name"]
    for (score, index, _field), script in zip(names, scripts, strict=True):
        result.append((score, index, f"name_{script}"))
    return result


def _column_script(index: int, header: str, sample: Sequence[Sequence[str]] | None) -> str:
    values = [row[index] for row in (sample or []) if index < len(row) and row[index]]
    if values:
        chinese = sum(1 for value in values if _CJK.search(value))
        return "zh" if chinese * 2 >= len(values) else "en"
    return "zh" if _CJK.search(header) else "en"


# ---- mappings saved by people ------------------------------------------------------------

_LETTERS = re.compile(r"^[A-Z]{1,3}$")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the spreadsheet name of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


def column_index(letters: str) -> int:
    """A → 0, AA → 26: the 0-based index of a spreadsheet column name."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + string.ascii_uppercase.index(letter) + 1
    return index - 1


def load_mapping_file(path: str | PathLike[str]) -> dict[str, str]:
    """Read a saved mapping (YAML: field → header text, column letter or 1-based number).

    A field mapped to nothing (`notes:` or `notes: ~`) is kept as "" and means "do not
    fill this field", so a suggestion cannot fill it either.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(path, f"{path.name}: cannot read the mapping file ({exc})") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else None
        raise MappingError(path, f"{path.name}, line {line}: not valid YAML ({exc.problem})",
                           line=line) from exc
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise MappingError(path, f"{path.name}, line {root.start_mark.line + 1}: expected "
                                 "'field: column' lines", line=root.start_mark.line + 1)
    return _mapping_entries(path, root)


def _mapping_entries(path: Path, root: yaml.MappingNode) -> dict[str, str]:
    mapping: dict[str, str] = {}
    used: dict[str, str] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        field = str(key_node.value).strip()
        where = f"{path.name}, line {line}"
        if field not in FIELDS:
            close = process.extractOne(field, list(FIELDS), scorer=fuzz.ratio, score_cutoff=60)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise MappingError(path, f"{where}: unknown field '{field}'{hint}",
                               line=line, field=field)
        if field in mapping:
            raise MappingError(path, f"{where}: field '{field}' is mapped twice",
                               line=line, field=field)
        column = _mapping_value(path, where, field, line, value_node)
        if column and column.casefold() in used:
            other = used[column.casefold()]
            raise MappingError(path, f"{where}: column '{column}' is already mapped to "
                                     f"'{other}'", line=line, field=field)
        if column:
            used[column.casefold()] = field
        mapping[field] = column
    return mapping


def _mapping_value(path: Path, where: str, field: str, line: int, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise MappingError(path, f"{where}: '{field}' must name one column (a header, a "
                                 "letter such as C, or a number)", line=line, field=field)
    value = str(node.value).strip()
    if value in ("~", "null"):
        return ""
    if value.isdigit() and int(value) < 1:
        raise MappingError(path, f"{where}: column numbers start at 1, not {value}",
                           line=line, field=field)
    return value


def resolve_mapping(mapping: Mapping[str, str | int | None], headers: list[str],
                    columns: list[int], *, file: str | PathLike[str] = "") -> dict[str, int | None]:
    """Turn a given mapping into field → header index (None: deliberately not mapped).

    A value is an int (a header index, as `suggest_mapping` returns), a header text, a
    column letter ("C") or a 1-based column number as text ("3"); letters and numbers
    count columns of the file, so they survive dropped empty columns.
    """
    resolved: dict[str, int | None] = {}
    for field, value in mapping.items():
        if field not in FIELDS:
            raise MappingError(file, f"{Path(file).name}: unknown field '{field}' in the "
                                     "column mapping", field=field, found=list(headers))
        resolved[field] = _resolve_column(field, value, headers, columns, file)
    return resolved


def _resolve_column(field: str, value: str | int | None, headers: list[str],
                    columns: list[int], file: str | PathLike[str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        if 0 <= value < len(headers):
            return value
        raise _missing_column(file, field, f"column index {value}", headers)
    text = str(value).strip()
    wanted = normalise_header(text)
    for index, header in enumerate(headers):
        if header == text or (wanted and normalise_header(header) == wanted):
            return index
    file_column = None
    if _LETTERS.match(text):
        file_column = column_index(text)
    elif text.isdigit():
        file_column = int(text) - 1
    if file_column is not None and file_column in columns:
        return columns.index(file_column)
    raise _missing_column(file, field, f"column '{text}'", headers)


def _missing_column(file: str | PathLike[str], field: str, what: str,
                    headers: list[str]) -> MappingError:
    found = ", ".join(repr(h) for h in headers if h) or "none"
    return MappingError(file, f"{Path(file).name}: {what} for '{field}' is not in the file "
                              f"(headers found: {found})",
                        missing=[field], found=list(headers), field=field)
