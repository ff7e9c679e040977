"""Country pavilions (国家展团): list, page with exhibitors by show and contacts, edits."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.models import CountryPavilion
from crm.services import access, history, pavilions
from crm.services.errors import NotFound
from crm.web import database, pickers
from crm.web.args import page_arg
from crm.web.forms import optional_int, submit
from crm.web.pavilions.forms import PavilionForm
from crm.web.security import permission_required, visible_users

bp = Blueprint("pavilions", __name__, url_prefix="/pavilions")


@bp.get("/")
@permission_required("pavilion.view")
def index():
    s = database.session()
    filters = pavilions.PavilionFilters(query=request.args.get("q", "")[:200],
                                        country=request.args.get("country") or None)
    page = pavilions.find(s, filters, page_arg(),
                          current_app.config["PAGE_SIZE"])
    return render_template("pavilions/index.html", page=page)


@bp.get("/<int:pavilion_id>")
@permission_required("pavilion.view")
def show(pavilion_id: int):
    s = database.session()
    pavilion = pavilions.get(s, pavilion_id)
    organizer = None
    if pavilion.organizer_id is not None:
        try:
            organizer = access.visible_company(s, current_user, pavilion.organizer_id)
        except NotFound:
            organizer = None
    return render_template(
        "pavilions/show.html", pavilion=pavilion, organizer=organizer,
        contacts=pavilions.organizer_contacts(s, current_user, pavilion),
        groups=pavilions.participations_by_show(s, current_user, pavilion.id),
        history=history.entries(s, ("country_pavilions", pavilion.id)))


def _data(form: PavilionForm) -> pavilions.PavilionData:
    return pavilions.PavilionData(
        country=form.country.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
        organizer_id=form.organizer_id.id_value, pavilion_type=form.pavilion_type.data,
        website=form.website.data, status=form.status.data, owner_id=form.owner_id.data,
        notes=form.notes.data)


def _prepare(form: PavilionForm) -> PavilionForm:
    form.owner_id.choices = [("", "—")] + [(str(u.id), u.display_name) for u in visible_users()]
    return form


def _render_form(form: PavilionForm, pavilion: CountryPavilion | None):
    return render_template("pavilions/form.html", form=form, pavilion=pavilion,
                           pickers=pickers.picker_context(form.organizer_id)), \
        422 if request.method == "POST" else 200


@bp.route("/new", methods=["GET", "POST"])
@permission_required("pavilion.edit")
def new():
    form = _prepare(PavilionForm())
    if saved := submit(form, lambda s: pavilions.create(s, _data(form))):
        flash(_("Pavilion saved."), "success")
        return redirect(url_for("pavilions.show", pavilion_id=saved.value.id))
    return _render_form(form, None)


@bp.route("/<int:pavilion_id>/edit", methods=["GET", "POST"])
@permission_required("pavilion.edit")
def edit(pavilion_id: int):
    s = database.session()
    pavilion = pavilions.get(s, pavilion_id)
    form = _prepare(PavilionForm())
    if request.method == "GET":
        form.process(data=dict(vars(pavilions.data_of(pavilion)), version=pavilion.version))
        _prepare(form)
    elif submit(form, lambda s: pavilions.update(
            s, pavilion, _data(form), expected_version=optional_int(form.version.data))):
        flash(_("Pavilion saved."), "success")
        return redirect(url_for("pavilions.show", pavilion_id=pavilion.id))
    return _render_form(form, pavilion)
