"""Crawl sources: one YAML file per site in crawlers/sources/, validated with line numbers.

A source says where a directory, show list, venue calendar or news listing starts, how
to find each item and its fields (CSS, XPath, or JMESPath on JSON), how the site pages,
whether each item has a detail page, how to clean the values and which show edition the
items belong to. A new show is usually a new file and no code. The schema is a
marshmallow schema; each error names the line of the YAML file and the field, e.g.

    line 14, list.fields.booth_no.regex: not a valid regular expression (unbalanced parenthesis)

Nothing here imports Scrapy: the web UI validates and saves sources through this module,
the crawlers (crawlers/spiders) load them through it.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import fields as ma
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    post_load,
    validate,
    validates_schema,
)

from crm.services.errors import DomainError, N_, NotFound

SOURCES_DIR = Path(__file__).resolve().parents[2] / "crawlers" / "sources"
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "crawlers" / "templates"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
KINDS = ("exhibitors", "shows", "venue_calendar", "news")

# What each kind of source may extract. Exhibitor fields are the columns of a show
# catalogue (crm.importers.mapping.FIELDS), so a crawled exhibitor is cleaned exactly like
# an Excel row.
SHOW_FIELDS = ("name_zh", "name_en", "name", "dates", "starts_on", "ends_on", "year", "venue",
               "city", "website", "organizer", "industry", "halls", "notes")
NEWS_FIELDS = ("title", "link", "date", "summary", "companies")
URL_FIELDS = ("link", "website")


def sources_dir(directory: str | Path | None = None) -> Path:
    """The folder of source files: the one given, $CRAWL_SOURCES_DIR, or crawlers/sources."""
    if directory:
        return Path(directory)
    env = os.environ.get("CRAWL_SOURCES_DIR")
    return Path(env) if env else SOURCES_DIR


def exhibitor_fields() -> tuple[str, ...]:
    from crm.importers.mapping import FIELDS

    return tuple(FIELDS)


def allowed_fields(kind: str) -> tuple[str, ...]:
    if kind == "exhibitors":
        return exhibitor_fields()
    if kind == "news":
        return NEWS_FIELDS
    return SHOW_FIELDS


# --- errors -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceError:
    """One problem in a source file: the line (1-based), the field path and what is wrong."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field}: {self.message}"


class SourceInvalid(DomainError):
    """The source file breaks the schema; `errors` says where and why."""

    status = 422
    code = "validation"

    def __init__(self, name: str, errors: list[SourceError]) -> None:
        super().__init__(N_("The source %(name)s has %(count)s errors."), field="text",
                         name=name, count=len(errors))
        self.errors = errors

    def __str__(self) -> str:
        return f"{self.message % self.params}\n" + "\n".join(f"  {e}" for e in self.errors)


# --- the schema -------------------------------------------------------------------------

def _regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"not a valid regular expression ({exc})") from None


def _css(value: str) -> None:
    try:
        from parsel.csstranslator import HTMLTranslator
    except ImportError:  # pragma: no cover - parsel comes with Scrapy
        return
    try:
        HTMLTranslator().css_to_xpath(value)
    except Exception as exc:  # cssselect raises several kinds
        raise ValidationError(f"not a valid CSS selector ({exc})") from None


def _xpath(value: str) -> None:
    from lxml import etree

    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise ValidationError(f"not a valid XPath expression ({exc})") from None


def _jmespath(value: str) -> None:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        raise ValidationError(f"not a valid JSON path (JMESPath: {exc})") from None


def _cron(value: str) -> None:
    if value.strip().lower() in ("hourly", "daily", "nightly", "weekly"):
        return  # crm.services.jobs.CRON_ALIASES; the scheduler runs scheduled sources
    parts = value.split()
    if len(parts) != 5 or not all(re.fullmatch(r"[\d*/,\-]+", p) for p in parts):
        raise ValidationError("must be nightly, weekly, daily, hourly or a cron expression of "
                              "five fields, e.g. '0 3 * * 1'")


def _url(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be empty")
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I) and not re.match(r"^https?://", value, re.I):
        raise ValidationError("must be an http(s) address or a path on base_url")


SELECTOR_KEYS = ("css", "xpath", "path", "value")


