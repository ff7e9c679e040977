"""Venues, halls and country pavilions: unique names, numbers as Decimal, versions."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import AuditEntry
from crm.services import pavilions, venues
from crm.services.errors import Conflict, StaleEdit, ValidationFailed
from tests import factories


def test_venue_numbers_are_decimals_and_names_unique(session):
    venue = venues.create(session, venues.VenueData(name_zh="成都世纪城新国际会展中心",
                                                    indoor_area_m2="110000.456"))
    assert venue.indoor_area_m2 == Decimal("110000.46")
    with pytest.raises(Conflict) as caught:
        venues.create(session, venues.VenueData(name_zh="成都世纪城新国际会展中心"))
    assert f"(#{venue.id})" in str(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        venues.create(session, venues.VenueData(name_zh="x", indoor_area_m2="1e20",
                                                operator_id=987654))
    assert set(caught.value.errors) == {"indoor_area_m2", "operator_id"}


def test_hall_changes_bump_the_venue_version_and_stay_in_its_history(session):
    venue = factories.venue(session)
    opened = venue.version
    hall = venues.add_hall(session, venue, venues.HallData(name="E1", area_m2="10000"),
                           expected_version=opened)
    assert venue.version == opened + 1
    with pytest.raises(StaleEdit):
        venues.update_hall(session, venue, hall, venues.HallData(name="E1b"), expected_version=opened)
    with pytest.raises(Conflict):
        venues.add_hall(session, venue, venues.HallData(name="E1"))
    venues.delete_hall(session, venue, hall, expected_version=venue.version)
    actions = [(e.entity, e.action) for e in venues.venue_history(session, venue)]
    assert ("halls", "create") in actions and ("halls", "delete") in actions
    other = factories.venue(session)
    assert not any(e.entity == "halls" for e in venues.venue_history(session, other))


def test_pavilion_rules(session):
    pv = pavilions.create(session, pavilions.PavilionData(name_zh="美国馆", country="us"))
    assert pv.country == "US"
    with pytest.raises(Conflict) as caught:
        pavilions.create(session, pavilions.PavilionData(name_zh="美国馆", country="US"))
    assert str(caught.value) == f"This pavilion already exists: 美国馆 (#{pv.id})."
    with pytest.raises(ValidationFailed) as caught:
        pavilions.create(session, pavilions.PavilionData(name_zh="", country="USA", owner_id=99999))
    assert set(caught.value.errors) == {"name_zh", "country", "owner_id"}
    with pytest.raises(StaleEdit):
        pavilions.update(session, pv, pavilions.data_of(pv), expected_version=pv.version + 1)
    pv2 = pavilions.update(session, pv, pavilions.PavilionData(name_zh="美国国家馆", country="US"),
                           expected_version=pv.version)
    session.flush()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "country_pavilions",
                                                     AuditEntry.action == "update")).one()
    assert entry.before == {"name_zh": "美国馆"} and entry.after == {"name_zh": "美国国家馆"}
    assert pv2 is pv
