"""The company page's one-round-trip probe of what its side panels have to show."""
from __future__ import annotations

from datetime import date

from crm.services import companies, merging
from tests import factories


def test_a_company_with_nothing_going_on_shows_no_panel(session):
    c = factories.company(session, "上海安静有限公司")
    assert companies.activity(session, c.id) == companies.Activity(
        merged_from=False, merged_children=False, attributions=False, cooperations=False,
        open_lead=False)


def test_each_kind_of_activity_is_seen(session, make_user):
    survivor = factories.company(session, "上海恒泰机械有限公司")
    twin = factories.company(session, "上海恒泰机械设备有限公司")
    merging.merge(session, survivor.id, twin.id)
    found = companies.activity(session, survivor.id)
    assert found.merged_from and found.merged_children
    assert not (found.cooperations or found.open_lead or found.attributions)

    factories.cooperation(session, survivor, date(2025, 3, 1))
    factories.lead(session, survivor, status="assigned", executor=make_user("executor"))
    found = companies.activity(session, survivor.id)
    assert found.cooperations and found.open_lead


def test_a_closed_lead_is_not_an_open_one(session):
    c = factories.company(session, "上海旧线索有限公司")
    factories.lead(session, c, status="closed")
    assert not companies.activity(session, c.id).open_lead
