"""Visit pages: plan, list, a visit with its actions, and the report form for a phone.

Every rule lives in crm.services.visits; these views parse the request, call the service
in one transaction and render or redirect. Attachments are served only through `download`,
which checks that the user may see the visit (the upload folder is never served as is).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm.db import utcnow
from crm.models import Company, Lead, ReportStatus
from crm.services import access, files, leads, visits
from crm.services.errors import DomainError, ValidationFailed
from crm.web import database
from crm.web.forms import apply_errors, optional_int, submit
from crm.web.security import permission_required
from crm.web.visits.forms import (
    ActionForm,
    CancelForm,
    DelegateForm,
    PlanForm,
    ReportForm,
)

bp = Blueprint("visits", __name__, url_prefix="/visits")

STATUS_LABELS = {"planned": _l("Planned"), "done": _l("Done"), "cancelled": _l("Cancelled"),
                 "none": _l("No report"), "draft": _l("Draft"), "filed": _l("Filed")}
KIND_LABELS = {"photo": _l("Photo"), "floor_plan": _l("Floor plan"),
               "exhibitor_list": _l("Exhibitor list"), "other": _l("Other file")}


@bp.app_context_processor
def _helpers():
    return {"visit_label": lambda value: STATUS_LABELS.get(value, value),
            "report_file_label": lambda value: KIND_LABELS.get(value, value),
            "visit_report_status": visits.report_status}


def max_file_bytes() -> int:
    """The per-file limit of report attachments (config UPLOAD_MAX_FILE_BYTES)."""
    return int(current_app.config.get("UPLOAD_MAX_FILE_BYTES") or files.DEFAULT_MAX_BYTES)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


# --- list and planning --------------------------------------------------------------------

@bp.get("/")
@permission_required("visit.view")
def index():
    s = database.session()
    # Supervisors start with everyone they may see, executors with their own visits.
    mine = request.args.get("all") == "0" or not access.can(current_user, "visit.view_all")
    status = request.args.get("status") or None
    filters = visits.VisitFilters(status=status if status in STATUS_LABELS else None, mine=mine)
    page = visits.find(s, current_user, filters,
                       page=optional_int(request.args.get("page")) or 1,
                       per_page=current_app.config.get("PAGE_SIZE", 50))
    return render_template("visits/index.html", page=page, mine=mine, status=status)


def _company_choices(s, selected: int | None) -> list[tuple[int | str, str]]:
    """The user's open leads' companies, and the company the page was opened for."""
    rows = s.execute(select(Company.id, Company.name_zh, Company.name_en).join(
        Lead, Lead.company_id == Company.id).where(
        Lead.executor_id == current_user.id, Lead.status.in_(leads.OPEN_STATUSES))
        .order_by(Company.name_zh)).all()
    choices = [(cid, zh or en) for cid, zh, en in rows]
    if selected and selected not in {c for c, _ in choices}:
        company = access.visible_company(s, current_user, selected)
        choices.insert(0, (company.id, company.display_name))
    return [("", "—")] + choices


@bp.route("/new", methods=["GET", "POST"])
@permission_required("visit.plan")
def new():
    s = database.session()
    lead_id = optional_int(request.values.get("lead_id"))
    company_id = optional_int(request.values.get("company_id"))
    if lead_id and not company_id:
        company_id = leads.visible_lead(s, current_user, lead_id).company_id
    form = PlanForm(company_id=company_id, lead_id=lead_id or "")
    form.company_id.choices = _company_choices(s, company_id)

    def plan(session):
        return visits.plan_visit(session, current_user, form.company_id.data,
                                 form.planned_at.data, form.place.data,
                                 people=form.people.data, purpose=form.purpose.data,
                                 lead_id=optional_int(form.lead_id.data))

    saved = submit(form, plan)
    if saved is not None:
        flash(_("Visit planned."), "success")
        return redirect(url_for("visits.show", visit_id=saved.value.id))
    return render_template("visits/new.html", form=form), 422 if request.method == "POST" else 200


# --- one visit ------------------------------------------------------------------------------

def _show(visit_id: int, *, delegate_form=None, cancel_form=None, status: int = 200):
    s = database.session()
    visit = visits.visible_visit(s, current_user, visit_id)
    delegate_form = delegate_form or DelegateForm(formdata=None)
    delegate_form.visitor_id.choices = [("", "—")] + [
        (u.id, u.display_name) for u in visits.delegation_candidates(s, visit)]
    return render_template(
        "visits/show.html", visit=visit, report=visits.report_of(s, visit),
        delegate_form=delegate_form, cancel_form=cancel_form or CancelForm(formdata=None),
        action_form=ActionForm(), now=utcnow(),
        goer=current_user.id in (visit.executor_id, visit.visitor_id),
        manages=current_user.id == visit.executor_id
        or access.Role(current_user.role) in access.SUPERVISORS | access.MANAGEMENT), status


@bp.get("/<int:visit_id>")
@permission_required("visit.view")
def show(visit_id: int):
    return _show(visit_id)


@bp.post("/<int:visit_id>/delegate")
@permission_required("visit.plan")
def delegate(visit_id: int):
    s = database.session()
    form = DelegateForm()
    form.visitor_id.choices = [("", "—")]  # ids are checked by the service
    saved = submit(form, lambda session: visits.delegate(
        session, visits.visible_visit(session, current_user, visit_id), current_user,
        form.visitor_id.data, form.delegation_note.data))
    if saved is None:
        s.rollback()
        return _show(visit_id, delegate_form=form, status=422)
    flash(_("The visit was handed to %(name)s; the credit stays with %(executor)s.",
            name=saved.value.visitor.display_name, executor=saved.value.executor.display_name),
          "success")
    return redirect(url_for("visits.show", visit_id=visit_id))


@bp.post("/<int:visit_id>/done")
@permission_required("visit.plan")
def done(visit_id: int):
    s = database.session()
    visit = visits.visible_visit(s, current_user, visit_id)
    visits.mark_done(s, visit, current_user)
    s.commit()
    flash(_("Marked as done. Now file the visit report."), "success")
    return redirect(url_for("visits.report", visit_id=visit_id))


@bp.post("/<int:visit_id>/cancel")
@permission_required("visit.plan")
def cancel(visit_id: int):
    form = CancelForm()
    saved = submit(form, lambda session: visits.cancel(
        session, visits.visible_visit(session, current_user, visit_id), current_user,
        form.cancel_reason.data))
    if saved is None:
        return _show(visit_id, cancel_form=form, status=422)
    flash(_("Visit cancelled."), "success")
    return redirect(url_for("visits.show", visit_id=visit_id))


# --- the report -----------------------------------------------------------------------------

FILE_KINDS = {field: kind for kind, field in visits.FILE_FIELDS.items()}


def _report_data(form: ReportForm) -> visits.ReportData:
    values = {name: getattr(form, name).data for name in visits.REPORT_FIELDS}
    referrals = [visits.ReferralData(company_name=entry.company_name.data,
                                     contact_name=entry.contact_name.data,
                                     phone=entry.phone.data, note=entry.note.data)
                 for entry in form.referrals]
    return visits.ReportData(**values, referrals=referrals)


def _fill(form: ReportForm, report) -> None:
    """Put a stored draft into a fresh form (what the GET shows)."""
    for name in visits.REPORT_FIELDS:
        value = getattr(report, name)
        if value is None:
            continue
        getattr(form, name).data = value.isoformat() if name == "next_step_due" else (
            f"{value:f}".rstrip("0").rstrip(".") if name in ("budget_min", "budget_max",
                                                             "booth_area_m2") else value)
    while len(form.referrals) < len(report.referrals) + 1:
        form.referrals.append_entry()
    for entry, ref in zip(form.referrals, report.referrals):
        entry.company_name.data, entry.contact_name.data = ref.company_name, ref.contact_name
        entry.phone.data, entry.note.data = ref.phone, ref.note
    form.version.data = str(report.version)


def _put_errors(form: ReportForm, exc: DomainError) -> None:
    """Errors on the fields they name, including the referral rows (referrals-N-field)."""
    if isinstance(exc, ValidationFailed):
        rest = {}
        for name, messages in exc.errors.items():
            head, _sep, sub = name.partition("-")
            index, _sep, sub = sub.partition("-")
            if head == "referrals" and index.isdigit() and int(index) < len(form.referrals):
                target = getattr(form.referrals[int(index)].form, sub, None)
                if target is not None:
                    target.errors = list(target.errors) + [_(m) for m in messages]
                    continue
            rest[name] = messages
        if not rest:
            return
        exc = ValidationFailed(rest)
    apply_errors(form, exc)


def _render_report(visit, report, form: ReportForm, status: int = 200):
    return render_template("visits/report.html", visit=visit, report=report, form=form,
                           action_form=ActionForm(),
                           max_mb=_megabytes(max_file_bytes()),
                           max_bytes=max_file_bytes()), status


def _uploads(form: ReportForm):
    for field_name, kind in FILE_KINDS.items():
        for upload in getattr(form, field_name).data or []:
            if upload is not None and getattr(upload, "filename", None):
                yield kind, upload


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    message = _("The upload is too large: at most %(mb)s MB may be sent at once. Send the "
                "photos in several saves.", mb=limit)
    return render_template("errors/error.html", status=413, message=message), 413


@bp.route("/<int:visit_id>/report", methods=["GET", "POST"])
@permission_required("visit.report")
def report(visit_id: int):
    s = database.session()
    visit = visits.visible_visit(s, current_user, visit_id)
    visits.require_report_writer(visit, current_user)  # a report for someone else's visit
    stored = visits.report_of(s, visit)
    if stored is not None and stored.status == ReportStatus.FILED.value:
        if request.method == "POST":
            flash(_("This report was filed already; nothing was changed."), "info")
        return redirect(url_for("visits.show", visit_id=visit_id))
    if request.method == "GET":
        form = ReportForm(formdata=None)
        if stored is not None:
            _fill(form, stored)
        return _render_report(visit, stored, form)
    form = ReportForm()
    if not form.validate_on_submit():
        return _render_report(visit, stored, form, 422)
    filing = "file" in request.form
    try:
        draft = visits.save_draft(s, visit, current_user, _report_data(form),
                                  expected_version=optional_int(form.version.data))
        for kind, upload in _uploads(form):
            visits.attach_file(s, visit, current_user, upload.stream, upload.filename, kind,
                               folder=current_app.config["UPLOAD_FOLDER"],
                               max_bytes=max_file_bytes())
        s.commit()
    except DomainError as exc:
        s.rollback()
        _put_errors(form, exc)
        return _render_report(visit, visits.report_of(s, visit), form, 422)
    form.version.data = str(draft.version)
    if not filing:
        flash(_("Draft saved."), "success")
        return redirect(url_for("visits.report", visit_id=visit_id))
    try:
        filed = visits.file_report(s, visit, current_user)
        s.commit()
    except DomainError as exc:
        s.rollback()
        _put_errors(form, exc)
        form.form_errors.insert(0, _("Saved as a draft. Complete the marked fields to file the "
                                     "report.") if isinstance(exc, ValidationFailed)
                                else _("Draft saved."))
        return _render_report(visit, visits.report_of(s, visit), form, 422)
    if filed.already:
        flash(_("This report was filed already; nothing was changed."), "info")
    else:
        flash(_("Report filed."), "success")
        if filed.referral_leads:
            flash(_("%(n)s referred companies entered the database as leads.",
                    n=len(filed.referral_leads)), "info")
    return redirect(url_for("visits.show", visit_id=visit_id))


@bp.post("/<int:visit_id>/files/<int:link_id>/remove")
@permission_required("visit.report")
def remove_file(visit_id: int, link_id: int):
    s = database.session()
    visit = visits.visible_visit(s, current_user, visit_id)
    visits.remove_file(s, visit, current_user, link_id)
    s.commit()
    flash(_("File removed from the draft."), "success")
    return redirect(url_for("visits.report", visit_id=visit_id))


@bp.get("/<int:visit_id>/files/<int:link_id>")
@permission_required("visit.view")
def download(visit_id: int, link_id: int):
    stored = visits.visible_file(database.session(), current_user, visit_id, link_id)
    path = files.path_of(stored, current_app.config["UPLOAD_FOLDER"])
    if not path.is_file():
        return render_template("errors/error.html", status=404,
                               message=_("The file is missing from the storage.")), 404
    response = send_file(path, mimetype=stored.content_type, download_name=stored.original_name,
                         as_attachment=not stored.is_image, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

