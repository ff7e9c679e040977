"""The call-list pages of the market-expansion supervisor: lists, a new list with a preview,
a list's items, giving and closing a list, and building the show-driven lists now.

The rules live in crm/services/call_lists.py; these views only translate HTTP.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.db import utcnow
from crm.models import CallItemStatus, CallListKind, CountryPavilion, Exhibition, Industry
from crm.services import call_lists, calls, workdays
from crm.services.errors import DomainError
from crm.web import database, labels
from crm.web.call_lists.forms import PRIORITY_LABELS, ConfirmForm, GiveForm, ListForm
from crm.web.calls.routes import outcome_label
from crm.web.forms import apply_errors, exhibition_choices, industry_choices, optional_int, submit
from crm.web.pickers import picker_context
from crm.web.security import permission_required

bp = Blueprint("call_lists", __name__, url_prefix="/call-lists")

STATUS_LABELS = {
    CallItemStatus.QUEUED: _l("Waiting"),
    CallItemStatus.CLAIMED: _l("Being called"),
    CallItemStatus.CALLBACK: _l("Callback / retry"),
    CallItemStatus.DONE: _l("Done"),
    CallItemStatus.SKIPPED: _l("Skipped"),
}
SKIP_REASONS = {"list_closed": _l("list closed"), "do_not_call": _l("do not call"),
                "lead_opened": _l("a lead was opened")}
KIND_LABELS = {CallListKind.MANUAL: _l("Manual"),
               CallListKind.SHOW_DRIVEN: _l("Show-driven")}


@bp.app_context_processor
def _helpers():
    return {"item_status_label": lambda v: labels.label(STATUS_LABELS, v),
            "list_kind_label": lambda v: labels.label(KIND_LABELS, v),
            "priority_label": lambda v: str(PRIORITY_LABELS.get(v, v)),
            "skip_reason_label": lambda v: str(SKIP_REASONS.get(v, v or ""))}


def _owner_choices() -> list[tuple[str, str]]:
    people = call_lists.owner_choices(database.session())
    return [("", _("Shared pool (every telesales person)"))] + [
        (str(u.id), f"{u.display_name} · {labels.label(labels.ROLE_LABELS, u.role)}")
        for u in people]




def _prepare(form: ListForm) -> ListForm:
    form.owner_id.choices = _owner_choices()
    form.exhibition_id.choices = exhibition_choices()
    form.industry_id.choices = industry_choices()
    return form


@bp.get("/")
@permission_required("call_list.manage")
def index():
    s = database.session()
    include_closed = request.args.get("closed") == "1"
    lists = call_lists.lists_for(s, current_user, include_closed=include_closed)
    progress = call_lists.progress_of(s, [lst.id for lst in lists])
    return render_template("call_lists/index.html", lists=lists, progress=progress,
                           include_closed=include_closed, confirm=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@permission_required("call_list.manage")
def new():
    form = _prepare(ListForm())
    if request.method == "GET":
        form.exhibition_id.data = optional_int(request.args.get("exhibition_id"))
    preview = None
    action = request.form.get("action", "preview")
    if request.method == "POST" and action == "build":
        saved = submit(form, lambda s: call_lists.build_list(
            s, current_user, form.name.data, form.filters(), owner_id=form.owner_id.data,
            priority=form.priority.data))
        if saved is not None:
            result = saved.value
            message = _("List built with %(n)s companies.", n=result.added)
            if result.already_queued:
                message += " " + _("%(n)s left out: they wait in other open lists.",
                                   n=result.already_queued)
            flash(message, "success")
            return redirect(url_for("call_lists.show", list_id=result.call_list.id), 303)
    elif request.method == "POST" and form.validate_on_submit():
        s = database.session()
        try:
            preview = call_lists.preview_first(
                s, current_user, form.filters(), owner_id=form.owner_id.data,
                priority=form.priority.data)
        except DomainError as exc:
            apply_errors(form, exc)
        finally:
            s.rollback()
    status = 422 if request.method == "POST" and (form.errors or form.form_errors) else 200
    return render_template("call_lists/new.html", form=form, preview=preview,
                           priority_keys=list(PRIORITY_LABELS),
                           pickers=picker_context(form.pavilion_id)), status


def _describe(filters: dict) -> list[tuple[str, str]]:
    """The filters a list was built with, as label and value (empty ones left out)."""
    s = database.session()
    f = call_lists.ListFilters.from_json(filters)
    out: list[tuple[str, str]] = []
    if f.exhibition_id:
        show = s.get(Exhibition, f.exhibition_id)
        out.append((_("Show"), show.display_name if show else f"#{f.exhibition_id}"))
    if f.industry_id:
        industry = s.get(Industry, f.industry_id)
        out.append((_("Industry"), industry.name_zh if industry else f"#{f.industry_id}"))
    if f.booth_types:
        out.append((_("Booth type"), ", ".join(
            labels.label(labels.BOOTH_TYPE_LABELS, b) for b in f.booth_types)))
    if f.halls:
        out.append((_("Halls"), ", ".join(f.halls)))
    if f.area_min is not None or f.area_max is not None:
        out.append((_("Booth area (m²)"), f"{f.area_min or 0} – {f.area_max or '∞'}"))
    if f.origins:
        out.append((_("Domestic / foreign / agent"), ", ".join(
            labels.label(labels.ORIGIN_LABELS, o) for o in f.origins)))
    if f.pavilion_id:
        pavilion = s.get(CountryPavilion, f.pavilion_id)
        out.append((_("Country pavilion"), str(pavilion) if pavilion else f"#{f.pavilion_id}"))
    if f.not_called_days is not None:
        out.append((_("Not called in the last N days"), str(f.not_called_days)))
    if f.no_open_lead:
        out.append((_("Only companies without an open lead"), _("yes")))
    if f.key_client is not None:
        out.append((_("Key clients"), _("Key clients only") if f.key_client
                    else _("No key clients")))
    if f.limit:
        out.append((_("At most this many companies"), str(f.limit)))
    return out


@bp.get("/<int:list_id>")
@permission_required("call_list.manage")
def show(list_id: int):
    s = database.session()
    call_list = call_lists.visible_list(s, current_user, list_id)
    status = request.args.get("status") or None
    page = call_lists.list_items(s, call_list, status=status,
                                 page=optional_int(request.args.get("page")) or 1)
    give = GiveForm(owner_id=call_list.owner_id)
    give.owner_id.choices = _owner_choices()
    progress = call_lists.progress(s, list_id)
    return render_template("call_lists/show.html", call_list=call_list, page=page,
                           progress=progress, filters=_describe(call_list.filters or {}),
                           status=status, give=give, confirm=ConfirmForm(),
                           waiting=progress["queued"] + progress["callback"],
                           statuses=list(STATUS_LABELS),
                           outcome_labels={o.code: outcome_label(o)
                                           for o in calls.outcomes(s, active_only=False)})


@bp.post("/<int:list_id>/give")
@permission_required("call_list.manage")
def give(list_id: int):
    s = database.session()
    call_list = call_lists.visible_list(s, current_user, list_id)
    form = GiveForm()
    form.owner_id.choices = _owner_choices()
    saved = submit(form, lambda s: call_lists.give_to(s, current_user, call_list,
                                                     form.owner_id.data))
    if saved is None:
        for e in list(form.owner_id.errors) + list(form.form_errors):
            flash(str(e), "error")
    elif call_list.owner_id is None:
        flash(_("The list is now in the shared pool."), "success")
    else:
        flash(_("The list now belongs to %(name)s.", name=call_list.owner.display_name), "success")
    return redirect(url_for("call_lists.show", list_id=list_id), 303)


@bp.post("/<int:list_id>/close")
@permission_required("call_list.manage")
def close(list_id: int):
    s = database.session()
    call_list = call_lists.visible_list(s, current_user, list_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if call_list.closed_at is not None:
        flash(_("The list was already closed."), "info")
        return redirect(url_for("call_lists.show", list_id=list_id), 303)
    skipped = call_lists.close_list(s, current_user, call_list)
    s.commit()
    flash(_("List closed; %(n)s waiting companies were taken out of the queue.", n=skipped),
          "success")
    return redirect(url_for("call_lists.show", list_id=list_id), 303)


@bp.post("/show-driven")
@permission_required("call_list.manage")
def build_show_driven():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    s = database.session()
    built = call_lists.build_show_driven_lists(s, workdays.local_date(utcnow()))
    s.commit()
    if not built:
        flash(_("No show-driven list was due: every upcoming show within the window already "
                "has one, or has no earlier edition."), "info")
    for result in built:
        flash(_("Built %(name)s with %(n)s companies.", name=result.call_list.name,
                n=result.added), "success")
    return redirect(url_for("call_lists.index"), 303)
