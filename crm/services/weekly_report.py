"""The Monday meeting report (周会报表) for one week, Monday 00:00 to Sunday 24:00 Shanghai.

The meeting (market expansion's supervisor, the execution lead or telesales, the general
manager) looks back on the previous week:

1. the allocation table (一周客户联络分配情况统计): every lead handed out in the week by
   outcome bucket — meeting possible, requirements sent — with the executor responsible,
   and the send-materials bucket from the mailing tasks opened, with who sends them;
2. each executor's follow-up: visits made (by them or by a colleague on their behalf — the
   credit stays with the assigned executor), visit reports filed with their ratings,
   overdue leads, missed design requests with the explanations, other-channel clients;
3. totals per person.

Stored times are UTC; the week's bounds are the Shanghai midnights (crm.services.dashboards
.week_bounds), so a lead handed out on Sunday 23:30 in Shanghai (15:30 UTC) belongs to that
week and one on Monday 00:10 (Sunday 16:10 UTC) to the next. `build` returns plain,
JSON-serialisable data; `generate` keeps it as the week's snapshot.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import (
    Lead,
    LeadAssignment,
    LeadSource,
    ReportStatus,
    User,
    Visit,
    VisitReport,
    VisitStatus,
    WeeklyReport,
)
from crm.models.calls import OutcomeBucket
from crm.services import dashboards, design_requests, leads, materials, workdays

SECTIONS = ("allocation", "executors", "totals")
ALLOCATION_BUCKETS = (OutcomeBucket.MEETING.value, OutcomeBucket.REQUIREMENTS.value,
                      OutcomeBucket.MATERIALS.value)
# Hand-overs that put a lead in an executor's hands (not a return or a self-registration).
HANDED_OUT = leads.COUNTED_KINDS
RATINGS = ("A", "B", "C")


def _local(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(workdays.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return dashboards.week_start(day)


def last_week(now: datetime | None = None) -> date:
    """The Monday of the week before the current Shanghai week."""
    today = workdays.local_date(now or utcnow())
    return dashboards.week_start(today) - timedelta(days=7)


# --- (1) the allocation table ---------------------------------------------------------------

def _allocation(session: Session, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    handed = session.execute(
        select(LeadAssignment).where(LeadAssignment.at >= lo, LeadAssignment.at < hi,
                                     LeadAssignment.kind.in_(HANDED_OUT),
                                     LeadAssignment.to_user_id.is_not(None))
        .order_by(LeadAssignment.at, LeadAssignment.id)).scalars().all()
    last: dict[int, LeadAssignment] = {}
    for row in handed:  # a lead handed out twice in the week shows once, with its last holder
        last[row.lead_id] = row
    lead_rows = {lead.id: lead for lead in session.scalars(
        select(Lead).where(Lead.id.in_(list(last)))
        .options(selectinload(Lead.company), selectinload(Lead.created_by)))} if last else {}
    users = dashboards.people(session, [a.to_user_id for a in last.values()])
    rows = []
    for lead_id, assignment in sorted(last.items(), key=lambda kv: (kv[1].at, kv[0])):
        lead = lead_rows[lead_id]
        rows.append({
            "bucket": lead.bucket if lead.bucket in ALLOCATION_BUCKETS else OutcomeBucket.NONE.value,
            "kind": "lead", "lead_id": lead.id, "company_id": lead.company_id,
            "company": lead.company.display_name, "source": lead.source,
            "responsible_id": assignment.to_user_id,
            "responsible": _name(users.get(assignment.to_user_id)),
            "opened_by": _name(lead.created_by), "at": _local(assignment.at),
            "status": lead.status})
    for task in materials.created_between(session, lo, hi):
        rows.append({
            "bucket": OutcomeBucket.MATERIALS.value, "kind": task.kind, "lead_id": None,
            "mailing_id": task.id, "company_id": task.company_id,
            "company": task.company.display_name, "source": None,
            "responsible_id": task.assignee_id, "responsible": _name(task.assignee),
            "opened_by": None, "at": _local(task.created_at), "status": task.status,
            "method": task.method, "tracking_no": task.tracking_no})
    order = {b: i for i, b in enumerate(ALLOCATION_BUCKETS + (OutcomeBucket.NONE.value,))}
    rows.sort(key=lambda r: (order.get(r["bucket"], 9), r["at"] or "", r["company_id"]))
    return rows


# --- (2) each executor's follow-up ----------------------------------------------------------

def _visits(session: Session, lo: datetime, hi: datetime) -> list[Visit]:
    when = func.coalesce(Visit.done_at, Visit.planned_at)
    return list(session.scalars(
        select(Visit).where(Visit.status == VisitStatus.DONE.value, when >= lo, when < hi)
        .options(selectinload(Visit.company), selectinload(Visit.visitor))
        .order_by(when, Visit.id)))


def _reports(session: Session, lo: datetime, hi: datetime) -> list[VisitReport]:
    return list(session.scalars(
        select(VisitReport).where(VisitReport.status == ReportStatus.FILED.value,
                                  VisitReport.filed_at >= lo, VisitReport.filed_at < hi)
        .options(selectinload(VisitReport.visit).selectinload(Visit.company),
                 selectinload(VisitReport.author))
        .order_by(VisitReport.filed_at, VisitReport.id)))


def _other_channel(session: Session, lo: datetime, hi: datetime) -> list[Lead]:
    return list(session.scalars(
        select(Lead).where(Lead.source == LeadSource.OTHER_CHANNEL.value,
                           Lead.created_at >= lo, Lead.created_at < hi)
        .options(selectinload(Lead.company)).order_by(Lead.created_at, Lead.id)))


def _executors(session: Session, ids: set[int]) -> list[User]:
    """Active executors, and anyone else the week's figures name."""
    roles = [r.value for r in leads.EXECUTOR_ROLES]
    rows = session.scalars(select(User).where(
        (User.active.is_(True) & User.role.in_(roles)) | User.id.in_(sorted(ids) or [-1])))
    return sorted(rows, key=lambda u: (u.display_name, u.id))


