"""Venue specifications (展馆技术参数): one YAML file per venue, validated, synced to the database.

Every figure in a spec is a *fact*: `{value, source: [...], note?, conflicts?: [...]}`. A value
without a source is refused; unknown figures are `null` with an empty source list. The
schema below is JSON-schema-like (type, required, properties, additionalProperties, items,
pattern, maxLength, minItems, anyOf, dependentRequired) plus two house rules: `sourced`
(a stated value needs a source) and `exactlyOne` (a hall names one id or a list of ids).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Hall, Venue
from crm.services import reference

VENUE_SPECS_DIR = Path(__file__).resolve().parents[2] / "venue_specs"

# --- the schema ---------------------------------------------------------------------------

STRING = {"type": "string"}
SOURCES = {"type": "array", "items": {"type": "string", "minLength": 1}}
CONFLICT = {
    "type": "object", "required": ["value", "source"], "additionalProperties": False,
    "properties": {"value": {}, "source": {**SOURCES, "minItems": 1}, "note": STRING},
}


def fact(value_types: list[str] | None = None, max_length: int | None = None) -> dict:
    """Schema of one sourced figure whose value has one of these JSON types."""
    value: dict[str, Any] = {"type": value_types} if value_types else {}
    if max_length:
        value["maxLength"] = max_length
    return {
        "type": "object", "required": ["value", "source"], "additionalProperties": False,
        "sourced": True,
        "properties": {"value": value, "source": SOURCES, "note": STRING,
                       "conflicts": {"type": "array", "items": CONFLICT}},
    }


TEXT = fact(["string", "null"])
NUMBER = fact(["number", "null"])
FIGURE = fact(["number", "string", "null"])  # a hall figure may be stated only in words
GROUP = {
    "type": "object", "required": ["note"], "additionalProperties": False,
    "properties": {"note": STRING, "items": {"type": "array", "items": fact()}},
}
HALL = {
    "type": "object", "exactlyOne": ["hall_id", "hall_ids"],
    "dependentRequired": {"hall_ids": ["figures_per_hall"]},
    "properties": {
        "hall_id": {"type": "string", "minLength": 1, "maxLength": 50},
        "hall_ids": {"type": "array", "minItems": 1,
                     "items": {"type": "string", "minLength": 1, "maxLength": 50}},
        "figures_per_hall": {"type": "boolean"},
        "description": STRING,
        "area_m2": FIGURE, "clear_height_m": FIGURE, "floor_load_t_per_m2": FIGURE,
        "column_grid_m": fact(["string", "null"], 100),
        "doors": fact(["string", "null"], 200),
        "power": fact(["string", "null"], 200),
        "rigging": fact(["string", "null"], 200),
    },
    "additionalProperties": fact(),  # any other stated hall detail, e.g. roof_span_m
}
VENUE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "region", "name_zh", "name_en", "city", "address",
                 "total_indoor_exhibition_area_m2", "opening_year", "operator",
                 "official_website"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 60},
        "region": {"type": "object", "required": ["province", "city"],
                   "additionalProperties": False,
                   "properties": {"province": {"type": "string", "maxLength": 50},
                                  "city": {"type": "string", "maxLength": 50}}},
        "name_zh": fact(["string", "null"], 200), "name_en": fact(["string", "null"], 200),
        "city": TEXT, "address": fact(["string", "null"], 500),
        "total_indoor_exhibition_area_m2": NUMBER, "outdoor_area_m2": NUMBER,
        "total_building_area_m2": NUMBER,
        "number_of_halls": fact(["integer", "string", "null"]),
        "hall_ids_seen": fact(["array", "null"]), "hall_naming": TEXT, "hall_mix": TEXT,
        "halls": {"type": "array", "items": HALL},
        "hall_notes": {"type": "object", "additionalProperties": {"anyOf": [fact(), STRING]}},
        "opening_year": fact(["integer", "null"]),
        "operator": TEXT,
        "official_website": fact(["string", "null"], 300),
        "other": {"type": "object", "additionalProperties": {"anyOf": [fact(), GROUP]}},
        "note": STRING,
        "excluded_sources": {"type": "array", "items": {
            "type": "object", "required": ["url", "reason"], "additionalProperties": False,
            "properties": {"url": STRING, "reason": STRING}}},
    },
}

# --- the validator ------------------------------------------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float), "null": (type(None),),
}


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[name])


def schema_errors(value: Any, schema: dict, where: str = "") -> list[tuple[str, str]]:
    """Return (field, problem) pairs for every way the value breaks the schema."""
    if "anyOf" in schema:
        options = [schema_errors(value, option, where) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else min(options, key=len)
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        if not any(_is_type(value, t) for t in types):
            return [(where or "(file)", f"must be {' or '.join(types)}, "
                                        f"not {type(value).__name__}")]
    if isinstance(value, str):
        return _string_errors(value, schema, where)
    if isinstance(value, list):
        return _array_errors(value, schema, where)
    if isinstance(value, dict):
        return _object_errors(value, schema, where)
    return []


def _string_errors(value: str, schema: dict, where: str) -> list[tuple[str, str]]:
    errors = []
    if len(value) < schema.get("minLength", 0):
        errors.append((where, "must not be empty"))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append((where, f"is longer than {schema['maxLength']} characters"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append((where, f"does not match {schema['pattern']}"))
    return errors


def _array_errors(value: list, schema: dict, where: str) -> list[tuple[str, str]]:
    errors = []
    if len(value) < schema.get("minItems", 0):
        errors.append((where, f"needs at least {schema['minItems']} item(s)"))
    for i, item in enumerate(value):
        errors += schema_errors(item, schema.get("items", {}), f"{where}[{i}]")
    return errors


def _object_errors(value: dict, schema: dict, where: str) -> list[tuple[str, str]]:
    prefix = f"{where}." if where else ""
    errors = [(f"{prefix}{key}", "is required") for key in schema.get("required", [])
              if key not in value]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            errors += schema_errors(item, properties[key], f"{prefix}{key}")
        elif extra is False:
            errors.append((f"{prefix}{key}", "is not a known field"))
        elif isinstance(extra, dict):
            errors += schema_errors(item, extra, f"{prefix}{key}")
    return errors + _house_rules(value, schema, where, prefix)


def _house_rules(value: dict, schema: dict, where: str, prefix: str) -> list[tuple[str, str]]:
    errors = []
    if schema.get("sourced") and value.get("value") is not None and not value.get("source"):
        errors.append((f"{prefix}source", "a stated value needs at least one source"))
    one_of = schema.get("exactlyOne")
    if one_of and sum(key in value for key in one_of) != 1:
        errors.append((where, f"give exactly one of {', '.join(one_of)}"))
    for key, needed in schema.get("dependentRequired", {}).items():
        if key in value:
            errors += [(f"{prefix}{n}", f"is required with {key}") for n in needed
                       if n not in value]
    return errors


# --- loading ------------------------------------------------------------------------------

class VenueSpecError(ValueError):
    """A venue spec file is invalid; `problems` lists (field, problem) pairs."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path.name}: {where}: {problem}" for where, problem in problems]
        super().__init__(f"invalid venue spec {self.path}:\n" + "\n".join(lines))


