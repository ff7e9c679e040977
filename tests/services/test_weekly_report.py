"""The Monday meeting report: worked examples across week, month and time-zone boundaries.

The week under test is Monday 2026-11-30 to Sunday 2026-12-06 in Shanghai, which spans a
month end; in UTC it runs from 2026-11-29 16:00 to 2026-12-06 16:00.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from crm.models import DesignRequest, Visit, VisitReport, WeeklyReport
from crm.services import leads, weekly_report
from tests import factories

MONDAY = date(2026, 11, 30)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def shanghai(*args) -> datetime:
    """A Shanghai wall-clock time, as the UTC moment stored."""
    return datetime(*args, tzinfo=timezone.utc) - timedelta(hours=8)


@pytest.fixture()
def people(session):
    return {"tele": factories.user(session, "telesales", "tele1", display_name="电销甲"),
            "exec1": factories.user(session, "executor", "exec1", display_name="执行一"),
            "exec2": factories.user(session, "executor", "exec2", display_name="执行二"),
            "mkt": factories.user(session, "market_supervisor", "mkt1", display_name="主管")}


def _hand_out(session, people, name, bucket, executor, at):
    lead = factories.lead(session, factories.company(session, name), bucket=bucket,
                          created_by_id=people["tele"].id, created_at=at - timedelta(hours=1))
    leads.assign(session, lead, people[executor], people["mkt"], now=at)
    return lead


def _visit(session, company, executor, visitor, done_at, *, rating=None, author=None,
           filed_at=None):
    visit = Visit(company_id=company.id, executor_id=executor.id, visitor_id=visitor.id,
                  planned_at=done_at - timedelta(hours=2), done_at=done_at, place="客户公司",
                  status="done")
    session.add(visit)
    session.flush()
    if filed_at is not None:
        session.add(VisitReport(visit_id=visit.id, author_id=(author or visitor).id,
                                status="filed", filed_at=filed_at, rating=rating,
                                next_step="发报价"))
        session.flush()
    return visit


def test_leads_are_counted_in_the_shanghai_week_they_were_handed_out(session, people):
    sunday_late = _hand_out(session, people, "周日深夜有限公司", "meeting", "exec1",
                            shanghai(2026, 12, 6, 23, 30))  # = Sunday 15:30 UTC
    assert sunday_late.assignments[-1].at == utc(2026, 12, 6, 15, 30)
    monday_early = _hand_out(session, people, "周一凌晨有限公司", "requirements", "exec2",
                             shanghai(2026, 12, 7, 0, 10))  # = Sunday 16:10 UTC: next week
    first_minute = _hand_out(session, people, "月底周一有限公司", "requirements", "exec2",
                             shanghai(2026, 11, 30, 0, 5))  # = 29 Nov 16:05 UTC, in November
    before = _hand_out(session, people, "上周日有限公司", "meeting", "exec1",
                       shanghai(2026, 11, 29, 23, 59))

    data = weekly_report.build(session, MONDAY)
    assert (data["week_start"], data["week_end"]) == ("2026-11-30", "2026-12-06")
    got = {r["lead_id"]: r for r in data["allocation"] if r["kind"] == "lead"}
    assert set(got) == {sunday_late.id, first_minute.id}
    assert got[sunday_late.id]["bucket"] == "meeting"
    assert got[sunday_late.id]["responsible"] == "执行一"
    assert got[sunday_late.id]["at"] == "2026-12-06 23:30"  # shown in Shanghai time
    assert got[first_minute.id]["opened_by"] == "电销甲"
    # the next week has the Monday 00:10 lead; the week before the Sunday 23:59 one
    nxt = weekly_report.build(session, date(2026, 12, 9))  # any day picks its Monday
    assert nxt["week_start"] == "2026-12-07"
    assert [r["lead_id"] for r in nxt["allocation"]] == [monday_early.id]
    prev = weekly_report.build(session, date(2026, 11, 23))
    assert [r["lead_id"] for r in prev["allocation"]] == [before.id]


def test_reassigned_in_the_week_shows_once_with_the_last_holder(session, people):
    lead = _hand_out(session, people, "换人有限公司", "meeting", "exec1", shanghai(2026, 12, 1, 10))
    leads.assign(session, lead, people["exec2"], people["mkt"], now=shanghai(2026, 12, 2, 10))
    rows = weekly_report.build(session, MONDAY)["allocation"]
    assert [(r["lead_id"], r["responsible"]) for r in rows] == [(lead.id, "执行二")]


def test_materials_bucket_comes_from_the_mailing_tasks(session, people):
    pack = factories.mailing_task(session, factories.company(session, "资料甲有限公司"),
                                  assignee=people["tele"], created_at=shanghai(2026, 12, 6, 23, 59))
    targeted = factories.mailing_task(session, factories.company(session, "资料乙有限公司"),
                                      kind="targeted", created_at=shanghai(2026, 12, 1, 9))
    factories.mailing_task(session, factories.company(session), assignee=people["tele"],
                           created_at=shanghai(2026, 12, 7, 0, 0))  # next week
    rows = [r for r in weekly_report.build(session, MONDAY)["allocation"]
            if r["bucket"] == "materials"]
    assert [(r["mailing_id"], r["responsible"]) for r in rows] == [(targeted.id, None),
                                                                    (pack.id, "电销甲")]


def test_follow_up_credits_delegated_visits_to_the_assigned_executor(session, people):
    client = factories.company(session, "代访客户有限公司")
    delegated = _visit(session, client, people["exec1"], people["exec2"],
                       shanghai(2026, 12, 2, 15), rating="A", filed_at=shanghai(2026, 12, 3, 9))
    own = _visit(session, factories.company(session, "自己去有限公司"), people["exec1"],
                 people["exec1"], shanghai(2026, 12, 6, 23, 0), rating="B",
                 filed_at=shanghai(2026, 12, 7, 9))  # report filed next week
    _visit(session, factories.company(session), people["exec2"], people["exec2"],
           shanghai(2026, 12, 7, 0, 30))  # next week
    session.add(Visit(company_id=client.id, executor_id=people["exec2"].id,
                      visitor_id=people["exec2"].id, planned_at=shanghai(2026, 12, 2, 9),
                      place="x", status="planned"))  # not made: not counted
    session.flush()

    data = weekly_report.build(session, MONDAY)
    by = {e["user_id"]: e for e in data["executors"]}
    one, two = by[people["exec1"].id], by[people["exec2"].id]
    assert [v["visit_id"] for v in one["visits"]] == [delegated.id, own.id]
    assert one["visits"][0]["delegated"] and one["visits"][0]["visitor"] == "执行二"
    assert two["visits"] == []
    assert [(r["visit_id"], r["rating"]) for r in one["reports"]] == [(delegated.id, "A")]
    totals = {t["user_id"]: t for t in data["totals"] if not t.get("total")}
    assert (totals[people["exec1"].id]["visits"], totals[people["exec1"].id]["delegated_visits"],
            totals[people["exec1"].id]["reports"], totals[people["exec1"].id]["rating_a"]) == (2, 1, 1, 1)
    assert people["exec2"].id not in totals  # nothing of their own this week


def test_overdue_missed_designs_and_other_channel(session, people):
    late = factories.lead(session, factories.company(session, "逾期有限公司"), status="accepted",
                          executor=people["exec1"], next_step="回访", next_step_due=date(2026, 12, 4))
    factories.lead(session, factories.company(session), status="accepted", executor=people["exec1"],
                   next_step="回访", next_step_due=date(2026, 12, 7))  # due after the week
    explained = DesignRequest(company_id=late.company_id, executor_id=people["exec1"].id,
                              title="车展特装", brief="b", due_on=date(2026, 12, 3), status="open",
                              explanation="客户资料迟到", explained_at=shanghai(2026, 12, 4, 9))
    unexplained = DesignRequest(company_id=late.company_id, executor_id=people["exec2"].id,
                                title="印刷展", brief="b", due_on=date(2026, 12, 6),
                                status="in_progress")
    on_time = DesignRequest(company_id=late.company_id, executor_id=people["exec2"].id,
                            title="准时", brief="b", due_on=date(2026, 12, 5), status="delivered",
                            delivered_at=shanghai(2026, 12, 5, 23, 50))
    session.add_all([explained, unexplained, on_time])
    session.flush()
    channel = leads.register_client(session, people["exec2"],
                                    factories.company(session, "朋友介绍有限公司").id,
                                    "other_channel", note="老同学", now=shanghai(2026, 12, 1, 0, 1)).lead

    data = weekly_report.build(session, MONDAY, now=shanghai(2026, 12, 7, 9))
    by = {e["user_id"]: e for e in data["executors"]}
    assert [o["lead_id"] for o in by[people["exec1"].id]["overdue"]] == [late.id]
    assert [(m["request_id"], m["explanation"]) for m in by[people["exec1"].id]["missed_designs"]] == [
        (explained.id, "客户资料迟到")]
    assert [(m["request_id"], m["explanation"]) for m in by[people["exec2"].id]["missed_designs"]] == [
        (unexplained.id, None)]
    assert [c["lead_id"] for c in by[people["exec2"].id]["other_channel"]] == [channel.id]
    totals = {t["user_id"]: t for t in data["totals"] if not t.get("total")}
    assert (totals[people["exec2"].id]["missed_designs"], totals[people["exec2"].id]["unexplained"],
            totals[people["exec2"].id]["other_channel"]) == (1, 1, 1)
    grand = data["totals"][-1]
    assert grand["total"] and grand["overdue"] == 1 and grand["missed_designs"] == 2
    json.dumps(data)  # plain data


def test_totals_add_up_per_person(session, people):
    _hand_out(session, people, "一号有限公司", "meeting", "exec1", shanghai(2026, 12, 1, 10))
    _hand_out(session, people, "二号有限公司", "meeting", "exec1", shanghai(2026, 12, 2, 10))
    _hand_out(session, people, "三号有限公司", "requirements", "exec2", shanghai(2026, 12, 3, 10))
    factories.mailing_task(session, factories.company(session), assignee=people["tele"],
                           created_at=shanghai(2026, 12, 3, 11))
    totals = weekly_report.build(session, MONDAY)["totals"]
    rows = {t["name"]: t for t in totals if not t.get("total")}
    assert (rows["执行一"]["meeting"], rows["执行一"]["requirements"]) == (2, 0)
    assert (rows["执行二"]["requirements"], rows["电销甲"]["materials"]) == (1, 1)
    assert (totals[-1]["meeting"], totals[-1]["requirements"], totals[-1]["materials"]) == (2, 1, 1)


def test_the_monday_job_stores_last_week_once(session, people):
    _hand_out(session, people, "快照有限公司", "meeting", "exec1", shanghai(2026, 12, 6, 23, 30))
    # Monday 06:00 in Shanghai is still Sunday 22:00 UTC: last week is 30 Nov, not 23 Nov.
    job_time = shanghai(2026, 12, 7, 6, 0)
    assert weekly_report.last_week(job_time) == MONDAY
    summary = weekly_report.generate_last_week(session, now=job_time)
    assert (summary["week_start"], summary["handed_out"]) == ("2026-11-30", 1)
    report = session.get(WeeklyReport, summary["report_id"])
    assert report.week_start == MONDAY and report.generated_by_id is None
    assert len(report.data["allocation"]) == 1
    _hand_out(session, people, "补录有限公司", "meeting", "exec2", shanghai(2026, 12, 5, 10))
    again = weekly_report.generate(session, MONDAY, by=people["mkt"], now=job_time + timedelta(hours=3))
    assert again.id == report.id and again.generated_by_id == people["mkt"].id
    assert len(again.data["allocation"]) == 2
    assert session.scalar(select(func.count(WeeklyReport.id))) == 1
    session.expire_all()
    assert len(weekly_report.snapshot(session, date(2026, 12, 2)).data["allocation"]) == 2