def _follow_up(session: Session, monday: date, lo: datetime, hi: datetime,
               today: date) -> list[dict[str, Any]]:
    sunday = monday + timedelta(days=6)
    per: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for v in _visits(session, lo, hi):
        per[v.executor_id]["visits"].append({
            "visit_id": v.id, "company_id": v.company_id, "company": v.company.display_name,
            "at": _local(v.done_at or v.planned_at), "place": v.place,
            "visitor_id": v.visitor_id, "visitor": _name(v.visitor),
            "delegated": v.visitor_id != v.executor_id})
    for r in _reports(session, lo, hi):
        per[r.visit.executor_id]["reports"].append({
            "report_id": r.id, "visit_id": r.visit_id, "company_id": r.visit.company_id,
            "company": r.visit.company.display_name, "filed_at": _local(r.filed_at),
            "author": _name(r.author), "rating": r.rating, "next_step": r.next_step,
            "next_step_due": r.next_step_due.isoformat() if r.next_step_due else None})
    # Overdue as the meeting sees it: open leads whose next step was due by Sunday.
    for lead in leads.overdue(session, sunday + timedelta(days=1)):
        if lead.executor_id is not None:
            per[lead.executor_id]["overdue"].append({
                "lead_id": lead.id, "company_id": lead.company_id,
                "company": lead.company.display_name, "next_step": lead.next_step,
                "next_step_due": lead.next_step_due.isoformat()})
    for req in design_requests.missed_between(session, monday, sunday, today):
        per[req.executor_id]["missed_designs"].append({
            "request_id": req.id, "company_id": req.company_id,
            "company": req.company.display_name, "title": req.title,
            "due_on": req.due_on.isoformat(), "status": req.status,
            "explanation": req.explanation, "explained_at": _local(req.explained_at)})
    for lead in _other_channel(session, lo, hi):
        holder = lead.executor_id or lead.created_by_id
        if holder is not None:
            per[holder]["other_channel"].append({
                "lead_id": lead.id, "company_id": lead.company_id,
                "company": lead.company.display_name, "at": _local(lead.created_at),
                "note": lead.note})
    out = []
    for user in _executors(session, set(per)):
        items = per.get(user.id, {})
        out.append({"user_id": user.id, "name": user.display_name, "role": user.role,
                    **{k: list(items.get(k, [])) for k in
                       ("visits", "reports", "overdue", "missed_designs", "other_channel")}})
    return out