class FieldSpecSchema(Schema):
    """How to read one value: a selector, then cleaning."""

    class Meta:
        unknown = RAISE

    css = ma.String(validate=_css)
    xpath = ma.String(validate=_xpath)
    path = ma.String(validate=_jmespath)  # JMESPath, on JSON items
    value = ma.String()  # a constant
    many = ma.Boolean(load_default=False)  # a list of values instead of one text
    join = ma.String(load_default=" ")  # how several matches become one text
    split = ma.String(validate=_regex)  # split the text into a list at this regex
    regex = ma.String(validate=_regex)  # keep the first group (or the match)
    replace = ma.List(ma.List(ma.String(), validate=validate.Length(equal=2)))
    strip = ma.Boolean(load_default=True)
    default = ma.String()

    @validates_schema
    def _one_selector(self, data: dict[str, Any], **_kw: Any) -> None:
        given = [k for k in SELECTOR_KEYS if k in data]
        if len(given) != 1:
            raise ValidationError("give exactly one of css, xpath, path or value",
                                  field_name="_selector")
        for pattern, _repl in data.get("replace") or []:
            _regex(pattern)


class FieldSpec(ma.Field):
    """A field spec, or a string as a shorthand for {css: ...}."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if isinstance(value, str):
            value = {"css": value}
        if not isinstance(value, dict):
            raise ValidationError("must be a CSS selector text or a mapping with css, xpath, "
                                  "path or value")
        return FieldSpecSchema().load(value)


class SelectorSchema(Schema):
    class Meta:
        unknown = RAISE

    css = ma.String(validate=_css)
    xpath = ma.String(validate=_xpath)

    @validates_schema
    def _one(self, data: dict[str, Any], **_kw: Any) -> None:
        if ("css" in data) == ("xpath" in data):
            raise ValidationError("give exactly one of css or xpath", field_name="_selector")


class Selector(ma.Field):
    """An item selector, or a string as a shorthand for {css: ...}."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if isinstance(value, str):
            value = {"css": value}
        if not isinstance(value, dict):
            raise ValidationError("must be a CSS selector text or a mapping with css or xpath")
        return SelectorSchema().load(value)


class ListSchema(Schema):
    """Items on HTML list pages."""

    class Meta:
        unknown = RAISE

    items = Selector(required=True)
    fields = ma.Dict(keys=ma.String(), values=FieldSpec(), required=True,
                         validate=validate.Length(min=1))


class JsonSchema(Schema):
    """Items in JSON answers (the directory loads JSON behind the page)."""

    class Meta:
        unknown = RAISE

    items = ma.String(required=True, validate=_jmespath)
    fields = ma.Dict(keys=ma.String(), values=FieldSpec(), required=True,
                         validate=validate.Length(min=1))


class DetailSchema(Schema):
    class Meta:
        unknown = RAISE

    link = FieldSpec(required=True)
    fields = ma.Dict(keys=ma.String(), values=FieldSpec(), required=True,
                         validate=validate.Length(min=1))
    required = ma.Boolean(load_default=False)  # drop the item when its page fails


class PagesSchema(Schema):
    class Meta:
        unknown = RAISE

    param = ma.String()  # ?page=N on the start URL
    template = ma.String()  # or a URL with {page}
    start = ma.Integer(load_default=1)
    step = ma.Integer(load_default=1, validate=validate.Range(min=1))
    last = FieldSpec()  # read the last page number on the first page: fetch all at once

    @validates_schema
    def _one(self, data: dict[str, Any], **_kw: Any) -> None:
        if ("param" in data) == ("template" in data):
            raise ValidationError("give exactly one of param or template", field_name="_pages")
        if "template" in data and "{page}" not in data["template"]:
            raise ValidationError("must contain {page}", field_name="template")


class OffsetSchema(Schema):
    class Meta:
        unknown = RAISE

    param = ma.String(required=True)
    start = ma.Integer(load_default=0, validate=validate.Range(min=0))
    step = ma.Integer(required=True, validate=validate.Range(min=1))
    total = FieldSpec()  # read the number of items on the first page: fetch all at once


class PaginationSchema(Schema):
    class Meta:
        unknown = RAISE

    next = FieldSpec()
    pages = ma.Nested(PagesSchema)
    offset = ma.Nested(OffsetSchema)

    @validates_schema
    def _one(self, data: dict[str, Any], **_kw: Any) -> None:
        if sum(k in data for k in ("next", "pages", "offset")) != 1:
            raise ValidationError("give exactly one of next, pages or offset",
                                  field_name="_pagination")


class ExhibitionSchema(Schema):
    class Meta:
        unknown = RAISE

    name = ma.String(required=True, validate=validate.Length(min=1, max=300))
    year = ma.Integer(required=True, validate=validate.Range(min=1950, max=2100))


class OrganizerSchema(Schema):
    class Meta:
        unknown = RAISE

    name_zh = ma.String(validate=validate.Length(max=300))
    name_en = ma.String(validate=validate.Length(max=300))
    website = ma.String(validate=validate.Length(max=300))

    @validates_schema
    def _named(self, data: dict[str, Any], **_kw: Any) -> None:
        if not data.get("name_zh") and not data.get("name_en"):
            raise ValidationError("give name_zh or name_en", field_name="name_zh")


