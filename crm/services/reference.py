"""Reference data shipped in data/: the industry taxonomy and China's administrative regions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Industry

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
INDUSTRIES_FILE = DATA_DIR / "industries.yaml"
REGIONS_FILE = DATA_DIR / "regions_cn.yaml"


class ReferenceDataError(ValueError):
    """A reference-data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class City:
    """地级行政区: a prefecture-level division (city, prefecture, autonomous prefecture, league)."""

    name_zh: str
    short: str
    pinyin: str
    kind: str = "city"
    name_en: str | None = None
    area_code: str | None = None
    adcode: str | None = None


@dataclass(frozen=True)
class Province:
    """省级行政区: a provincial-level division with its economic region and its cities."""

    code: str
    name_zh: str
    short: str
    pinyin: str
    kind: str
    region: str
    cities: tuple[City, ...]
    name_en: str | None = None


# libyaml's loader is ten times faster where PyYAML was built with it.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely (no Python objects), with libyaml when available."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SafeLoader)  # noqa: S506 - a safe loader


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(path)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{path}: not valid YAML: {exc}") from exc


# --- industries -------------------------------------------------------------------------

def read_industries(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Return the industry entries of the taxonomy file, checked for codes and parents."""
    path = Path(path or INDUSTRIES_FILE)
    entries = (_read_yaml(path) or {}).get("industries") or []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        for key in ("code", "name_zh"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ReferenceDataError(f"{path}: industries[{i}].{key} is missing")
        if entry["code"] in seen:
            raise ReferenceDataError(f"{path}: industries[{i}].code {entry['code']!r} repeats")
        parent = entry.get("parent")
        if parent is not None and parent not in seen:
            raise ReferenceDataError(
                f"{path}: industries[{i}].parent {parent!r} is not an earlier code")
        seen.add(entry["code"])
    return entries


def seed_industries(session: Session, path: str | Path | None = None, *,
                    overwrite: bool = False) -> int:
    """Add the taxonomy's missing industries and return how many rows were added.

    An existing row (same code, or same Chinese name) keeps the names an administrator
    gave it; only blanks are filled. With overwrite=True rows are made to match the file.
    """
    entries = read_industries(path)
    rows = list(session.scalars(select(Industry)))
    by_code = {row.code: row for row in rows}
    by_name = {row.name_zh: row for row in rows}
    added = 0
    for order, entry in enumerate(entries):
        row = by_code.get(entry["code"]) or by_name.get(entry["name_zh"])
        if row is None:
            row = Industry(code=entry["code"], name_zh=entry["name_zh"])
            session.add(row)
            added += 1
            overwrite_row = True
        else:
            overwrite_row = overwrite
        _apply_industry(row, entry, (order + 1) * 10, by_code, overwrite_row)
        by_code[entry["code"]] = row
    session.flush()
    return added


def _apply_industry(row: Industry, entry: dict[str, Any], sort_order: int,
                    by_code: dict[str, Industry], overwrite: bool) -> None:
    parent = by_code.get(entry["parent"]) if entry.get("parent") else None
    if overwrite:
        row.name_zh = entry["name_zh"]
        row.name_en = entry.get("name_en")
        row.parent = parent
        row.sort_order = sort_order
        return
    if row.name_en is None:
        row.name_en = entry.get("name_en")
    if row.parent_id is None and row.parent is None and parent is not None:
        row.parent = parent
    if not row.sort_order:
        row.sort_order = sort_order


# --- regions ----------------------------------------------------------------------------

def load_regions(path: str | Path | None = None) -> list[Province]:
    """Return China's provincial-level divisions with their prefecture-level cities."""
    return list(_load_regions(str(Path(path or REGIONS_FILE).resolve())))


@lru_cache(maxsize=8)
def _load_regions(path: str) -> tuple[Province, ...]:
    data = _read_yaml(Path(path)) or {}
    regions = set(data.get("economic_regions") or [])
    provinces = []
    for i, raw in enumerate(data.get("provinces") or []):
        if raw.get("region") not in regions:
            raise ReferenceDataError(f"{path}: provinces[{i}].region {raw.get('region')!r} "
                                     f"is not one of the economic_regions")
        try:
            cities = tuple(City(**c) for c in raw["cities"])
            provinces.append(Province(**{**raw, "code": str(raw["code"]), "cities": cities}))
        except (KeyError, TypeError) as exc:
            raise ReferenceDataError(f"{path}: provinces[{i}]: {exc}") from exc
    return tuple(provinces)


def _city_key(name: str) -> str:
    name = name.strip()
    for suffix in ("特别行政区", "市", "地区", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _city_index() -> dict[str, tuple[Province, City]]:
    index: dict[str, tuple[Province, City]] = {}
    for province in load_regions():
        for c in province.cities:
            for key in (c.name_zh, c.short, c.pinyin.lower(), (c.name_en or "").lower()):
                if key:
                    index.setdefault(key, (province, c))
    return index


def _lookup(name: str | None) -> tuple[Province, City] | None:
    if not name or not name.strip():
        return None
    index = _city_index()
    text = name.strip()
    return index.get(text) or index.get(_city_key(text)) or index.get(text.lower())


def province_of_city(name: str | None) -> Province | None:
    """Return the province a city belongs to (上海, 深圳市, Shenzhen …), or None if unknown."""
    found = _lookup(name)
    return found[0] if found else None


def city(name: str | None) -> City | None:
    """Return the city record for a city name (深圳, 深圳市, Shenzhen), or None if unknown."""
    found = _lookup(name)
    return found[1] if found else None
