"""Competitor and media profiles: created with their company, versioned through it."""
from decimal import Decimal

import pytest

from crm.services import companies, profiles
from crm.services.errors import NotFound, StaleEdit, ValidationFailed
from tests import factories


def test_new_competitor_gets_the_kind_and_a_profile(session):
    company, profile = profiles.create(
        session, profiles.COMPETITOR, companies.CompanyData(name_zh="苏州新同行展览有限公司"),
        profiles.CompetitorData(scale="small", staff_count="15", annual_revenue="800000"))
    assert "competitor" in company.kind_values
    assert profile.staff_count == 15 and profile.annual_revenue == Decimal("800000.00")


def test_company_and_profile_errors_come_together(session):
    with pytest.raises(ValidationFailed) as caught:
        profiles.create(session, profiles.MEDIA, companies.CompanyData(),
                        profiles.MediaData(media_type="smoke signals", industry_id=31337))
    assert set(caught.value.errors) == {"name_zh", "media_type", "industry_id"}


def test_saving_a_profile_bumps_the_company_version(session):
    c = factories.company(session, "转做同行的公司")
    opened = c.version
    profiles.save(session, profiles.COMPETITOR, c, profiles.CompetitorData(scale="large"),
                  expected_version=opened)
    assert c.version == opened + 1 and "competitor" in c.kind_values
    with pytest.raises(StaleEdit):
        profiles.save(session, profiles.COMPETITOR, c, profiles.CompetitorData(scale="small"),
                      expected_version=opened)


def test_only_visible_companies_of_the_kind_are_found(session, make_user):
    me, other = make_user("telesales"), make_user("telesales")
    mine = factories.media(session, "我的媒体")
    theirs = factories.media(session, "别人的媒体")
    theirs.owner_id = other.id
    plain = factories.company(session, "普通公司")
    session.flush()
    page = profiles.find(session, me, profiles.MEDIA, profiles.ProfileFilters())
    assert [c.id for c, _p in page.items] == [mine.id]
    with pytest.raises(NotFound):
        profiles.get(session, me, profiles.MEDIA, theirs.id)
    with pytest.raises(NotFound):
        profiles.get(session, me, profiles.MEDIA, plain.id)
