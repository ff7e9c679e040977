"""Dashboard helpers the pages use: people by id, recent weeks, the allocation table."""
from __future__ import annotations

from datetime import date, datetime, timezone

from crm.services import calls, dashboards, leads
from tests import factories


def test_recent_weeks_end_with_the_days_week():
    assert dashboards.recent_weeks(date(2026, 3, 12), 3) == [
        date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9)]
    assert dashboards.recent_weeks(date(2026, 3, 9), 1) == [date(2026, 3, 9)]


def test_people_by_id_skips_none(session, make_user):
    a, b = make_user("telesales"), make_user("telesales")
    found = dashboards.people(session, [a.id, None, b.id, a.id])
    assert found == {a.id: a, b.id: b}
    assert dashboards.people(session, [None]) == {}


def test_allocation_lists_the_weeks_leads_with_company_and_executor(session, make_user):
    calls.seed_outcomes(session)
    tele, sup = make_user("telesales"), make_user("market_supervisor")
    executor = make_user("executor", display_name="陈刚")
    monday_morning = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    meeting = calls.log_call(session, tele, factories.company(session, "分配甲有限公司").id,
                             "meeting_possible", now=monday_morning)
    calls.log_call(session, tele, factories.company(session, "分配乙有限公司").id,
                   "requirements_sent", now=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    leads.assign(session, meeting.lead, executor, sup, force=True, now=monday_morning)
    rows = dashboards.allocation(session, date(2026, 3, 15))  # Sunday: the same week
    assert [(r.lead.company.name_zh, r.bucket, r.lead.executor.display_name, r.telesales_id)
            for r in rows] == [("分配甲有限公司", "meeting", "陈刚", tele.id)]
