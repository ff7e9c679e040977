"""Shows: list, page with its exhibitors (filters, pages), edit forms; participations."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound as HTTPNotFound

from crm.models import Exhibition, Participation
from crm.services import exhibitions, history
from crm.services.errors import DomainError
from crm.web import database, pickers
from crm.web.args import id_arg, int_arg, page_arg
from crm.web.errors import translate
from crm.web.exhibitions.forms import DeleteForm, ExhibitionForm, ParticipationForm
from crm.web.forms import industry_choices, optional_int, submit
from crm.web.security import permission_required

bp = Blueprint("exhibitions", __name__, url_prefix="/exhibitions")


def _status() -> int:
    return 422 if request.method == "POST" else 200


@bp.get("/")
@permission_required("exhibition.view")
def index():
    s = database.session()
    args = request.args
    filters = exhibitions.ExhibitionFilters(
        query=args.get("q", "")[:200], year=int_arg("year"),
        industry_id=id_arg("industry"), venue_id=id_arg("venue"),
        city=args.get("city") or None)
    page = exhibitions.find_exhibitions(s, filters, page_arg(), current_app.config["PAGE_SIZE"])
    template = "exhibitions/_rows.html" if request.headers.get("HX-Request") else "exhibitions/index.html"
    return render_template(template, page=page, years=exhibitions.years(s),
                           industries=industry_choices())


@bp.get("/<int:exhibition_id>")
@permission_required("exhibition.view")
def show(exhibition_id: int):
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    args = request.args
    filters = exhibitions.ParticipationFilters(
        booth_type=args.get("booth_type") or None, hall=args.get("hall") or None,
        origin=args.get("origin") or None, pavilion_id=id_arg("pavilion"))
    page = exhibitions.find_participations(s, current_user, exhibition.id, filters,
                                           page_arg(), current_app.config["PAGE_SIZE"])
    if request.headers.get("HX-Request"):
        return render_template("exhibitions/_participations.html", exhibition=exhibition, page=page)
    return render_template(
        "exhibitions/show.html", exhibition=exhibition, page=page,
        halls=exhibitions.halls_of(s, exhibition.id),
        pavilions=exhibitions.pavilions_of(s, exhibition.id),
        history=history.entries(s, ("exhibitions", exhibition.id)))


def _exhibition_data(form: ExhibitionForm) -> exhibitions.ExhibitionData:
    return exhibitions.ExhibitionData(
        name_zh=form.name_zh.data, name_en=form.name_en.data, year=form.year.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, city=form.city.data,
        venue_id=form.venue_id.id_value, halls=form.halls.data,
        organizer_id=form.organizer_id.id_value, industry_id=form.industry_id.data,
        region=form.region.data, value_rating=form.value_rating.data,
        value_note=form.value_note.data, website=form.website.data, notes=form.notes.data)


def _render_exhibition_form(form: ExhibitionForm, exhibition: Exhibition | None):
    form.industry_id.choices = industry_choices()
    return render_template("exhibitions/form.html", form=form, exhibition=exhibition,
                           pickers=pickers.picker_context(form.venue_id, form.organizer_id)), _status()


@bp.route("/new", methods=["GET", "POST"])
@permission_required("exhibition.edit")
def new():
    form = ExhibitionForm()
    form.industry_id.choices = industry_choices()
    if saved := submit(form, lambda s: exhibitions.create_exhibition(s, _exhibition_data(form))):
        flash(_("Show saved."), "success")
        return redirect(url_for("exhibitions.show", exhibition_id=saved.value.id))
    return _render_exhibition_form(form, None)


@bp.route("/<int:exhibition_id>/edit", methods=["GET", "POST"])
@permission_required("exhibition.edit")
def edit(exhibition_id: int):
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    form = ExhibitionForm()
    form.industry_id.choices = industry_choices()
    if request.method == "GET":
        form.process(data=dict(vars(exhibitions.exhibition_data(exhibition)),
                               version=exhibition.version))
    elif submit(form, lambda s: exhibitions.update_exhibition(
            s, exhibition, _exhibition_data(form),
            expected_version=optional_int(form.version.data))):
        flash(_("Show saved."), "success")
        return redirect(url_for("exhibitions.show", exhibition_id=exhibition.id))
    return _render_exhibition_form(form, exhibition)


# --- Participations -------------------------------------------------------------------------

def _participation_data(form: ParticipationForm) -> exhibitions.ParticipationData:
    return exhibitions.ParticipationData(
        company_id=form.company_id.id_value, booth_no=form.booth_no.data, hall=form.hall.data,
        area_m2=form.area_m2.data, booth_type=form.booth_type.data, origin=form.origin.data,
        pavilion_id=form.pavilion_id.id_value, builder_id=form.builder_id.id_value,
        notes=form.notes.data)


def _participation_of(exhibition: Exhibition, participation_id: int) -> Participation:
    participation = exhibitions.visible_participation(database.session(), current_user,
                                                      participation_id)
    if participation.exhibition_id != exhibition.id:
        raise HTTPNotFound()
    return participation


def _render_participation_form(form, exhibition, participation, entries=()):
    return render_template(
        "exhibitions/participation_form.html", form=form, exhibition=exhibition,
        participation=participation, history=entries, delete_form=DeleteForm(
            formdata=None, version=participation.version) if participation else None,
        pickers=pickers.picker_context(form.company_id, form.pavilion_id, form.builder_id),
    ), _status()


@bp.route("/<int:exhibition_id>/participations/new", methods=["GET", "POST"])
@permission_required("participation.edit")
def new_participation(exhibition_id: int):
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    form = ParticipationForm()
    if request.method == "GET" and request.args.get("company_id"):
        form.company_id.data = request.args["company_id"]
    if submit(form, lambda s: exhibitions.create_participation(
            s, current_user, exhibition, _participation_data(form))):
        flash(_("Exhibitor saved."), "success")
        return redirect(url_for("exhibitions.show", exhibition_id=exhibition.id))
    return _render_participation_form(form, exhibition, None)


@bp.route("/<int:exhibition_id>/participations/<int:participation_id>/edit",
          methods=["GET", "POST"])
@permission_required("participation.edit")
def edit_participation(exhibition_id: int, participation_id: int):
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    participation = _participation_of(exhibition, participation_id)
    form = ParticipationForm()
    if request.method == "GET":
        form.process(data=dict(vars(exhibitions.participation_data(participation)),
                               version=participation.version))
    elif submit(form, lambda s: exhibitions.update_participation(
            s, current_user, participation, _participation_data(form),
            expected_version=optional_int(form.version.data))):
        flash(_("Exhibitor saved."), "success")
        return redirect(url_for("exhibitions.show", exhibition_id=exhibition.id))
    entries = history.entries(s, ("participations", participation.id))
    return _render_participation_form(form, exhibition, participation, entries)


@bp.post("/<int:exhibition_id>/participations/<int:participation_id>/delete")
@permission_required("participation.edit")
def delete_participation(exhibition_id: int, participation_id: int):
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    participation = _participation_of(exhibition, participation_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("exhibitions.edit_participation", exhibition_id=exhibition.id,
                                participation_id=participation.id))
    try:
        exhibitions.delete_participation(s, participation,
                                         expected_version=optional_int(form.version.data))
        s.commit()
    except DomainError as exc:
        s.rollback()
        flash(translate(exc), "error")
        return redirect(url_for("exhibitions.edit_participation", exhibition_id=exhibition.id,
                                participation_id=participation_id))
    flash(_("Exhibitor removed from this show."), "success")
    return redirect(url_for("exhibitions.show", exhibition_id=exhibition.id))


# --- Suggestions for the record pickers ---------------------------------------------------

@bp.get("/lookup/<source>")
@login_required
def lookup(source: str):
    if source not in pickers.SOURCES:
        raise HTTPNotFound()
    return render_template("exhibitions/_options.html",
                           options=pickers.options(source, pickers.query_from_request()[:100]))
