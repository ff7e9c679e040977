"""The rules of a valid show and participation, enforced by the service for every caller."""
from datetime import date
from decimal import Decimal

import pytest

from crm.services import exhibitions
from crm.services.errors import Conflict, NotFound, StaleEdit, ValidationFailed
from tests import factories


def test_year_comes_from_opening_date_and_rating_is_upper_cased(session):
    ex = exhibitions.create_exhibition(session, exhibitions.ExhibitionData(
        name_zh="  中国国际  服装展 ", starts_on=date(2027, 3, 1), value_rating="b"))
    assert ex.year == 2027 and ex.value_rating == "B" and ex.name_zh == "中国国际 服装展"


def test_every_bad_field_is_reported_at_once(session):
    with pytest.raises(ValidationFailed) as caught:
        exhibitions.create_exhibition(session, exhibitions.ExhibitionData(
            name_zh="", year=1800, starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1),
            value_rating="Z", venue_id=99999, organizer_id=99999, industry_id=99999))
    assert set(caught.value.errors) == {"name_zh", "year", "ends_on", "value_rating", "venue_id",
                                        "organizer_id", "industry_id"}


def test_same_show_same_year_conflicts_naming_it(session):
    first = factories.exhibition(session, "中国国际医疗器械博览会", 2026)
    with pytest.raises(Conflict) as caught:
        exhibitions.create_exhibition(session, exhibitions.ExhibitionData(
            name_zh="中国国际医疗器械博览会", year="2026"))
    assert str(caught.value) == f"This show already exists for 2026: 中国国际医疗器械博览会 (#{first.id})."
    assert caught.value.field == "name_zh"
    other_year = exhibitions.create_exhibition(session, exhibitions.ExhibitionData(
        name_zh="中国国际医疗器械博览会", year=2027))
    assert other_year.id != first.id
    # Saving a show under its own name is not a clash with itself.
    exhibitions.update_exhibition(session, first, exhibitions.exhibition_data(first))


def test_stale_version_is_refused(session):
    ex = factories.exhibition(session)
    data = exhibitions.exhibition_data(ex)
    with pytest.raises(StaleEdit):
        exhibitions.update_exhibition(session, ex, data, expected_version=ex.version - 1)


def test_participation_area_is_a_non_negative_decimal_and_enums_are_checked(session, make_user):
    user = make_user("general_manager")
    ex = factories.exhibition(session)
    c = factories.company(session)
    p = exhibitions.create_participation(session, user, ex, exhibitions.ParticipationData(
        company_id=c.id, booth_no=" 1A-01 ", area_m2="1,234.5", booth_type="special",
        origin="foreign"))
    assert p.area_m2 == Decimal("1234.50") and isinstance(p.area_m2, Decimal)
    assert p.booth_no == "1A-01"
    with pytest.raises(ValidationFailed) as caught:
        exhibitions.create_participation(session, user, ex, exhibitions.ParticipationData(
            company_id=c.id, booth_no="X", area_m2="-0.01", booth_type="tent", origin="moon",
            pavilion_id=424242, builder_id=c.id))
    assert set(caught.value.errors) == {"area_m2", "booth_type", "origin", "pavilion_id",
                                        "builder_id"}


def test_duplicate_booth_conflicts_and_missing_booth_counts_once(session, make_user):
    user = make_user("general_manager")
    ex = factories.exhibition(session)
    c = factories.company(session, "重复测试有限公司")
    first = exhibitions.create_participation(session, user, ex,
                                             exhibitions.ParticipationData(company_id=c.id))
    with pytest.raises(Conflict) as caught:
        exhibitions.create_participation(session, user, ex,
                                         exhibitions.ParticipationData(company_id=c.id))
    assert f"(participation #{first.id})" in str(caught.value)
    exhibitions.create_participation(session, user, ex, exhibitions.ParticipationData(
        company_id=c.id, booth_no="B2"))


def test_participations_follow_company_visibility(session, make_user):
    me, other = make_user("executor"), make_user("executor")
    ex = factories.exhibition(session)
    theirs = factories.company(session, owner_id=other.id)
    p = factories.participation(session, theirs, ex)
    with pytest.raises(NotFound):
        exhibitions.visible_participation(session, me, p.id)
    with pytest.raises(ValidationFailed) as caught:
        exhibitions.create_participation(session, me, ex, exhibitions.ParticipationData(
            company_id=theirs.id, booth_no="new"))
    assert "company_id" in caught.value.errors
    page = exhibitions.find_participations(session, me, ex.id, exhibitions.ParticipationFilters())
    assert page.total == 0
    assert exhibitions.find_participations(session, other, ex.id,
                                           exhibitions.ParticipationFilters()).total == 1


def test_exhibitors_sort_by_hall_and_booth_with_blanks_last(session, make_user):
    user = make_user("admin")
    ex = factories.exhibition(session)
    for hall, booth in [(None, "Z1"), ("2H", "A1"), ("1H", None), ("1H", "B2"), ("1H", "A9")]:
        factories.participation(session, factories.company(session), ex, hall=hall, booth_no=booth)
    items = exhibitions.find_participations(session, user, ex.id,
                                            exhibitions.ParticipationFilters()).items
    assert [(p.hall, p.booth_no) for p in items] == [
        ("1H", "A9"), ("1H", "B2"), ("1H", None), ("2H", "A1"), (None, "Z1")]
