"""New or old client (新客户/老客户), worked examples: fixed at each executor's first contact."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.models import AuditEntry, ClientAttribution
from crm.services import attribution, calls, dashboards, leads
from crm.services.errors import Forbidden, ValidationFailed
from tests import factories

SH = timezone(timedelta(hours=8))


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    """A moment in March 2026, Shanghai time."""
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


@pytest.fixture()
def people(make_user):
    return {"a": make_user("executor", display_name="刘洋"),
            "b": make_user("executor", display_name="陈伟"),
            "gm": make_user("general_manager", display_name="周建国"),
            "sup": make_user("market_supervisor"),
            "admin": make_user("admin"),
            "tele": make_user("telesales")}


def test_first_contact_before_a_contract_is_new_after_it_old(session, people):
    company = factories.company(session, "先后合同测试有限公司")
    contract = factories.cooperation(session, company, date(2026, 3, 10), amount=Decimal("186000.00"),
                                     reference="HT-2026-031")
    a = attribution.record_first_contact(session, company, people["a"], "call", at(5))
    b = attribution.record_first_contact(session, company, people["b"], "visit", at(12))
    assert (a.classification, a.source, a.locked) == ("new", "self_developed", True)
    assert a.evidence["cooperations_before"] == []
    assert (b.classification, b.first_contact_kind) == ("old", "visit")
    assert b.evidence["cooperations_before"] == [{
        "id": contract.id, "kind": "contract", "signed_on": "2026-03-10",
        "amount": "186000.00", "reference": "HT-2026-031", "company_id": company.id}]


def test_the_first_contact_decides_once_later_contracts_change_nothing(session, people):
    company = factories.company(session)
    first = attribution.record_first_contact(session, company, people["a"], "email", at(2))
    factories.cooperation(session, company, date(2026, 3, 3))
    again = attribution.record_first_contact(session, company, people["a"], "visit", at(20))
    assert again.id == first.id and again.classification == "new"
    assert again.first_contact_kind == "email" and again.first_contact_at == at(2)
    assert len(attribution.attributions_of(session, company.id)) == 1


def test_a_contract_signed_the_same_day_counts_only_if_recorded_before_the_contact(session, people):
    company = factories.company(session)
    contract = factories.cooperation(session, company, date(2026, 3, 9))
    contract.created_at = at(9, 9)  # recorded at 09:00 that day
    session.flush()
    before = attribution.record_first_contact(session, company, people["a"], "call", at(9, 8))
    after = attribution.record_first_contact(session, company, people["b"], "call", at(9, 11))
    assert (before.classification, after.classification) == ("new", "old")


def test_two_executors_each_have_their_own_classification(session, people):
    company = factories.company(session)
    lead = leads.open_lead(session, company.id, source="telesales", by=people["tele"],
                           now=at(1), auto_assign=False).lead
    leads.assign(session, lead, people["a"], people["sup"], now=at(2))
    a = leads.record_contact(session, company, people["a"], "visit", at(3))
    factories.cooperation(session, company, date(2026, 3, 20))
    b = attribution.record_first_contact(session, company, people["b"], "call", at(25))
    assert (a.classification, a.source, a.lead_id) == ("new", "telesales", lead.id)
    assert (b.classification, b.source, b.lead_id) == ("old", "self_developed", None)
    assert {r.executor_id for r in attribution.attributions_of(session, company.id)} == {
        people["a"].id, people["b"].id}
    # The visit is the lead's first contact and its first visit (dashboards' conversion).
    assert lead.first_contact_at == at(3) and lead.first_visit_at == at(3)


def test_inbound_versus_telesales_sources(session, people):
    inbound = factories.company(session, "主动来电测试有限公司")
    called = factories.company(session, "电话开发测试有限公司")
    leads.register_client(session, people["a"], inbound.id, "inbound", now=at(2))
    lead = leads.open_lead(session, called.id, source="telesales", by=people["tele"],
                           now=at(2), auto_assign=False).lead
    leads.assign(session, lead, people["a"], people["sup"], now=at(2))
    calls.seed_outcomes(session)
    calls.log_call(session, people["a"], inbound.id, "not_interested", now=at(3))
    calls.log_call(session, people["a"], called.id, "meeting_possible", "约下周面洽", now=at(3))
    got = {r.company_id: (r.classification, r.source, r.first_contact_kind)
           for r in session.scalars(select(ClientAttribution))}
    assert got == {inbound.id: ("new", "inbound", "call"), called.id: ("new", "telesales", "call")}


def test_cooperations_of_a_merged_away_company_count(session, people):
    survivor = factories.company(session, "合并后测试有限公司")
    merged = factories.company(session, "合并前测试有限公司")
    merged.merged_into_id = survivor.id
    factories.cooperation(session, merged, date(2025, 5, 1), kind="project")
    row = attribution.record_first_contact(session, survivor, people["a"], "call", at(1))
    assert row.classification == "old"
    assert row.evidence["companies_checked"] == [survivor.id, merged.id]


def test_general_manager_override_is_in_the_audit_log(session, people):
    company = factories.company(session)
    row = attribution.record_first_contact(session, company, people["a"], "call", at(4))
    attribution.override(session, row, people["gm"], "old", "2019年做过展台，合同在纸质档案中")
    assert (row.classification, row.original_classification) == ("old", "new")
    assert (row.overridden_by_id, row.override_reason) == (
        people["gm"].id, "2019年做过展台，合同在纸质档案中")
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "client_attributions", AuditEntry.entity_id == row.id,
        AuditEntry.action == "override")).one()
    assert entry.user_id == people["gm"].id and entry.company_id == company.id
    assert entry.before == {"classification": "new", "source": "self_developed"}
    assert entry.after["classification"] == "old"
    assert entry.after["reason"] == "2019年做过展台，合同在纸质档案中"


@pytest.mark.parametrize("who", ["sup", "admin", "a"])
def test_nobody_but_the_general_manager_may_override(session, people, who):
    row = attribution.record_first_contact(session, factories.company(session), people["a"],
                                           "call", at(4))
    with pytest.raises(Forbidden):
        attribution.override(session, row, people[who], "old", "我觉得是老客户")
    assert row.classification == "new" and row.overridden_by_id is None


def test_override_needs_a_reason_and_a_valid_classification(session, people):
    row = attribution.record_first_contact(session, factories.company(session), people["a"],
                                           "call", at(4))
    with pytest.raises(ValidationFailed) as no_reason:
        attribution.override(session, row, people["gm"], "old", "   ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ValidationFailed) as bad:
        attribution.override(session, row, people["gm"], "ancient", "理由")
    assert bad.value.field == "classification"
    assert row.classification == "new"


def test_only_executors_contacts_attribute(session, people):
    with pytest.raises(ValidationFailed) as bad:
        attribution.record_first_contact(session, factories.company(session), people["tele"],
                                         "call", at(1))
    assert bad.value.field == "executor_id"


def test_dashboards_count_calls_reach_buckets_leads_and_visits_per_week(session, people):
    calls.seed_outcomes(session)
    companies = [factories.company(session) for _ in range(4)]
    factories.call_list(session, companies, owner=people["tele"])
    # Sunday 8 March (week of 2 March) and Monday 9 March (week of 9 March), Shanghai time.
    moments = [at(8, 20), at(9, 9), at(9, 10), at(9, 11)]
    codes = ["no_answer", "meeting_possible", "send_materials", "not_interested"]
    made = []
    for moment, code in zip(moments, codes):
        claim = calls.claim_next(session, people["tele"], moment)
        made.append(calls.log_outcome(session, claim.item_id, people["tele"], code, now=moment))
    lead = made[1].lead
    leads.assign(session, lead, people["a"], people["sup"], now=at(9, 12))
    leads.record_contact(session, lead.company, people["a"], "visit", at(11))
    rows = dashboards.call_stats(session, date(2026, 3, 2), date(2026, 3, 15))
    first, second = rows
    assert (first.week, first.calls, first.reached, first.reach_rate) == (date(2026, 3, 2), 1, 0, 0)
    assert (second.week, second.calls, second.reached) == (date(2026, 3, 9), 3, 3)
    assert second.buckets == {"meeting": 1, "materials": 1, "none": 1}
    assert (second.leads_created, second.leads_visited, second.conversion_to_visits) == (1, 1, 1.0)
    assert second.per_day == {date(2026, 3, 9): 3} and second.calls_per_day == 3
    assert dashboards.totals(rows)[date(2026, 3, 9)].calls == 3
    assert [r.lead.id for r in dashboards.allocation(session, date(2026, 3, 11))] == [lead.id]