# --- (3) totals per person -------------------------------------------------------------------

TOTAL_KEYS = ("meeting", "requirements", "materials", "visits", "delegated_visits",
              "reports", "rating_a", "rating_b", "rating_c", "overdue", "missed_designs",
              "unexplained", "other_channel")


def _totals(session: Session, allocation: list[dict], executors: list[dict]) -> list[dict[str, Any]]:
    rows: dict[int | None, dict[str, Any]] = {}

    def row(user_id: int | None, name: str | None) -> dict[str, Any]:
        if user_id not in rows:
            rows[user_id] = {"user_id": user_id, "name": name, **{k: 0 for k in TOTAL_KEYS}}
        return rows[user_id]

    for a in allocation:
        if a["bucket"] in ALLOCATION_BUCKETS:
            row(a["responsible_id"], a["responsible"])[a["bucket"]] += 1
    for e in executors:
        r = row(e["user_id"], e["name"])
        r["visits"] += len(e["visits"])
        r["delegated_visits"] += sum(1 for v in e["visits"] if v["delegated"])
        r["reports"] += len(e["reports"])
        for rep in e["reports"]:
            if rep["rating"] in RATINGS:
                r[f"rating_{rep['rating'].lower()}"] += 1
        r["overdue"] += len(e["overdue"])
        r["missed_designs"] += len(e["missed_designs"])
        r["unexplained"] += sum(1 for m in e["missed_designs"] if not m["explanation"])
        r["other_channel"] += len(e["other_channel"])
    people = [r for r in rows.values() if any(r[k] for k in TOTAL_KEYS)]
    people.sort(key=lambda r: (r["user_id"] is None, r["name"] or "", r["user_id"] or 0))
    grand = {"user_id": None, "name": None, **{k: sum(r[k] for r in people) for k in TOTAL_KEYS}}
    return people + [dict(grand, total=True)]


# --- the report ------------------------------------------------------------------------------

def build(session: Session, week_start: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Build the week's report as plain data (JSON-serialisable)."""
    monday = dashboards.week_start(week_start)
    lo, hi = dashboards.week_bounds(monday)
    now = now or utcnow()
    today = workdays.local_date(now)
    allocation = _allocation(session, lo, hi)
    executors = _follow_up(session, monday, lo, hi, today)
    return {
        "week_start": monday.isoformat(),
        "week_end": (monday + timedelta(days=6)).isoformat(),
        "built_at": _local(now),
        "allocation": allocation,
        "executors": executors,
        "totals": _totals(session, allocation, executors),
    }


def snapshot(session: Session, week_start: date) -> WeeklyReport | None:
    return session.scalars(select(WeeklyReport).where(
        WeeklyReport.week_start == dashboards.week_start(week_start))).first()


def generate(session: Session, week_start: date, by: User | None = None, *,
             now: datetime | None = None) -> WeeklyReport:
    """Store (or replace) the week's snapshot; `by` None: the scheduled job."""
    now = now or utcnow()
    data = build(session, week_start, now=now)
    report = snapshot(session, week_start)
    if report is None:
        report = WeeklyReport(week_start=date.fromisoformat(data["week_start"]))
        session.add(report)
    report.data, report.generated_at = data, now
    report.generated_by_id = by.id if by is not None else None
    session.flush()
    return report


def generate_last_week(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The Monday-morning job: store the report of the week that just ended.

    Returns a summary for the job's run record (the snapshot's id and its counts).
    """
    report = generate(session, last_week(now), now=now)
    grand = report.data["totals"][-1]
    return {"week_start": report.data["week_start"], "report_id": report.id,
            "handed_out": len(report.data["allocation"]), "visits": grand["visits"],
            "reports": grand["reports"], "missed_designs": grand["missed_designs"]}
