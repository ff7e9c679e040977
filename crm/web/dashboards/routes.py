"""The call dashboards: a telesales person's own week, and the supervisors' team view.

Weeks run Monday to Sunday in Asia/Shanghai; `?week=YYYY-MM-DD` picks the week holding
that day (default: this week). The figures come from crm/services/dashboards.py.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.db import utcnow
from crm.models import OutcomeBucket, User
from crm.services import access, calls, dashboards, leads, workdays
from crm.services.errors import NotFound, N_
from crm.web import database, labels
from crm.web.calls.routes import outcome_label
from crm.web.leads import labels as lead_labels
from crm.web.security import permission_required

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

TREND_WEEKS = 6  # the chosen week and five before it
# The dashboards name buckets, statuses and sources as the lead pages do.
BUCKET_LABELS = {**lead_labels.BUCKET, OutcomeBucket.NONE: _l("Other outcomes")}
LEAD_STATUS_LABELS = lead_labels.STATUS
LEAD_SOURCE_LABELS = lead_labels.SOURCE
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


@bp.app_template_filter("pct")
def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.app_template_filter("one_decimal")
def _one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _today() -> date:
    return workdays.local_date(utcnow())


def _picked_week() -> date:
    """The Monday of the week asked for, or of this week."""
    raw = (request.args.get("week") or "").strip()
    if raw:
        try:
            return dashboards.week_start(date.fromisoformat(raw))
        except ValueError:
            flash(_("Not a date: %(value)s. Showing this week.", value=raw[:20]), "error")
    return dashboards.week_start(_today())


def _common(monday: date) -> dict:
    return {"monday": monday, "sunday": monday + timedelta(days=6),
            "days": [monday + timedelta(days=i) for i in range(7)], "weekdays": WEEKDAYS,
            "prev_week": monday - timedelta(weeks=1), "next_week": monday + timedelta(weeks=1),
            "this_week": dashboards.week_start(_today()),
            "buckets": [b.value for b in OutcomeBucket],
            "lead_status_label": lambda v: labels.label(LEAD_STATUS_LABELS, v),
            "lead_source_label": lambda v: labels.label(LEAD_SOURCE_LABELS, v),
            "bucket_labels": {b.value: str(label) for b, label in BUCKET_LABELS.items()}}


def _stats(monday: date, user_ids: list[int] | None):
    """Figures of the chosen week and the weeks before it."""
    weeks = dashboards.recent_weeks(monday, TREND_WEEKS)
    rows = dashboards.call_stats(database.session(), weeks[0], monday + timedelta(days=6),
                                 user_ids=user_ids)
    return weeks, rows


def _person(user: User):
    monday = _picked_week()
    weeks, rows = _stats(monday, [user.id])
    by_week = {r.week: r for r in rows}
    s = database.session()
    return render_template(
        "dashboards/person.html", person=user,
        week=by_week.get(monday) or dashboards.PersonWeek(user.id, monday),
        trend=[by_week.get(w) or dashboards.PersonWeek(user.id, w) for w in weeks],
        outcome_labels={o.code: outcome_label(o) for o in calls.outcomes(s, active_only=False)},
        team=access.can(current_user, "call.dashboard_team"), **_common(monday))


def _by_bucket(rows: list[dashboards.AllocationRow]) -> list[tuple[str, list]]:
    """The allocation rows grouped by bucket, in the buckets' order; leads without one last."""
    order = [b.value for b in OutcomeBucket] + [""]
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.bucket or "", []).append(row)
    return [(b, groups[b]) for b in order if b in groups] + [
        (b, r) for b, r in groups.items() if b not in order]


@bp.get("/")
@permission_required("call.dashboard")
def index():
    if not access.can(current_user, "call.dashboard_team"):
        return _person(current_user)
    s = database.session()
    monday = _picked_week()
    weeks, rows = _stats(monday, None)
    this_week = [r for r in rows if r.week == monday]
    totals = dashboards.totals(rows)
    today = _today()
    allocation = _by_bucket(dashboards.allocation(s, monday))
    people = dashboards.people(s, [r.user_id for r in this_week])
    return render_template(
        "dashboards/team.html", rows=this_week, people=people,
        total=totals.get(monday) or dashboards.PersonWeek(None, monday),
        trend=[totals.get(w) or dashboards.PersonWeek(None, w) for w in weeks],
        board=dashboards.supervisor_board(s, today), overdue=leads.overdue(s, today),
        allocation=allocation, today=today, **_common(monday))


@bp.get("/people/<int:user_id>")
@permission_required("call.dashboard")
def person(user_id: int):
    if user_id != current_user.id and not access.can(current_user, "call.dashboard_team"):
        raise NotFound(N_("No such person."))
    user = database.session().get(User, user_id)
    if user is None:
        raise NotFound(N_("No such person."))
    return _person(user)