@dataclass(frozen=True)
class HallSpec:
    """One hall as the database stores it: numbers only where a source states a number."""

    name: str
    area_m2: Decimal | None = None
    clear_height_m: Decimal | None = None
    floor_load_t_m2: Decimal | None = None
    column_grid: str | None = None
    doors: str | None = None
    power: str | None = None
    rigging: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class VenueSpec:
    """展馆技术参数: one validated venue spec file."""

    code: str
    path: Path
    name_zh: str | None
    name_en: str | None
    province: str
    city: str
    address: str | None
    website: str | None
    indoor_area_m2: Decimal | None
    notes: str
    halls: tuple[HallSpec, ...]
    data: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name_zh or self.name_en or self.code


def _read(path: Path) -> Any:
    try:
        return reference.load_yaml(path)
    except yaml.YAMLError as exc:
        raise VenueSpecError(path, [("(yaml)", str(exc).replace("\n", " "))]) from exc


def _semantic_errors(path: Path, data: dict) -> list[tuple[str, str]]:
    errors = []
    if data.get("id") != path.stem:
        errors.append(("id", f"must equal the file name {path.stem!r}"))
    seen: set[str] = set()
    for i, hall in enumerate(data.get("halls") or []):
        for name in _hall_names(hall):
            if name in seen:
                errors.append((f"halls[{i}]", f"hall {name!r} is listed twice"))
            seen.add(name)
    region = data.get("region") or {}
    province = reference.province_of_city(region.get("city"))
    if province is None or province.name_zh != region.get("province"):
        errors.append(("region.city", f"{region.get('city')!r} is not a city of "
                                      f"{region.get('province')!r} in data/regions_cn.yaml"))
    return errors


def _hall_names(hall: dict) -> list[str]:
    return list(hall.get("hall_ids") or [hall.get("hall_id")])


def validate_file(path: str | Path) -> VenueSpec:
    """Validate one spec file; raise VenueSpecError naming the file and each bad field."""
    path = Path(path)
    data = _read(path)
    problems = schema_errors(data, VENUE_SCHEMA)
    if not problems:
        problems = _semantic_errors(path, data)
    if problems:
        raise VenueSpecError(path, problems)
    return _to_spec(path, data)


def load_all(folder: str | Path | None = None) -> list[VenueSpec]:
    """Validate and return every venue spec (*.yaml) of the folder, by code."""
    folder = Path(folder or VENUE_SPECS_DIR)
    return [validate_file(p) for p in sorted(folder.glob("*.yaml"))]


# --- from facts to model values -----------------------------------------------------------

_VENUE_COLUMNS = {"name_zh", "name_en", "address", "official_website",
                  "total_indoor_exhibition_area_m2"}


def stated_number(fact_: dict | None) -> Decimal | None:
    """Return the fact's value if a source states it as a number, else None."""
    if not fact_ or not fact_.get("source"):
        return None
    value = fact_.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value))


