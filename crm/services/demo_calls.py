"""Demo data for the lead flow: outcomes, call lists, a week of calls, leads and attribution.

Called by crm.services.demo.load_demo after the companies and shows exist, so that the demo
shows the whole loop: tele1 and tele2 worked their lists over the past working days; good
calls became leads, handed to exec1 and exec2 by a round-robin rule; some are accepted
with next steps (one overdue), one was visited, one waits for acceptance; exec2 registered
a self-developed client; one company is an old client of exec1 (a 2024 contract).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Company, Exhibition, Lead, LeadStatus, User
from crm.services import attribution, call_lists, calls, leads, workdays

# Outcomes the demo telesales get, with weights like a real day on the phone.
OUTCOME_WEIGHTS = {"no_answer": 30, "busy": 8, "not_interested": 22, "call_back": 8,
                   "send_materials": 12, "meeting_possible": 12, "requirements_sent": 6,
                   "wrong_number": 2}


def load(session: Session, rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Add the lead-flow demo rows; return counts of what was made."""
    now = now or utcnow()
    calls.seed_outcomes(session)
    workdays.seed_calendar(session)
    users = {u.username: u for u in session.scalars(select(User))}
    needed = ("tele1", "tele2", "mkt1", "exec1", "exec2")
    if not all(name in users for name in needed):
        return {}
    sup, tele1, tele2 = users["mkt1"], users["tele1"], users["tele2"]
    exec1, exec2 = users["exec1"], users["exec2"]
    leads.save_rule(session, sup, leads.RuleData(
        name="执行部轮流分配", kind="round_robin", priority=100,
        params={"executor_ids": [exec1.id, exec2.id]}))
    shows = list(session.scalars(select(Exhibition).order_by(Exhibition.starts_on)))
    if not shows:
        return {}
    built = [
        call_lists.build_list(session, sup, f"{shows[0].display_name} 特装展商（张丽）",
                              call_lists.ListFilters(exhibition_id=shows[0].id,
                                                     booth_types=["special", "raw_space"],
                                                     limit=30),
                              owner_id=tele1.id, now=now - timedelta(days=10)),
        call_lists.build_list(session, sup, "共享池：大面积展商",
                              call_lists.ListFilters(area_min=72, limit=60),
                              priority=["callback_due", "key_client", "area", "show_date"],
                              now=now - timedelta(days=10)),
    ]
    built += _show_driven(session, shows, now)
    made = _a_week_of_calls(session, rng, [tele1, tele2], now)
    _follow_up(session, rng, exec1, exec2, now)
    _old_client_and_self_developed(session, exec1, exec2, sup, now)
    _supervisor_desk(session, sup, exec1, exec2, now)
    return {"lists": len(built), "calls": made,
            "leads": len(session.scalars(select(Lead.id)).all())}


def _show_driven(session: Session, shows: list[Exhibition], now: datetime) -> list:
    """The show-driven list the daily job would have built six weeks before the latest
    edition that has an earlier one (the demo's shows lie in the past)."""
    editions = [s for s in shows if s.starts_on and call_lists.previous_edition(session, s)]
    if not editions:
        return []
    return call_lists.build_show_driven_lists(
        session, editions[-1].starts_on - timedelta(weeks=6), now=now - timedelta(days=10))


def _working_moments(cal: workdays.WorkCalendar, now: datetime, days: int,
                     rng: random.Random, per_day: int) -> list[datetime]:
    today = workdays.local_date(now)
    moments = []
    day = today - timedelta(days=1)
    found = 0
    while found < days:
        if cal.is_workday(day):
            found += 1
            for _ in range(per_day):
                clock = time(rng.randint(9, 16), rng.randint(0, 59))
                moments.append(datetime.combine(day, clock, tzinfo=workdays.LOCAL_TZ))
        day -= timedelta(days=1)
    return sorted(moments)


def _a_week_of_calls(session: Session, rng: random.Random, people: list[User],
                     now: datetime) -> int:
    cal = workdays.load(session)
    codes = list(OUTCOME_WEIGHTS)
    made = 0
    for moment in _working_moments(cal, now, 5, rng, 6):
        for person in people:
            at = moment + timedelta(minutes=rng.randint(0, 20))
            claim = calls.claim_next(session, person, at)
            if claim is None:
                continue
            code = rng.choices(codes, [OUTCOME_WEIGHTS[c] for c in codes])[0]
            callback = at + timedelta(days=2) if code == "call_back" else None
            company = session.get(Company, claim.company_id)
            phone = next((p.id for p in company.phones if not p.wrong_number), None)
            calls.log_outcome(session, claim.item_id, person, code, _note(code), callback_at=callback,
                              phone_id=phone, now=at + timedelta(minutes=4))
            made += 1
    return made