class PolitenessSchema(Schema):
    class Meta:
        unknown = RAISE

    concurrency = ma.Integer(validate=validate.Range(min=1, max=16))
    delay = ma.Float(validate=validate.Range(min=0, max=120))


class LimitsSchema(Schema):
    class Meta:
        unknown = RAISE

    max_pages = ma.Integer(load_default=500, validate=validate.Range(min=1, max=100000))
    max_items = ma.Integer(validate=validate.Range(min=1))


class SourceSchema(Schema):
    """One crawl source file."""

    class Meta:
        unknown = RAISE

    kind = ma.String(required=True, validate=validate.OneOf(KINDS))
    title = ma.String(validate=validate.Length(max=200))
    enabled = ma.Boolean(load_default=True)
    schedule = ma.String(allow_none=True, validate=_cron)
    base_url = ma.String(validate=_url)
    start_urls = ma.List(ma.String(validate=_url), required=True,
                             validate=validate.Length(min=1))
    allowed_domains = ma.List(ma.String())
    encoding = ma.String()  # when the site declares the wrong one
    exhibition = ma.Nested(ExhibitionSchema)
    organizer = ma.Nested(OrganizerSchema)
    venue = ma.String(validate=validate.Length(min=1, max=200))
    list = ma.Nested(ListSchema)
    json = ma.Nested(JsonSchema)
    detail = ma.Nested(DetailSchema)
    pagination = ma.Nested(PaginationSchema)
    politeness = ma.Nested(PolitenessSchema, load_default=dict)
    limits = ma.Nested(LimitsSchema, load_default=lambda: {"max_pages": 500})
    required = ma.List(ma.String())

    @validates_schema(skip_on_field_errors=False)
    def _coherent(self, data: dict[str, Any], **_kw: Any) -> None:
        kind = data.get("kind")
        errors: dict[str, Any] = {}
        if ("list" in data) == ("json" in data):
            errors["list"] = ["give exactly one of list (HTML pages) or json (JSON answers)"]
        if kind == "exhibitors" and "exhibition" not in data:
            errors["exhibition"] = ["an exhibitor directory names the show edition its "
                                    "items belong to: exhibition: {name: …, year: …}"]
        if kind == "venue_calendar" and "venue" not in data:
            errors["venue"] = ["a venue calendar names its venue (as in the venue list)"]
        if kind in KINDS:
            allowed = set(allowed_fields(kind))
            for section in ("list", "json", "detail"):
                names = list((data.get(section) or {}).get("fields", {}))
                bad = [n for n in names if n not in allowed]
                for name in bad:
                    errors.setdefault(section, {}).setdefault("fields", {})[name] = [
                        f"unknown field for kind {kind}; known: {', '.join(sorted(allowed))}"]
            configured = {n for s in ("list", "json", "detail")
                          for n in (data.get(s) or {}).get("fields", {})}
            need = _needed_fields(kind)
            for group in need:
                if configured and not configured & set(group):
                    section = "list" if "list" in data else "json"
                    errors.setdefault(section, {}).setdefault("fields", {}).setdefault(
                        "_required", []).append(f"needs a field {' or '.join(group)}")
            for name in data.get("required") or []:
                if name not in allowed:
                    errors.setdefault("required", []).append(f"unknown field {name!r}")
        relative = [u for u in data.get("start_urls") or [] if not re.match(r"^https?://", u)]
        if relative and not data.get("base_url"):
            errors["start_urls"] = ["relative start URLs need base_url"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _defaults(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        data.setdefault("limits", {"max_pages": 500})
        data["limits"].setdefault("max_pages", 500)
        data.setdefault("required", [])
        return data


def _needed_fields(kind: str) -> list[tuple[str, ...]]:
    if kind == "exhibitors":
        return [("name_zh", "name_en", "name")]
    if kind == "news":
        return [("title",), ("link",)]
    return [("name_zh", "name_en", "name"), ("dates", "starts_on", "year")]


# --- loading with line numbers ------------------------------------------------------------

@dataclass
class SourceConfig:
    """A validated source: its name, file and settings (plain dicts, defaults filled)."""

    name: str
    path: Path | None
    data: dict[str, Any]
    text: str = ""

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def title(self) -> str:
        return self.data.get("title") or self.name

    @property
    def sha(self) -> str:
        return text_sha(self.text)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Lines:
    """Where each path of a YAML document starts, from the composed node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, path: list[Any]) -> int | None:
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            found = self._child(node, part)
            if found is None:
                if part in ("value", "key") or str(part).startswith("_"):
                    continue  # marshmallow's wrappers and schema-level errors
                break
            node, line = found
        return line

    @staticmethod
    def _child(node: yaml.Node, part: Any) -> tuple[yaml.Node, int] | None:
        # A value is shown on its key's line: that is where a person looks for the field.
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    return value, key.start_mark.line + 1
            return None
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            return node.value[part], node.value[part].start_mark.line + 1
        return None


def _flatten(messages: Any, path: list[Any]) -> list[tuple[list[Any], str]]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out += _flatten(value, path + [key])
        return out
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return [(path, m) for m in messages]
        out = []
        for i, value in enumerate(messages):
            out += _flatten(value, path + [i])
        return out
    return [(path, str(messages))]


def _field_label(path: list[Any]) -> str:
    label = ""
    for part in path:
        if part in ("value", "key"):
            continue
        if isinstance(part, int):
            label += f"[{part}]"
        elif str(part).startswith("_"):
            continue
        else:
            label += ("." if label else "") + str(part)
    return label or "(file)"


def parse_source(name: str, text: str, path: Path | None = None) -> SourceConfig:
    """Validate a source's YAML text; raise SourceInvalid naming each line and field."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourceInvalid(name, [SourceError(mark.line + 1 if mark else None, "(yaml)",
                                               f"{exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise SourceInvalid(name, [SourceError(None, "(yaml)", str(exc))]) from None
    if not isinstance(data, dict):
        raise SourceInvalid(name, [SourceError(1, "(file)", "must be a mapping of settings "
                                                            "(kind, start_urls, list …)")])
    try:
        loaded = SourceSchema().load(data)
    except ValidationError as exc:
        lines = _Lines(root)
        errors = [SourceError(lines.line(p), _field_label(p), m)
                  for p, m in _flatten(exc.messages, [])]
        errors.sort(key=lambda e: (e.line or 0, e.field))
        raise SourceInvalid(name, errors) from None
    return SourceConfig(name=name, path=path, data=loaded, text=text)


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise SourceInvalid(name or "?", [SourceError(None, "name", N_(
            "a source name is 2–61 lower-case letters, digits or _, starting with a letter"))])
    return name


def source_path(name: str, directory: str | Path | None = None) -> Path:
    return sources_dir(directory) / f"{check_name(name)}.yaml"


def load_source(name: str, directory: str | Path | None = None) -> SourceConfig:
    """Read and validate the source file NAME.yaml."""
    path = source_path(name, directory)
    if not path.is_file():
        raise NotFound(N_("No crawl source %(name)s."), name=name)
    return parse_source(name, path.read_text(encoding="utf-8"), path)


def source_names(directory: str | Path | None = None) -> list[str]:
    folder = sources_dir(directory)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if NAME_RE.match(p.stem))


@dataclass
class SourceInfo:
    """A source as listed: valid (config set) or not (errors set)."""

    name: str
    path: Path
    config: SourceConfig | None = None
    errors: list[SourceError] = field(default_factory=list)

    @property
    def kind(self) -> str | None:
        return self.config.kind if self.config else None

    @property
    def title(self) -> str:
        return self.config.title if self.config else self.name


def list_sources(directory: str | Path | None = None) -> list[SourceInfo]:
    """Every source file, valid or not, by name."""
    out = []
    for name in source_names(directory):
        path = source_path(name, directory)
        try:
            out.append(SourceInfo(name, path, load_source(name, directory)))
        except SourceInvalid as exc:
            out.append(SourceInfo(name, path, errors=exc.errors))
    return out


def read_text(name: str, directory: str | Path | None = None) -> str:
    path = source_path(name, directory)
    if not path.is_file():
        raise NotFound(N_("No crawl source %(name)s."), name=name)
    return path.read_text(encoding="utf-8")


def save_source(name: str, text: str, directory: str | Path | None = None, *,
                expected_sha: str | None = None, create: bool = False) -> SourceConfig:
    """Validate and write a source file; refuse an invalid one or a stale edit.

    `expected_sha` is the SHA-256 of the text the editor started from: when the file has
    changed since, the save is refused (StaleEdit) rather than overwriting the other edit.
    """
    from crm.services.errors import Conflict, StaleEdit

    path = source_path(name, directory)
    text = text.replace("\r\n", "\n")
    config = parse_source(name, text, path)
    if create and path.exists():
        raise Conflict(N_("A source named %(name)s already exists."), field="name", name=name)
    if not create:
        if not path.is_file():
            raise NotFound(N_("No crawl source %(name)s."), name=name)
        if expected_sha is not None and text_sha(path.read_text(encoding="utf-8")) != expected_sha:
            raise StaleEdit(N_("Someone else saved this source while you were editing it. "
                               "Reload it and apply your change again."))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return config


def template_text(kind: str) -> str:
    """The commented starting point for a new source of this kind."""
    path = TEMPLATES_DIR / f"{kind}.yaml"
    return path.read_text(encoding="utf-8") if path.is_file() else f"kind: {kind}\n"
