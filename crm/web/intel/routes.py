"""Field-intelligence pages: executors submit floor plans, exhibitor lists and key-client
names and register other-channel clients; market expansion works the inbox (used /
dismissed, key-client names matched to companies and flagged).

The rules live in crm.services.field_intel and crm.services.leads; these views only
translate HTTP.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.models import IntelStatus, LeadSource
from crm.services import access, field_intel
from crm.services.errors import N_, ValidationFailed
from crm.web import database, uploads
from crm.web.leads.routes import register_page
from crm.web.design.routes import _exhibition_choices as exhibition_choices
from crm.web.forms import optional_int, submit
from crm.web.intel.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    FlagForm,
    IntelForm,
    ReviewForm,
)
from crm.web.pickers import picker_context
from crm.web.security import permission_required

bp = Blueprint("intel", __name__, url_prefix="/intel")


@bp.app_context_processor
def _helpers():
    return {"intel_kind_label": lambda v: KIND_LABELS.get(v, v),
            "intel_status_label": lambda v: STATUS_LABELS.get(v, v)}


@bp.get("/")
@permission_required("intel.view")
def index():
    s = database.session()
    status = request.args.get("status", IntelStatus.NEW.value)
    status = status if status in STATUS_LABELS else None
    inbox = (field_intel.inbox(s, current_user, status=status)
             if access.can(current_user, "intel.review") else None)
    mine = field_intel.mine(s, current_user) if access.can(current_user, "intel.submit") else []
    return render_template("intel/index.html", inbox=inbox, mine=mine, status=status or "",
                           statuses=STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("intel.submit")
def new():
    form = IntelForm()
    form.exhibition_id.choices = exhibition_choices()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") or form.kind.data
        if request.args.get("company_id"):
            form.company_id.data = request.args["company_id"][:20]

    def action(s):
        data = field_intel.IntelData(
            kind=form.kind.data, title=form.title.data, note=form.note.data,
            company_names=form.company_names.data, exhibition_id=form.exhibition_id.data,
            company_id=form.company_id.id_value)
        return field_intel.submit(s, current_user, data, uploads.from_field(form.files),
                                  folder=uploads.folder(), max_bytes=uploads.max_file_bytes())

    if saved := submit(form, action):
        flash(_("Thank you: market expansion will look at it."), "success")
        return redirect(url_for("intel.show", intel_id=saved.value.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("intel/new.html", form=form, max_mb=uploads.max_mb(),
                           pickers=picker_context(form.company_id)), status


def _render(intel_id: int, *, status: int = 200, **replace):
    s = database.session()
    intel = field_intel.visible(s, current_user, intel_id)
    reviewer = access.can(current_user, "intel.review")
    forms = {"review": ReviewForm(prefix="review"), "flag": FlagForm(prefix="flag")}
    forms.update(replace)
    matches = field_intel.match_names(s, intel) if reviewer and intel.company_names else []
    return render_template("intel/show.html", intel=intel, forms=forms, reviewer=reviewer,
                           matches=matches), status


@bp.get("/<int:intel_id>")
@permission_required("intel.view")
def show(intel_id: int):
    return _render(intel_id)


@bp.post("/<int:intel_id>/review")
@permission_required("intel.review")
def review(intel_id: int):
    form = ReviewForm(prefix="review")
    intel = field_intel.visible(database.session(), current_user, intel_id)
    if submit(form, lambda s: field_intel.review(s, intel, current_user, form.status.data,
                                                 form.review_note.data)):
        flash(_("Decision recorded."), "success")
        return redirect(url_for("intel.index"), 303)
    return _render(intel_id, status=422, review=form)


@bp.post("/<int:intel_id>/flag")
@permission_required("intel.review")
def flag(intel_id: int):
    form = FlagForm(prefix="flag")
    intel = field_intel.visible(database.session(), current_user, intel_id)

    def action(s):
        company_id = optional_int(form.company_id.data)
        if company_id is None:
            exc = ValidationFailed({"company_id": [N_("Pick the company.")]})
            exc.field = "company_id"
            raise exc
        return field_intel.flag_key_client(s, current_user, company_id, intel)

    if saved := submit(form, action):
        flash(_("%(name)s is flagged a key client.", name=saved.value.display_name), "success")
        return redirect(url_for("intel.show", intel_id=intel_id), 303)
    return _render(intel_id, status=422, flag=form)


@bp.get("/<int:intel_id>/files/<int:file_id>")
@permission_required("intel.view")
def download(intel_id: int, file_id: int):
    return uploads.download(field_intel.visible_file(database.session(), current_user,
                                                     intel_id, file_id))


@bp.route("/other-channel", methods=["GET", "POST"])
@permission_required("lead.follow")
def other_channel():
    """Register a client from another channel (其他途径): it becomes the executor's lead."""
    return register_page(fixed_source=LeadSource.OTHER_CHANNEL.value)

