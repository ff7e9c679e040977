"""Leads: assignment by hand and by rules, caps, absences, acceptance deadlines, conflicts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from crm.models import Industry, Lead, LeadAssignment, LeadConflict
from crm.services import dashboards, leads, settings, workdays
from crm.services.errors import Forbidden, ValidationFailed
from tests import factories

# Tuesday 30 September 2025, 17:00 in Shanghai: the eve of the National Day holiday.
EVE = datetime(2025, 9, 30, 9, 0, tzinfo=timezone.utc)
# Monday 9 March 2026, 10:00 in Shanghai.
NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def people(session, make_user):
    workdays.seed_calendar(session)
    return {
        "sup": make_user("market_supervisor", display_name="王芳"),
        "a": make_user("executor", display_name="刘洋"),
        "b": make_user("executor", display_name="陈伟"),
        "tele": make_user("telesales", display_name="张丽"),
        "designer": make_user("designer"),
    }


def _open(session, people, name=None, **company_fields):
    company = factories.company(session, name, **company_fields)
    return leads.open_lead(session, company.id, source="telesales", by=people["tele"],
                           bucket="meeting", now=NOW).lead


def test_manual_assignment_sets_an_acceptance_deadline_in_working_hours(session, people):
    lead = _open(session, people)
    a = leads.assign(session, lead, people["a"], people["sup"], reason="懂医疗", now=EVE)
    assert (lead.status, lead.executor_id) == ("assigned", people["a"].id)
    # 8 working hours from 17:00 on 30 September: one that day, seven after the holiday.
    assert lead.accept_by == datetime(2025, 10, 9, 16, 0, tzinfo=workdays.LOCAL_TZ)
    assert (a.kind, a.by_user_id, a.reason) == ("manual", people["sup"].id, "懂医疗")


def test_assigning_to_a_non_executor_or_an_absent_one_is_refused(session, people):
    lead = _open(session, people)
    with pytest.raises(leads.NotAnExecutor) as wrong_role:
        leads.assign(session, lead, people["designer"], people["sup"], now=NOW)
    assert wrong_role.value.field == "executor_id" and wrong_role.value.status == 422
    leads.add_absence(session, people["sup"], people["a"], date(2026, 3, 9), date(2026, 3, 13), "出差")
    with pytest.raises(leads.ExecutorAbsent) as absent:
        leads.assign(session, lead, people["a"], people["sup"], now=NOW)
    assert "2026-03-13" in str(absent.value)
    assert [a.user_id for a in leads.absences(session, from_day=date(2026, 3, 9))] == [people["a"].id]
    assert leads.absences(session, from_day=date(2026, 3, 14)) == []
    assert lead.status == "open"
    assert session.scalar(select(func.count(LeadAssignment.id))) == 0
    # Back from the trip the following Monday, the same assignment works.
    leads.assign(session, lead, people["a"], people["sup"], now=NOW + timedelta(days=7))
    assert lead.executor_id == people["a"].id


def test_only_supervisors_assign(session, people):
    lead = _open(session, people)
    with pytest.raises(Forbidden):
        leads.assign(session, lead, people["a"], people["tele"], now=NOW)


def test_daily_cap_stops_a_supervisor_unless_forced(session, people):
    leads.set_cap(session, people["sup"], people["a"], 1)
    first, second = _open(session, people), _open(session, people)
    leads.assign(session, first, people["a"], people["sup"], now=NOW)
    with pytest.raises(leads.DailyCapReached):
        leads.assign(session, second, people["a"], people["sup"], now=NOW)
    leads.assign(session, second, people["a"], people["sup"], force=True, now=NOW)
    assert second.executor_id == people["a"].id


def test_unaccepted_lead_returns_to_the_supervisor_with_history(session, people):
    lead = _open(session, people)
    leads.assign(session, lead, people["a"], people["sup"], now=EVE)
    assert leads.expire_unaccepted(session, datetime(2025, 10, 8, 12, tzinfo=timezone.utc)) == 0
    late = datetime(2025, 10, 9, 9, 0, tzinfo=timezone.utc)  # 17:00 Shanghai, past 16:00
    with pytest.raises(leads.AcceptDeadlinePassed):
        leads.accept(session, lead, people["a"], now=late)
    assert leads.expire_unaccepted(session, late) == 1
    assert (lead.status, lead.executor_id) == ("open", None)
    kinds = [(a.kind, a.from_user_id, a.to_user_id) for a in lead.assignments]
    assert kinds == [("manual", None, people["a"].id), ("expired", people["a"].id, None)]
    assert "Not accepted by 刘洋 before 2025-10-09 16:00" in lead.assignments[-1].reason
    assert leads.expire_unaccepted(session, late) == 0  # idempotent


def test_accept_makes_the_company_the_executors_and_reassignment_keeps_history(session, people):
    lead = _open(session, people)
    leads.assign(session, lead, people["a"], people["sup"], now=NOW)
    with pytest.raises(leads.NotYourLead):
        leads.accept(session, lead, people["b"], now=NOW)
    leads.accept(session, lead, people["a"], now=NOW + timedelta(hours=1))
    assert lead.status == "accepted" and lead.company.owner_id == people["a"].id
    leads.assign(session, lead, people["b"], people["sup"], reason="刘洋休假", now=NOW + timedelta(days=1))
    assert (lead.status, lead.executor_id) == ("assigned", people["b"].id)
    leads.accept(session, lead, people["b"], now=NOW + timedelta(days=1, hours=1))
    assert lead.company.owner_id == people["b"].id
    history = [(a.kind, a.from_user_id, a.to_user_id) for a in lead.assignments]
    assert history == [("manual", None, people["a"].id),
                       ("reassign", people["a"].id, people["b"].id)]


def test_industry_rule_picks_the_specialist_and_says_why(session, people):
    medical = Industry(code="med_t", name_zh="医疗器械测试")
    session.add(medical)
    session.flush()
    leads.save_rule(session, people["sup"], leads.RuleData(
        name="医疗专员", kind="industry", priority=10,
        params={"industry_ids": [medical.id], "executor_ids": [people["b"].id]}))
    leads.save_rule(session, people["sup"], leads.RuleData(name="轮流", kind="round_robin",
                                                           priority=90))
    lead = _open(session, people, industry_id=medical.id)
    assignment = lead.assignments[-1]
    assert (lead.executor_id, assignment.kind, assignment.by_user_id) == (people["b"].id, "rule", None)
    assert "医疗专员" in assignment.reason and "医疗器械测试" in assignment.reason
    assert "陈伟" in assignment.reason
    # Another industry falls through to round robin.
    other = _open(session, people)
    assert other.assignments[-1].rule.name == "轮流"


def test_round_robin_skips_the_absent_and_capped_and_says_so(session, people):
    leads.save_rule(session, people["sup"], leads.RuleData(
        name="轮流", kind="round_robin",
        params={"executor_ids": [people["a"].id, people["b"].id]}))
    first = _open(session, people)
    second = _open(session, people)
    assert {first.executor_id, second.executor_id} == {people["a"].id, people["b"].id}
    leads.add_absence(session, people["sup"], people["a"], date(2026, 3, 1), date(2026, 3, 31))
    third = _open(session, people)
    assert third.executor_id == people["b"].id
    assert "刘洋: 刘洋 is absent until 2026-03-31" in third.assignments[-1].reason
    leads.set_cap(session, people["sup"], people["b"], 2)
    fourth = _open(session, people)
    assert fourth.status == "open" and fourth.assignments == []  # waits for the supervisor


def test_least_load_rule_picks_the_lightest(session, people):
    leads.save_rule(session, people["sup"], leads.RuleData(
        name="均衡", kind="least_load", params={"executor_ids": [people["a"].id, people["b"].id]}))
    settings.put(session, leads.AUTO_ASSIGN, 0)
    busy = [_open(session, people) for _ in range(2)]
    for lead in busy:
        leads.assign(session, lead, people["a"], people["sup"], now=NOW)
    settings.put(session, leads.AUTO_ASSIGN, 1)
    fresh = _open(session, people)
    assert fresh.executor_id == people["b"].id
    assert "fewest open leads" in fresh.assignments[-1].reason


def test_rules_refuse_non_executors(session, people):
    with pytest.raises(ValidationFailed) as bad:
        leads.save_rule(session, people["sup"], leads.RuleData(
            name="错", kind="round_robin", params={"executor_ids": [people["tele"].id]}))
    assert "executor_ids" in bad.value.errors


def test_registering_a_client_someone_else_follows_raises_a_conflict(session, people):
    company = factories.company(session, "冲突测试有限公司")
    mine = leads.register_client(session, people["a"], company.id, "self_developed", now=NOW)
    assert (mine.lead.status, mine.lead.executor_id, mine.conflict) == ("accepted", people["a"].id, None)
    again = leads.register_client(session, people["a"], company.id, "inbound", now=NOW)
    assert again.lead.id == mine.lead.id  # the same executor: no duplicate, no conflict
    other = leads.register_client(session, people["b"], company.id, "inbound", note="客户主动来电",
                                  now=NOW)
    assert other.lead is None and other.existing.id == mine.lead.id
    assert (other.conflict.requested_by_id, other.conflict.source) == (people["b"].id, "inbound")
    assert session.scalar(select(func.count(Lead.id)).where(Lead.company_id == company.id)) == 1
    # The supervisor decides for the requester: the lead moves with its history.
    leads.resolve_conflict(session, other.conflict, people["sup"], "reassign", "陈伟先接触", now=NOW)
    assert mine.lead.executor_id == people["b"].id
    assert mine.lead.assignments[-1].kind == "conflict"
    assert session.get(LeadConflict, other.conflict.id).status == "resolved"


def test_executors_register_only_their_own_sources(session, people):
    company = factories.company(session)
    with pytest.raises(ValidationFailed) as bad:
        leads.register_client(session, people["a"], company.id, "telesales", now=NOW)
    assert bad.value.field == "source"
    with pytest.raises(Forbidden):
        leads.register_client(session, people["tele"], company.id, "inbound", now=NOW)


def test_next_step_and_overdue_flags(session, people):
    lead = _open(session, people)
    leads.assign(session, lead, people["a"], people["sup"], now=NOW)
    leads.accept(session, lead, people["a"], now=NOW)
    with pytest.raises(ValidationFailed) as missing:
        leads.set_next_step(session, lead, people["a"], "", date(2026, 3, 12))
    assert missing.value.field == "next_step"
    leads.set_next_step(session, lead, people["a"], "寄方案并约面洽", date(2026, 3, 12))
    assert not lead.is_overdue(date(2026, 3, 12)) and lead.is_overdue(date(2026, 3, 13))
    assert leads.overdue(session, date(2026, 3, 13), executor_id=people["a"].id) == [lead]
    assert leads.overdue(session, date(2026, 3, 13), executor_id=people["b"].id) == []
    board = dashboards.supervisor_board(session, date(2026, 3, 13))
    assert board.overdue == 1
    assert {e.user.id: e.overdue for e in board.executors}[people["a"].id] == 1
    with pytest.raises(leads.NotYourLead):
        leads.set_next_step(session, lead, people["b"], "抢单", date(2026, 3, 20))


def test_lead_visibility_by_role(session, people):
    lead = _open(session, people)
    leads.assign(session, lead, people["a"], people["sup"], now=NOW)
    seen = lambda user: [l.id for l in leads.find(session, user, leads.LeadFilters()).items]  # noqa: E731
    assert seen(people["sup"]) == [lead.id]
    assert seen(people["a"]) == [lead.id] and seen(people["b"]) == []
    assert seen(people["tele"]) == [lead.id]  # their call opened it
    assert seen(people["designer"]) == []
    timeline = leads.timeline(session, lead)
    assert [e.kind for e in timeline][-1] == "created"
    assert any(e.kind == "assignment" for e in timeline)
    # The company page's open lead: the same rule, in one query.
    company_id = lead.company_id
    assert leads.visible_open_lead(session, people["a"], company_id) is lead
    assert leads.visible_open_lead(session, people["b"], company_id) is None
    leads.close(session, lead, people["sup"], "lost", now=NOW)
    assert leads.visible_open_lead(session, people["a"], company_id) is None


def test_the_demo_shows_the_lead_flow(tmp_path):
    """`crm demo` fills lists, a week of calls, and leads for exec1 and exec2."""
    from crm.db import Base, make_engine, make_session_factory
    from crm.models import Call, CallList, ClientAttribution, User
    from crm.services import demo

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as s:
        demo.load_demo(s, seed=3, exhibitors=60)
        names = {u.id: u.username for u in s.scalars(select(User))}
        holders = {names[e] for e in s.scalars(select(Lead.executor_id)) if e}
        assert holders == {"exec1", "exec2"}
        assert {names[o] for o in s.scalars(select(CallList.owner_id)) if o} == {"tele1"}
        assert {names[u] for u in s.scalars(select(Call.user_id))} == {"tele1", "tele2"}
        assert s.scalar(select(func.count(ClientAttribution.id)).where(
            ClientAttribution.classification == "old")) == 1
    engine.dispose()


def test_auto_assign_refuses_a_lead_not_waiting_for_assignment(session):
    c = factories.company(session, "上海已分配有限公司")
    lead = factories.lead(session, c, status="closed")
    with pytest.raises(leads.WrongLeadState):
        leads.auto_assign_lead(session, lead)
    assert session.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead.id)).all() == []
