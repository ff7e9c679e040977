"""Design-request pages: the list (the executor's own, the designers' queue, everything for
supervisors), opening a request, one request with its proposals and actions, downloads.

The rules live in crm.services.design_requests; these views parse the request, call one
service in one transaction (`submit`) and render or redirect.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.db import utcnow
from crm.models import DesignStatus
from crm.services import access, design_requests, workdays
from crm.web import database, uploads
from crm.web.design.forms import CancelForm, DeliverForm, ExplainForm, RequestForm, TakeForm
from crm.web.forms import exhibition_choices, submit
from crm.web.pickers import picker_context
from crm.web.security import permission_required

bp = Blueprint("design", __name__, url_prefix="/design")

STATUS_LABELS = {
    DesignStatus.OPEN.value: _l("Waiting for a designer"),
    DesignStatus.IN_PROGRESS.value: _l("In progress"),
    DesignStatus.DELIVERED.value: _l("Delivered"),
    DesignStatus.CANCELLED.value: _l("Cancelled"),
}


def _today():
    return workdays.local_date(utcnow())


@bp.app_context_processor
def _helpers():
    return {"design_status_label": lambda v: STATUS_LABELS.get(v, v),
            "design_missed": design_requests.is_missed,
            "design_needs_explanation": design_requests.needs_explanation,
            "design_today": _today, "design_requests_for_desk": _for_desk}


def _for_desk():
    """The signed-in executor's open and missed requests (the desk partial shows them)."""
    if not current_user.is_authenticated or not access.can(current_user, "design.request"):
        return []
    return design_requests.open_requests_for(database.session(), current_user, _today())


def _exhibition_choices() -> list[tuple[str, str]]:
    """Shows a design is asked for: those opening from two months ago on."""
    return exhibition_choices(opening_after=_today() - timedelta(days=60), limit=300)


# --- the list -------------------------------------------------------------------------------

@bp.get("/")
@permission_required("design.view")
def index():
    s = database.session()
    show_all = request.args.get("all") == "1"
    rows = design_requests.queue(s, current_user, include_done=show_all)
    return render_template("design/index.html", rows=rows, today=_today(), show_all=show_all,
                           is_designer=access.can(current_user, "design.work"))


# --- opening a request ----------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@permission_required("design.request")
def new():
    form = RequestForm()
    form.exhibition_id.choices = _exhibition_choices()
    if request.method == "GET" and request.args.get("company_id"):
        form.company_id.data = request.args["company_id"][:20]

    def action(s):
        data = design_requests.RequestData(
            company_id=form.company_id.id_value, brief=form.brief.data, due_on=form.due_on.data,
            title=form.title.data, exhibition_id=form.exhibition_id.data,
            show_starts_on=form.show_starts_on.data, booth_area_m2=form.booth_area_m2.data,
            booth_size=form.booth_size.data, budget_min=form.budget_min.data,
            budget_max=form.budget_max.data)
        return design_requests.open_request(s, current_user, data, uploads.from_field(form.files),
                                            folder=uploads.folder(),
                                            max_bytes=uploads.max_file_bytes())

    if saved := submit(form, action):
        flash(_("Design request sent to the design department."), "success")
        return redirect(url_for("design.show", request_id=saved.value.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("design/new.html", form=form, max_mb=uploads.max_mb(),
                           pickers=picker_context(form.company_id)), status


# --- one request ----------------------------------------------------------------------------

def _render(request_id: int, *, status: int = 200, **replace):
    s = database.session()
    req = design_requests.visible_request(s, current_user, request_id)
    forms = {"take": TakeForm(prefix="take"), "deliver": DeliverForm(prefix="deliver"),
             "explain": ExplainForm(prefix="explain"), "cancel": CancelForm(prefix="cancel")}
    forms.update(replace)
    today = _today()
    return render_template(
        "design/show.html", req=req, forms=forms, today=today, max_mb=uploads.max_mb(),
        missed=design_requests.is_missed(req, today),
        owes=design_requests.needs_explanation(req, today),
        is_designer=access.can(current_user, "design.work"),
        may_manage=design_requests.may_manage(req, current_user),
        waiting=req.status in design_requests.WAITING), status


@bp.get("/<int:request_id>")
@permission_required("design.view")
def show(request_id: int):
    return _render(request_id)


def _post(request_id: int, form, action, done: str, key: str):
    s = database.session()
    req = design_requests.visible_request(s, current_user, request_id)
    if submit(form, lambda s: action(s, req)):
        flash(done, "success")
        return redirect(url_for("design.show", request_id=request_id), 303)
    return _render(request_id, status=422, **{key: form})


@bp.post("/<int:request_id>/take")
@permission_required("design.work")
def take(request_id: int):
    return _post(request_id, TakeForm(prefix="take"),
                 lambda s, req: design_requests.take(s, req, current_user),
                 _("You took the request."), "take")


@bp.post("/<int:request_id>/deliver")
@permission_required("design.work")
def deliver(request_id: int):
    form = DeliverForm(prefix="deliver")
    return _post(request_id, form,
                 lambda s, req: design_requests.deliver(
                     s, req, current_user, uploads.from_field(form.files), form.note.data,
                     folder=uploads.folder(), max_bytes=uploads.max_file_bytes()),
                 _("Proposal delivered."), "deliver")


@bp.post("/<int:request_id>/explain")
@permission_required("design.view")
def explain(request_id: int):
    form = ExplainForm(prefix="explain")
    return _post(request_id, form,
                 lambda s, req: design_requests.explain(s, req, current_user,
                                                        form.explanation.data),
                 _("Explanation recorded."), "explain")


@bp.post("/<int:request_id>/cancel")
@permission_required("design.view")
def cancel(request_id: int):
    form = CancelForm(prefix="cancel")
    return _post(request_id, form,
                 lambda s, req: design_requests.cancel(s, req, current_user, form.reason.data),
                 _("Request cancelled."), "cancel")


@bp.get("/<int:request_id>/files/<int:file_id>")
@permission_required("design.view")
def download(request_id: int, file_id: int):
    stored = design_requests.visible_file(database.session(), current_user, request_id, file_id)
    return uploads.download(stored)
