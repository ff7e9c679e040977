"""Venue specs: every shipped file validates, errors name file and field, sync is idempotent."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from crm.db import Base, make_engine, make_session_factory
from crm.models import AuditEntry, Hall, Venue
from crm.services import venue_specs
from crm.services.venue_specs import VenueSpecError

SPEC_FILES = sorted(venue_specs.VENUE_SPECS_DIR.glob("*.yaml"))


@pytest.fixture
def db(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'venues.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def spec_copy(tmp_path):
    """Copy one shipped spec into a folder of its own and return its path."""
    folder = tmp_path / "specs"
    folder.mkdir()
    target = folder / "shenzhen_convention_exhibition_center.yaml"
    shutil.copy(venue_specs.VENUE_SPECS_DIR / target.name, target)
    return target


def _rewrite(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _facts(node, where=""):
    """Yield (where, fact) for every mapping holding a `value`, however deep."""
    if isinstance(node, dict):
        if "value" in node:
            yield where, node
        for key, child in node.items():
            yield from _facts(child, f"{where}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _facts(child, f"{where}[{i}]")


def test_there_are_venue_specs():
    assert len(SPEC_FILES) >= 15


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_shipped_spec_validates(path):
    spec = venue_specs.validate_file(path)

    assert spec.code == path.stem
    assert spec.display_name


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_stated_figure_has_a_source(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    unsourced = [where for where, fact in _facts(data)
                 if fact["value"] is not None and not fact.get("source")]
    assert unsourced == []


def test_load_all_returns_every_spec_by_code():
    specs = venue_specs.load_all()

    assert [s.code for s in specs] == [p.stem for p in SPEC_FILES]


def test_a_value_without_source_names_file_and_field(spec_copy):
    def drop_source(data):
        data["halls"][0]["area_m2"]["source"] = []
    _rewrite(spec_copy, drop_source)

    with pytest.raises(VenueSpecError) as caught:
        venue_specs.validate_file(spec_copy)

    message = str(caught.value)
    assert spec_copy.name in message
    assert "halls[0].area_m2.source" in message
    assert ("halls[0].area_m2.source", "a stated value needs at least one source") \
        in caught.value.problems


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("name_zh"), "name_zh"),
    (lambda d: d.update(capacity=5), "capacity"),
    (lambda d: d["total_indoor_exhibition_area_m2"].update(value="lots"),
     "total_indoor_exhibition_area_m2.value"),
    (lambda d: d["halls"][1].pop("hall_id"), "halls[1]"),
    (lambda d: d["halls"][2].update(hall_id="1"), "halls[2]"),
    (lambda d: d.update(id="somewhere_else"), "id"),
    (lambda d: d["region"].update(city="杭州市"), "region.city"),
    (lambda d: d["address"].update(conflicts=[{"value": "x", "source": []}]),
     "address.conflicts[0].source"),
])
def test_broken_specs_name_the_field(spec_copy, change, field):
    _rewrite(spec_copy, change)

    with pytest.raises(VenueSpecError) as caught:
        venue_specs.validate_file(spec_copy)

    assert any(where == field for where, _ in caught.value.problems), caught.value.problems
    assert spec_copy.name in str(caught.value)


def test_a_yaml_syntax_error_names_the_file(spec_copy):
    spec_copy.write_text("id: [unclosed\n", encoding="utf-8")

    with pytest.raises(VenueSpecError, match=spec_copy.name):
        venue_specs.validate_file(spec_copy)


def test_load_all_stops_at_a_broken_file(spec_copy):
    _rewrite(spec_copy, lambda d: d.update(halls="none"))

    with pytest.raises(VenueSpecError, match="halls"):
        venue_specs.load_all(spec_copy.parent)


def test_sync_creates_venues_and_halls(db):
    specs = venue_specs.load_all()

    assert venue_specs.sync_venues(db, specs) == len(specs)

    assert db.scalar(select(func.count(Venue.id))) == len(specs)
    assert db.scalar(select(func.count(Hall.id))) == sum(len(s.halls) for s in specs)


def test_sync_is_idempotent(db):
    specs = venue_specs.load_all()
    venue_specs.sync_venues(db, specs)
    db.commit()
    versions = dict(db.execute(select(Venue.code, Venue.version)).all())
    audit_rows = db.scalar(select(func.count(AuditEntry.id)))

    assert venue_specs.sync_venues(db, venue_specs.load_all()) == 0
    db.commit()

    assert dict(db.execute(select(Venue.code, Venue.version)).all()) == versions
    assert db.scalar(select(func.count(AuditEntry.id))) == audit_rows
    assert db.scalar(select(func.count(Venue.id))) == len(specs)


def _venue(db, code: str) -> Venue:
    return db.scalars(select(Venue).where(Venue.code == code)).one()


def _hall(venue: Venue, name: str) -> Hall:
    return next(h for h in venue.halls if h.name == name)


def test_only_numbers_stated_in_a_source_fill_the_figures(db):
    venue_specs.sync_venues(db, venue_specs.load_all())

    szcec = _venue(db, "shenzhen_convention_exhibition_center")
    assert szcec.indoor_area_m2 == Decimal("105000")
    assert szcec.province == "广东省" and szcec.city == "深圳市"
    assert _hall(szcec, "5").floor_load_t_m2 == Decimal("3.5")
    assert _hall(szcec, "1").area_m2 == Decimal("30000")
    hall_1 = _hall(szcec, "1")
    assert hall_1.clear_height_m is None  # stated only as "13-28 (venue-wide range …)"
    assert "13-28" in hall_1.notes and "hzwexpo.com" in hall_1.notes
    assert _venue(db, "ciec_beijing_new").indoor_area_m2 is None
    assert _hall(_venue(db, "sniec_shanghai"), "E7").floor_load_t_m2 == Decimal("3")


def test_group_figures_not_per_hall_stay_in_the_notes(db):
    venue_specs.sync_venues(db, venue_specs.load_all())

    xiamen = _venue(db, "xiamen_international_conference_exhibition_center")
    assert _hall(xiamen, "A").area_m2 == Decimal("6560")
    a1 = _hall(xiamen, "A1")
    assert a1.area_m2 is None
    assert "15815.19" in a1.notes and "not per hall" in a1.notes


def test_sources_notes_and_conflicts_reach_the_venue_notes(db):
    venue_specs.sync_venues(db, venue_specs.load_all())

    necc = _venue(db, "necc_shanghai")
    assert necc.address is None  # three conflicting addresses, none official
    assert "崧泽大道333号" in necc.notes
    assert "conflicting: 15" in necc.notes  # number_of_halls conflict
    assert "wendadaohang" in necc.notes  # the excluded source and why
    assert _venue(db, "shanghai_mart").name_zh == "Shanghaimart"  # no Chinese name stated


def test_sync_applies_a_changed_spec(db, spec_copy):
    venue_specs.sync_venues(db, venue_specs.load_all(spec_copy.parent))

    def restate(data):
        data["halls"][4]["floor_load_t_per_m2"]["value"] = 4
    _rewrite(spec_copy, restate)

    assert venue_specs.sync_venues(db, venue_specs.load_all(spec_copy.parent)) == 1
    venue = _venue(db, "shenzhen_convention_exhibition_center")
    assert _hall(venue, "5").floor_load_t_m2 == Decimal("4")
