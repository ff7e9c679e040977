"""Demo data for the executor's desk: exec1's visits this week and one filed visit report.

Called by crm.services.demo.load_demo after demo_calls (it needs exec1's accepted leads).
Idempotent: it adds nothing when exec1 has visits already.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Company, CompanyKindLink, Lead, LeadStatus, User, Visit
from crm.services import visits, workdays


def load(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Plan, delegate and report a few visits of exec1; return counts of what was made."""
    now = now or utcnow()
    users = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_(("exec1", "exec2"))))}
    exec1, exec2 = users.get("exec1"), users.get("exec2")
    if exec1 is None or session.scalars(select(Visit.id).where(
            Visit.executor_id == exec1.id)).first() is not None:
        return {}
    mine = list(session.scalars(select(Lead).where(
        Lead.executor_id == exec1.id, Lead.status == LeadStatus.ACCEPTED.value)
        .order_by(Lead.id)))
    if not mine:
        return {}
    today = workdays.local_date(now)
    # A referral the client gives: a company of the database (the filing finds it by
    # matching instead of making a second one) that nobody follows yet.
    referred = session.scalars(select(Company).where(
        Company.owner_id.is_(None), Company.merged_into_id.is_(None), Company.name_zh.is_not(None),
        ~Company.id.in_(select(Lead.company_id)),
        Company.id.in_(select(CompanyKindLink.company_id).where(
            CompanyKindLink.kind == "exhibitor"))).order_by(Company.id.desc())).first()

    def at(days: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour),
                                tzinfo=workdays.LOCAL_TZ)

    made = 0
    # Yesterday's visit, done, with its filed report (a referral included).
    first = visits.plan_visit(session, exec1, mine[0].company_id, at(-1, 10),
                              "客户公司会议室", people="市场部王经理；我方：陈刚",
                              purpose="了解明年参展计划，介绍往届案例", now=now - timedelta(days=3))
    visits.file_report(session, first, exec1, visits.ReportData(
        project_lead_name="王建国", project_lead_role="市场部经理",
        project_lead_contact="138 0000 1234", situation="明年计划参加上海、广州两个行业展，"
        "往年由代理商搭建，对效果不满意。", budget_min="250000", budget_max="400000",
        booth_area_m2="144", shows_planned="上海国际工业博览会；广州国际照明展",
        decision_process="市场部提方案，总经理拍板", competing_builders="两家本地搭建商",
        rating="A", big_clients="行业前三：某某电气、某某照明", next_step="发送初步设计方案",
        next_step_due=today + timedelta(days=5),
        referrals=[visits.ReferralData(referred.name_zh, "陈经理", "13700001111",
                                       "王经理介绍，明年首次参展")] if referred else []),
        now=now - timedelta(hours=20))
    made += 1
    if len(mine) > 1:  # tomorrow: planned
        visits.plan_visit(session, exec1, mine[1].company_id, at(1, 14), "国家会展中心（上海）",
                          people="采购总监", purpose="现场看展位、量尺寸", now=now)
        made += 1
    if len(mine) > 2 and exec2 is not None:  # the day after: exec1 is away, exec2 goes
        third = visits.plan_visit(session, exec1, mine[2].company_id, at(2, 10),
                                  "客户工厂展厅", purpose="确认设计要求", now=now)
        visits.delegate(session, third, exec1, exec2.id, "当天出差外地", now=now)
        made += 1
    return {"visits": made}