def _note(code: str) -> str:
    return {"meeting_possible": "市场部王经理同意下周面谈，带往届展台照片",
            "requirements_sent": "对方邮件发来展位图和设计要求，预算约30万",
            "send_materials": "请寄公司画册和往届案例",
            "call_back": "负责人出差，约两天后再联系",
            "not_interested": "今年由总部统一招标"}.get(code, "")


def _follow_up(session: Session, rng: random.Random, exec1: User, exec2: User,
               now: datetime) -> None:
    handed = list(session.scalars(select(Lead).where(Lead.status == LeadStatus.ASSIGNED.value)
                                  .order_by(Lead.id)))
    today = workdays.local_date(now)
    for i, lead in enumerate(handed[:-1]):  # the newest one waits for acceptance
        executor = exec1 if lead.executor_id == exec1.id else exec2
        accepted_at = lead.assigned_at + timedelta(hours=1)
        if lead.accept_by is not None and accepted_at > lead.accept_by:
            continue
        leads.accept(session, lead, executor, now=accepted_at)
        due = today - timedelta(days=2) if i == 0 else today + timedelta(days=rng.randint(1, 6))
        leads.set_next_step(session, lead, executor, "电话确认面洽时间并准备往届案例", due)
        company = session.get(Company, lead.company_id)
        kind = "visit" if i == 1 else "call"
        leads.record_contact(session, company, executor, kind, accepted_at + timedelta(hours=2))
    if handed:  # give the last one a fresh deadline so the demo shows it waiting
        last = handed[-1]
        executor = exec1 if last.executor_id == exec1.id else exec2
        last.assigned_at = now
        last.accept_by = workdays.load(session).add_working_hours(now, 8)
        session.flush()


def _old_client_and_self_developed(session: Session, exec1: User, exec2: User, sup: User,
                                   now: datetime) -> None:
    owned = session.scalars(select(Company).where(Company.owner_id == exec1.id)
                            .order_by(Company.id)).first()
    if owned is not None:
        attribution.add_cooperation(session, sup, owned, kind="contract",
                                    signed_on=date(2024, 9, 10), amount="268000.00",
                                    reference="HT-2024-0917", note="2024年展会特装展台")
        leads.record_contact(session, owned, exec1, "visit", now - timedelta(days=3))
    fresh = session.scalars(select(Company).where(
        Company.owner_id.is_(None), Company.merged_into_id.is_(None),
        ~Company.id.in_(select(Lead.company_id))).order_by(Company.id.desc())).first()
    if fresh is not None:
        leads.register_client(session, exec2, fresh.id, "self_developed",
                              note="行业协会活动上认识的市场总监", now=now - timedelta(days=1))
        leads.record_contact(session, fresh, exec2, "email", now - timedelta(days=1))


def _supervisor_desk(session: Session, sup: User, exec1: User, exec2: User,
                     now: datetime) -> None:
    """Give the lead pages something to show a supervisor: more rules, a cap, a lead
    waiting for assignment and a conflict (exec1 registering exec2's self-developed client).

    Runs after the week of calls, so the extra rules do not change who got the demo leads.
    """
    company = session.scalars(select(Company).where(Company.industry_id.is_not(None))
                              .order_by(Company.id)).first()
    if company is not None:
        leads.save_rule(session, sup, leads.RuleData(
            name="行业专长：" + (company.industry.name_zh if company.industry else ""),
            kind="industry", priority=50,
            params={"industry_ids": [company.industry_id], "executor_ids": [exec1.id]}))
    leads.save_rule(session, sup, leads.RuleData(name="最少负载（备用）", kind="least_load",
                                                 priority=200, active=False))
    leads.set_cap(session, sup, exec2, 4)
    waiting = session.scalars(select(Company).where(
        Company.owner_id.is_(None), Company.merged_into_id.is_(None),
        ~Company.id.in_(select(Lead.company_id))).order_by(Company.id)).first()
    if waiting is not None:
        leads.open_lead(session, waiting.id, source="market_expansion", by=sup,
                        note="主办方提供的新展商名单", now=now - timedelta(hours=3),
                        auto_assign=False)
    theirs = session.scalars(select(Lead).where(Lead.executor_id == exec2.id,
                                                Lead.source == "self_developed")).first()
    if theirs is not None:
        leads.register_client(session, exec1, theirs.company_id, "inbound",
                              note="客户也给我打过电话", now=now - timedelta(hours=2))
