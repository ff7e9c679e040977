"""Materials pages: my mailing tasks (or everyone's for a supervisor) and one task with its
actions — record sending, record the follow-up, hand a targeted task to an executor.

The rules live in crm.services.materials; these views only translate HTTP.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.db import utcnow
from crm.models import User
from crm.models.calls import MailingKind, MailingStatus
from crm.services import access, materials, workdays
from crm.services.errors import N_, ValidationFailed
from crm.web import database
from crm.web.forms import submit
from crm.web.materials.forms import METHOD_LABELS, CancelForm, FollowUpForm, HandForm, SentForm
from crm.web.security import permission_required

bp = Blueprint("materials", __name__, url_prefix="/materials")

STATUS_LABELS = {MailingStatus.OPEN.value: _l("To send"), MailingStatus.SENT.value: _l("Sent"),
                 MailingStatus.FOLLOWED_UP.value: _l("Followed up"),
                 MailingStatus.CANCELLED.value: _l("Dropped")}
KIND_LABELS = {MailingKind.STANDARD_PACK.value: _l("Standard pack"),
               MailingKind.TARGETED.value: _l("Targeted materials")}


def _today():
    return workdays.local_date(utcnow())


@bp.app_context_processor
def _helpers():
    return {"mailing_status_label": lambda v: STATUS_LABELS.get(v, v),
            "mailing_kind_label": lambda v: KIND_LABELS.get(v, v),
            "mailing_method_label": lambda v: METHOD_LABELS.get(v, v or "—")}


@bp.get("/")
@permission_required("materials.view")
def index():
    s = database.session()
    status = request.args.get("status", MailingStatus.OPEN.value)
    status = status if status in materials.STATUSES else None
    view = request.args.get("view", "all" if access.can(current_user, "materials.all") else "mine")
    rows = materials.tasks(s, current_user, status=status, unassigned=view == "unassigned",
                           mine=view == "mine")
    due = materials.follow_ups_due(s, current_user, _today())
    return render_template("materials/index.html", rows=rows, status=status or "", view=view,
                           follow_ups=due, statuses=STATUS_LABELS, today=_today())


def _forms(task, **replace) -> dict:
    forms = {"sent": SentForm(prefix="sent", data={"content": task.content,
                                                   "method": task.method or "courier"}),
             "follow_up": FollowUpForm(prefix="fu"), "hand": HandForm(prefix="hand"),
             "cancel": CancelForm(prefix="cancel")}
    forms.update(replace)
    forms["hand"].assignee_id.choices = [("", "—")] + [
        (str(u.id), u.display_name) for u in materials.executors(database.session())]
    return forms


def _render(task_id: int, *, status: int = 200, **replace):
    task = materials.visible_task(database.session(), current_user, task_id)
    return render_template("materials/show.html", task=task, forms=_forms(task, **replace),
                           may_all=access.can(current_user, "materials.all")), status


@bp.get("/<int:task_id>")
@permission_required("materials.view")
def show(task_id: int):
    return _render(task_id)


def _post(task_id: int, key: str, form, action, done: str):
    task = materials.visible_task(database.session(), current_user, task_id)
    if key == "hand":
        form.assignee_id.choices = [("", "—")] + [
            (str(u.id), u.display_name) for u in materials.executors(database.session())]
    if submit(form, lambda s: action(s, task)):
        flash(done, "success")
        return redirect(url_for("materials.show", task_id=task_id), 303)
    return _render(task_id, status=422, **{key: form})


@bp.post("/<int:task_id>/sent")
@permission_required("materials.view")
def sent(task_id: int):
    form = SentForm(prefix="sent")
    return _post(task_id, "sent", form, lambda s, task: materials.mark_sent(
        s, task, current_user, form.method.data, form.tracking_no.data,
        content=form.content.data, sent_on=form.sent_on.data,
        follow_up_on=form.follow_up_on.data), _("Recorded as sent."))


@bp.post("/<int:task_id>/follow-up")
@permission_required("materials.view")
def follow_up(task_id: int):
    form = FollowUpForm(prefix="fu")
    return _post(task_id, "follow_up", form, lambda s, task: materials.record_follow_up(
        s, task, current_user, form.follow_up_note.data), _("Follow-up recorded."))


@bp.post("/<int:task_id>/hand")
@permission_required("materials.all")
def hand(task_id: int):
    form = HandForm(prefix="hand")

    def action(s, task):
        executor = s.get(User, form.assignee_id.data) if form.assignee_id.data else None
        if executor is None:
            exc = ValidationFailed({"assignee_id": [N_("Pick an active executor.")]})
            exc.field = "assignee_id"
            raise exc
        return materials.hand_to(s, task, executor, current_user)

    return _post(task_id, "hand", form, action, _("Handed to the executor."))


@bp.post("/<int:task_id>/cancel")
@permission_required("materials.view")
def cancel(task_id: int):
    form = CancelForm(prefix="cancel")
    return _post(task_id, "cancel", form, lambda s, task: materials.cancel(
        s, task, current_user, form.reason.data), _("Mailing dropped."))
