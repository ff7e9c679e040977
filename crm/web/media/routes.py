"""Industry media (行业媒体): companies of kind media with their profile."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.services import companies, history, profiles
from crm.web import database
from crm.web.args import id_arg, page_arg
from crm.web.forms import industry_choices, optional_int, submit
from crm.web.media.forms import MEDIA_TYPE_LABELS, MediaForm, NewMediaForm
from crm.web.security import permission_required

bp = Blueprint("media", __name__, url_prefix="/media")
KIND = profiles.MEDIA


@bp.context_processor
def _labels():
    return {"media_type_label": lambda value: str(MEDIA_TYPE_LABELS.get(value, value or ""))}


@bp.get("/")
@permission_required("media.view")
def index():
    s = database.session()
    filters = profiles.ProfileFilters(query=request.args.get("q", "")[:200],
                                      media_type=request.args.get("type") or None,
                                      industry_id=id_arg("industry"))
    page = profiles.find(s, current_user, KIND, filters,
                         page_arg(),
                         current_app.config["PAGE_SIZE"])
    return render_template("media/index.html", page=page, types=MEDIA_TYPE_LABELS,
                           industries=industry_choices())


@bp.get("/<int:company_id>")
@permission_required("media.view")
def show(company_id: int):
    s = database.session()
    company, profile = profiles.get(s, current_user, KIND, company_id)
    return render_template(
        "media/show.html", company=company, profile=profile,
        history=history.entries(s, ("media_profiles", company.id), ("companies", company.id)))


def _profile_data(form: MediaForm) -> profiles.MediaData:
    return profiles.MediaData(**{name: getattr(form, name).data
                                 for name in profiles.MediaData.__dataclass_fields__})


def _company_data(form: NewMediaForm) -> companies.CompanyData:
    return companies.CompanyData(
        name_zh=form.name_zh.data, name_en=form.name_en.data, province=form.province.data,
        city=form.city.data, website=form.website.data,
        phones=[p for p in (form.phones.data or "").splitlines() if p.strip()],
        industry_id=form.industry_id.data, kinds=[KIND.kind])


def _render_form(form: MediaForm, company):
    form.industry_id.choices = industry_choices()
    return render_template("media/form.html", form=form, company=company), \
        422 if request.method == "POST" else 200


@bp.route("/new", methods=["GET", "POST"])
@permission_required("media.edit")
def new():
    form = NewMediaForm()
    form.industry_id.choices = industry_choices()
    if saved := submit(form, lambda s: profiles.create(s, KIND, _company_data(form),
                                                         _profile_data(form))):
        company, _profile = saved.value
        flash(_("Media company saved."), "success")
        return redirect(url_for("media.show", company_id=company.id))
    return _render_form(form, None)


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@permission_required("media.edit")
def edit(company_id: int):
    s = database.session()
    company, profile = profiles.get(s, current_user, KIND, company_id)
    form = MediaForm()
    form.industry_id.choices = industry_choices()
    if request.method == "GET":
        form.process(data=dict(vars(profiles.data_of(KIND, profile)), version=company.version))
    elif submit(form, lambda s: profiles.save(
            s, KIND, company, _profile_data(form),
            expected_version=optional_int(form.version.data))):
        flash(_("Media profile saved."), "success")
        return redirect(url_for("media.show", company_id=company.id))
    return _render_form(form, company)