def stated_text(fact_: dict | None) -> str | None:
    """Return the fact's value if a source states it as text, else None."""
    if not fact_ or not fact_.get("source"):
        return None
    value = fact_.get("value")
    return value.strip() or None if isinstance(value, str) else None


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(key: str, item: Any) -> list[str]:
    """Render a fact (or a note, or a group of facts) as readable lines with sources."""
    if isinstance(item, str):
        return [f"{key}: {item}"]
    lines = []
    if item.get("value") is not None:
        lines.append(f"{key}: {_show(item['value'])} [source: {'; '.join(item['source'])}]")
    elif item.get("note") or item.get("conflicts") or item.get("items"):
        lines.append(f"{key}: not stated")
    if item.get("note"):
        lines.append(f"  note: {item['note']}")
    for other in item.get("conflicts") or []:
        lines.append(f"  conflicting: {_show(other['value'])} "
                     f"[source: {'; '.join(other['source'])}]")
        if other.get("note"):
            lines.append(f"    note: {other['note']}")
    for sub in item.get("items") or []:
        lines += ["  " + line for line in describe("-", sub)]
    return lines


def _venue_notes(data: dict) -> str:
    lines = [f"Venue spec {data['id']} (venue_specs/{data['id']}.yaml)."]
    if data.get("note"):
        lines.append(data["note"])
    for key, item in data.items():
        if key in ("id", "region", "halls", "note", "excluded_sources", "name_zh"):
            continue
        if key in ("other", "hall_notes"):
            for sub_key, sub in item.items():
                lines += describe(f"{key}.{sub_key}", sub)
        else:
            lines += describe(key, item)
    for excluded in data.get("excluded_sources") or []:
        lines.append(f"excluded source: {excluded['url']} ({excluded['reason']})")
    return "\n".join(lines)


def _hall_specs(hall: dict) -> list[HallSpec]:
    facts_ = {k: v for k, v in hall.items() if isinstance(v, dict)}
    lines = [hall["description"]] if hall.get("description") else []
    if hall.get("hall_ids"):
        lines.append(f"Stated for halls {', '.join(hall['hall_ids'])}"
                     + ("." if hall["figures_per_hall"] else " together, not per hall."))
    for key, item in facts_.items():
        lines += describe(key, item)
    notes = "\n".join(lines) or None
    per_hall = hall.get("figures_per_hall", True)
    figures = _hall_figures(facts_) if per_hall else {}
    return [HallSpec(name=name, notes=notes, **figures) for name in _hall_names(hall)]


def _hall_figures(facts_: dict[str, dict]) -> dict[str, Any]:
    return {
        "area_m2": stated_number(facts_.get("area_m2")),
        "clear_height_m": stated_number(facts_.get("clear_height_m")),
        "floor_load_t_m2": stated_number(facts_.get("floor_load_t_per_m2")),
        "column_grid": stated_text(facts_.get("column_grid_m")),
        "doors": stated_text(facts_.get("doors")),
        "power": stated_text(facts_.get("power")),
        "rigging": stated_text(facts_.get("rigging")),
    }


def _to_spec(path: Path, data: dict) -> VenueSpec:
    halls = tuple(h for hall in data.get("halls") or [] for h in _hall_specs(hall))
    return VenueSpec(
        code=data["id"], path=path,
        name_zh=stated_text(data["name_zh"]), name_en=stated_text(data["name_en"]),
        province=data["region"]["province"], city=data["region"]["city"],
        address=stated_text(data["address"]), website=stated_text(data["official_website"]),
        indoor_area_m2=stated_number(data["total_indoor_exhibition_area_m2"]),
        notes=_venue_notes(data), halls=halls, data=data)


# --- sync ---------------------------------------------------------------------------------

def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; return whether anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _venue_values(spec: VenueSpec) -> dict[str, Any]:
    return {"name_zh": spec.display_name, "name_en": spec.name_en,
            "province": spec.province, "city": spec.city, "address": spec.address,
            "website": spec.website, "indoor_area_m2": spec.indoor_area_m2,
            "notes": spec.notes}


def _sync_halls(venue: Venue, halls: Iterable[HallSpec]) -> bool:
    existing = {hall.name: hall for hall in venue.halls}
    changed = False
    for spec in halls:
        values = {k: v for k, v in vars(spec).items() if k != "name"}
        row = existing.get(spec.name)
        if row is None:
            venue.halls.append(Hall(name=spec.name, **values))
            changed = True
        else:
            changed = _assign(row, values) or changed
    return changed


def sync_venues(session: Session, specs: Iterable[VenueSpec]) -> int:
    """Create or update the Venue and Hall rows of the specs; return how many venues changed.

    The spec is the master of the fields it fills; halls added by hand are kept.
    """
    specs = list(specs)
    codes = [spec.code for spec in specs]
    venues = {v.code: v for v in session.scalars(select(Venue).where(Venue.code.in_(codes)))}
    changed = 0
    for spec in specs:
        venue = venues.get(spec.code)
        if venue is None:
            venue = Venue(code=spec.code, halls=[])
            session.add(venue)
        touched = _assign(venue, _venue_values(spec))
        touched = _sync_halls(venue, spec.halls) or touched
        changed += touched
    session.flush()
    return changed
