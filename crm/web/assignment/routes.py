"""Assignment administration (分配规则): rules as data, daily caps, absences, and the
working-day calendar the deadlines count on.

Every change goes through crm.services.leads (save_rule, set_cap, add_absence,
remove_absence) or crm.services.workdays (add_holiday, add_make_up_day, remove_day) and
lands in the audit log.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.db import utcnow
from crm.models import AssignmentRule, ExecutorAbsence, ExecutorCap, Exhibition, User
from crm.services import leads, settings, workdays
from crm.services.errors import N_, ValidationFailed
from crm.web import database
from crm.web.assignment.forms import (
    AbsenceForm, ActionForm, CapForm, HolidayForm, MakeUpDayForm, RuleForm,
)
from crm.web.forms import industry_choices, submit
from crm.web.leads.routes import submit_or_flash
from crm.web.security import permission_required

bp = Blueprint("assignment", __name__, url_prefix="/assignment")

SHOW_CHOICES = 300


def _today():
    return workdays.local_date(utcnow())


def _executors(s):
    return [c.user for c in leads.candidates(s, _today())]


@bp.get("/")
@permission_required("lead.rules")
def index():
    s = database.session()
    today = _today()
    rules = leads.rules(s)
    people = {u.id: u for u in s.scalars(select(User))}
    industries = dict(industry_choices(blank=False))
    shows = {e.id: e.display_name for e in s.scalars(select(Exhibition))} if any(
        r.params.get("exhibition_ids") for r in rules) else {}
    absence_form = AbsenceForm(prefix="absence")
    absence_form.executor_id.choices = [("", "—")] + [(str(u.id), u.display_name)
                                                      for u in _executors(s)]
    candidates = leads.candidates(s, today)
    return render_template(
        "assignment/index.html", rules=rules, people=people, industries=industries,
        shows=shows, candidates=candidates, default_cap=int(settings.get(s, leads.DAILY_CAP)),
        own_caps={c.user.id for c in candidates if s.get(ExecutorCap, c.user.id) is not None},
        absences=leads.absences(s, from_day=today), absence_form=absence_form,
        action=ActionForm(), cap_form=CapForm(), today=today,
        missing_year=workdays.missing_year(s, today))


# --- rules ------------------------------------------------------------------------------

def _prepare(form: RuleForm) -> RuleForm:
    s = database.session()
    form.executor_ids.choices = [(u.id, u.display_name) for u in _executors(s)]
    form.industry_ids.choices = [(int(v), t) for v, t in industry_choices(blank=False)]
    shows = s.scalars(select(Exhibition).order_by(Exhibition.starts_on.desc().nulls_last(),
                                                  Exhibition.id.desc()).limit(SHOW_CHOICES))
    form.exhibition_ids.choices = [(e.id, e.display_name) for e in shows]
    return form


def _data(form: RuleForm) -> leads.RuleData:
    return leads.RuleData(
        name=form.name.data or "", kind=form.kind.data, priority=form.priority.data or 0,
        active=bool(form.active.data),
        params={"executor_ids": form.executor_ids.data or [],
                "industry_ids": form.industry_ids.data or [],
                "exhibition_ids": form.exhibition_ids.data or []})


@bp.route("/rules/new", methods=["GET", "POST"])
@permission_required("lead.rules")
def new_rule():
    form = _prepare(RuleForm())
    if submit(form, lambda s: leads.save_rule(s, current_user, _data(form))):
        flash(_("Rule saved."), "success")
        return redirect(url_for("assignment.index"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("assignment/rule.html", form=form, rule=None), status


def _rule(rule_id: int) -> AssignmentRule:
    rule = database.session().get(AssignmentRule, rule_id)
    if rule is None:
        abort(404)
    return rule


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@permission_required("lead.rules")
def edit_rule(rule_id: int):
    rule = _rule(rule_id)
    if request.method == "GET":
        params = rule.params or {}
        form = _prepare(RuleForm(data={
            "name": rule.name, "kind": rule.kind, "priority": rule.priority,
            "active": rule.active, "executor_ids": params.get("executor_ids") or [],
            "industry_ids": params.get("industry_ids") or [],
            "exhibition_ids": params.get("exhibition_ids") or []}))
    else:
        form = _prepare(RuleForm())
        if submit(form, lambda s: leads.save_rule(s, current_user, _data(form), rule)):
            flash(_("Rule saved."), "success")
            return redirect(url_for("assignment.index"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("assignment/rule.html", form=form, rule=rule), status


def _same(rule: AssignmentRule, **change) -> leads.RuleData:
    data = leads.RuleData(name=rule.name, kind=rule.kind, params=dict(rule.params or {}),
                          priority=rule.priority, active=rule.active)
    for key, value in change.items():
        setattr(data, key, value)
    return data


@bp.post("/rules/<int:rule_id>/toggle")
@permission_required("lead.rules")
def toggle_rule(rule_id: int):
    rule = _rule(rule_id)
    if saved := submit_or_flash(ActionForm(), lambda s: leads.save_rule(
            s, current_user, _same(rule, active=not rule.active), rule)):
        flash(_("Rule switched on.") if saved.value.active else _("Rule switched off."), "success")
    return redirect(url_for("assignment.index"), 303)


@bp.post("/rules/<int:rule_id>/move/<direction>")
@permission_required("lead.rules")
def move_rule(rule_id: int, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    rule = _rule(rule_id)

    def action(s):
        ordered = leads.rules(s)
        i = ordered.index(rule)
        j = i - 1 if direction == "up" else i + 1
        if not 0 <= j < len(ordered):
            return None
        ordered[i], ordered[j] = ordered[j], ordered[i]
        # Renumber in steps of ten so the order is explicit and room is left between.
        for n, r in enumerate(ordered, start=1):
            if r.priority != n * 10:
                leads.save_rule(s, current_user, _same(r, priority=n * 10), r)
        return rule

    if submit_or_flash(ActionForm(), action):
        flash(_("Order saved."), "success")
    return redirect(url_for("assignment.index"), 303)


# --- caps and absences ------------------------------------------------------------------

def _executor(s, user_id: int | None) -> User:
    user = s.get(User, user_id) if user_id else None
    if user is None or user not in _executors(s):
        exc = ValidationFailed({"executor_id": [N_("Pick an executor.")]})
        exc.field = "executor_id"
        raise exc
    return user


@bp.post("/caps/<int:user_id>")
@permission_required("lead.rules")
def set_cap(user_id: int):
    form = CapForm()
    if submit_or_flash(form, lambda s: leads.set_cap(s, current_user, _executor(s, user_id),
                                                      form.daily_cap.data)):
        flash(_("Daily cap saved."), "success")
    return redirect(url_for("assignment.index") + "#caps", 303)


@bp.post("/absences")
@permission_required("lead.rules")
def add_absence():
    form = AbsenceForm(prefix="absence")
    form.executor_id.choices = []

    def action(s):
        executor = _executor(s, form.executor_id.data)
        for name in ("starts_on", "ends_on"):
            if getattr(form, name).data is None:
                exc = ValidationFailed({name: [N_("Give the date.")]})
                exc.field = name
                raise exc
        return leads.add_absence(s, current_user, executor, form.starts_on.data,
                                 form.ends_on.data, form.reason.data)

    if submit_or_flash(form, action):
        flash(_("Absence recorded: no new leads for these days."), "success")
    return redirect(url_for("assignment.index") + "#absences", 303)


@bp.post("/absences/<int:absence_id>/remove")
@permission_required("lead.rules")
def remove_absence(absence_id: int):
    s = database.session()
    absence = s.get(ExecutorAbsence, absence_id)
    if absence is None:
        abort(404)
    if submit_or_flash(ActionForm(), lambda s: leads.remove_absence(s, current_user, absence)):
        flash(_("Absence removed."), "success")
    return redirect(url_for("assignment.index") + "#absences", 303)


# --- the working-day calendar -----------------------------------------------------------

def _calendar_page(year: int | None = None, holiday_form: HolidayForm | None = None,
                   make_up_form: MakeUpDayForm | None = None, status: int = 200):
    s = database.session()
    today = _today()
    missing = workdays.missing_year(s, today)
    year = year or missing or today.year
    return render_template(
        "assignment/calendar.html", year=year, years=workdays.years(s),
        days=workdays.days_of(s, year), missing_year=missing, today=today,
        holiday_form=holiday_form or HolidayForm(prefix="holiday"),
        make_up_form=make_up_form or MakeUpDayForm(prefix="makeup"),
        action=ActionForm()), status


@bp.get("/calendar")
@permission_required("lead.rules")
def calendar():
    year = request.args.get("year", type=int)
    return _calendar_page(year if year and 2000 <= year <= 2100 else None)


@bp.post("/calendar/holidays")
@permission_required("lead.rules")
def add_holiday():
    form = HolidayForm(prefix="holiday")
    saved = submit(form, lambda s: workdays.add_holiday(
        s, current_user, form.name.data, form.first_day.data, form.last_day.data,
        form.source.data))
    if saved is None:
        return _calendar_page(form.first_day.data.year if form.first_day.data else None,
                              holiday_form=form, status=422)
    flash(_("Holiday entered: %(n)s days.", n=len(saved.value)), "success")
    return redirect(url_for("assignment.calendar", year=form.first_day.data.year), 303)


@bp.post("/calendar/workdays")
@permission_required("lead.rules")
def add_make_up_day():
    form = MakeUpDayForm(prefix="makeup")
    saved = submit(form, lambda s: workdays.add_make_up_day(
        s, current_user, form.day.data, form.name.data, form.source.data))
    if saved is None:
        return _calendar_page(form.day.data.year if form.day.data else None,
                              make_up_form=form, status=422)
    flash(_("Make-up working day entered."), "success")
    return redirect(url_for("assignment.calendar", year=form.day.data.year), 303)


@bp.post("/calendar/<day>/remove")
@permission_required("lead.rules")
def remove_calendar_day(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if submit_or_flash(ActionForm(), lambda s: workdays.remove_day(s, current_user, when)):
        flash(_("%(day)s follows the week again.", day=when.isoformat()), "success")
    return redirect(url_for("assignment.calendar", year=when.year), 303)
