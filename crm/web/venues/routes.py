"""Venues (展馆): list, page with halls and the shows held there, edits of venue and halls."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.models import Hall, Venue
from crm.services import venues
from crm.services.errors import DomainError
from crm.web import database, pickers
from crm.web.args import page_arg
from crm.web.errors import translate
from crm.web.forms import optional_int, submit
from crm.web.security import permission_required
from crm.web.venues.forms import DeleteForm, HallForm, VenueForm

bp = Blueprint("venues", __name__, url_prefix="/venues")


def _status() -> int:
    return 422 if request.method == "POST" else 200


@bp.get("/")
@permission_required("venue.view")
def index():
    s = database.session()
    filters = venues.VenueFilters(query=request.args.get("q", "")[:200],
                                  city=request.args.get("city") or None)
    page = venues.find(s, filters, page_arg(),
                       current_app.config["PAGE_SIZE"])
    return render_template("venues/index.html", page=page)


@bp.get("/<int:venue_id>")
@permission_required("venue.view")
def show(venue_id: int):
    s = database.session()
    venue = venues.get(s, venue_id)
    return render_template("venues/show.html", venue=venue,
                           exhibitions=venues.exhibitions_at(s, venue.id),
                           history=venues.venue_history(s, venue))


def _data(form: VenueForm) -> venues.VenueData:
    return venues.VenueData(
        code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
        province=form.province.data, city=form.city.data, address=form.address.data,
        website=form.website.data, indoor_area_m2=form.indoor_area_m2.data,
        operator_id=form.operator_id.id_value, notes=form.notes.data)


def _render_form(form: VenueForm, venue: Venue | None):
    return render_template("venues/form.html", form=form, venue=venue,
                           pickers=pickers.picker_context(form.operator_id)), _status()


@bp.route("/new", methods=["GET", "POST"])
@permission_required("venue.edit")
def new():
    form = VenueForm()
    if saved := submit(form, lambda s: venues.create(s, _data(form))):
        flash(_("Venue saved."), "success")
        return redirect(url_for("venues.show", venue_id=saved.value.id))
    return _render_form(form, None)


@bp.route("/<int:venue_id>/edit", methods=["GET", "POST"])
@permission_required("venue.edit")
def edit(venue_id: int):
    s = database.session()
    venue = venues.get(s, venue_id)
    form = VenueForm()
    if request.method == "GET":
        form.process(data=dict(vars(venues.data_of(venue)), version=venue.version))
    elif submit(form, lambda s: venues.update(
            s, venue, _data(form), expected_version=optional_int(form.version.data))):
        flash(_("Venue saved."), "success")
        return redirect(url_for("venues.show", venue_id=venue.id))
    return _render_form(form, venue)


# --- Halls ------------------------------------------------------------------------------------

def _hall_data(form: HallForm) -> venues.HallData:
    return venues.HallData(**{name: getattr(form, name).data
                              for name in venues.HallData.__dataclass_fields__})


def _render_hall_form(form: HallForm, venue: Venue, hall: Hall | None):
    return render_template("venues/hall_form.html", form=form, venue=venue, hall=hall), _status()


@bp.route("/<int:venue_id>/halls/new", methods=["GET", "POST"])
@permission_required("venue.edit")
def new_hall(venue_id: int):
    s = database.session()
    venue = venues.get(s, venue_id)
    form = HallForm()
    if request.method == "GET":
        form.version.data = venue.version
    elif submit(form, lambda s: venues.add_hall(
            s, venue, _hall_data(form), expected_version=optional_int(form.version.data))):
        flash(_("Hall saved."), "success")
        return redirect(url_for("venues.show", venue_id=venue.id) + "#halls")
    return _render_hall_form(form, venue, None)


@bp.route("/<int:venue_id>/halls/<int:hall_id>/edit", methods=["GET", "POST"])
@permission_required("venue.edit")
def edit_hall(venue_id: int, hall_id: int):
    s = database.session()
    venue = venues.get(s, venue_id)
    hall = venues.get_hall(s, venue, hall_id)
    form = HallForm()
    if request.method == "GET":
        form.process(data=dict(vars(venues.hall_data(hall)), version=venue.version))
    elif submit(form, lambda s: venues.update_hall(
            s, venue, hall, _hall_data(form), expected_version=optional_int(form.version.data))):
        flash(_("Hall saved."), "success")
        return redirect(url_for("venues.show", venue_id=venue.id) + "#halls")
    return _render_hall_form(form, venue, hall)


@bp.post("/<int:venue_id>/halls/<int:hall_id>/delete")
@permission_required("venue.edit")
def delete_hall(venue_id: int, hall_id: int):
    s = database.session()
    venue = venues.get(s, venue_id)
    hall = venues.get_hall(s, venue, hall_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        try:
            venues.delete_hall(s, venue, hall, expected_version=optional_int(form.version.data))
            s.commit()
        except DomainError as exc:
            s.rollback()
            flash(translate(exc), "error")
        else:
            flash(_("Hall deleted."), "success")
    return redirect(url_for("venues.show", venue_id=venue_id) + "#halls")
