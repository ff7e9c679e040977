"""Competitors (展览同行): companies of kind competitor with their profile."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.services import companies, history, profiles
from crm.web import database
from crm.web.args import page_arg
from crm.web.competitors.forms import SCALE_LABELS, CompetitorForm, NewCompetitorForm
from crm.web.forms import optional_int, submit
from crm.web.security import permission_required

bp = Blueprint("competitors", __name__, url_prefix="/competitors")
KIND = profiles.COMPETITOR


@bp.context_processor
def _labels():
    return {"scale_label": lambda value: str(SCALE_LABELS.get(value, value or ""))}


@bp.get("/")
@permission_required("competitor.view")
def index():
    s = database.session()
    filters = profiles.ProfileFilters(query=request.args.get("q", "")[:200],
                                      scale=request.args.get("scale") or None,
                                      city=request.args.get("city") or None)
    page = profiles.find(s, current_user, KIND, filters,
                         page_arg(),
                         current_app.config["PAGE_SIZE"])
    return render_template("competitors/index.html", page=page, scales=SCALE_LABELS)


@bp.get("/<int:company_id>")
@permission_required("competitor.view")
def show(company_id: int):
    s = database.session()
    company, profile = profiles.get(s, current_user, KIND, company_id)
    return render_template(
        "competitors/show.html", company=company, profile=profile,
        booths=profiles.booths_built(s, current_user, company.id),
        history=history.entries(s, ("competitor_profiles", company.id), ("companies", company.id)))


def _profile_data(form: CompetitorForm) -> profiles.CompetitorData:
    return profiles.CompetitorData(**{name: getattr(form, name).data
                                      for name in profiles.CompetitorData.__dataclass_fields__})


def _company_data(form: NewCompetitorForm) -> companies.CompanyData:
    return companies.CompanyData(
        name_zh=form.name_zh.data, name_en=form.name_en.data,
        credit_code=form.credit_code.data, province=form.province.data,
        city=form.city.data, website=form.website.data,
        phones=[p for p in (form.phones.data or "").splitlines() if p.strip()],
        kinds=[KIND.kind])


def _status() -> int:
    return 422 if request.method == "POST" else 200


@bp.route("/new", methods=["GET", "POST"])
@permission_required("competitor.edit")
def new():
    form = NewCompetitorForm()
    if saved := submit(form, lambda s: profiles.create(s, KIND, _company_data(form),
                                                         _profile_data(form))):
        company, _profile = saved.value
        flash(_("Competitor saved."), "success")
        return redirect(url_for("competitors.show", company_id=company.id))
    return render_template("competitors/form.html", form=form, company=None), _status()


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@permission_required("competitor.edit")
def edit(company_id: int):
    s = database.session()
    company, profile = profiles.get(s, current_user, KIND, company_id)
    form = CompetitorForm()
    if request.method == "GET":
        form.process(data=dict(vars(profiles.data_of(KIND, profile)), version=company.version))
    elif submit(form, lambda s: profiles.save(
            s, KIND, company, _profile_data(form),
            expected_version=optional_int(form.version.data))):
        flash(_("Competitor profile saved."), "success")
        return redirect(url_for("competitors.show", company_id=company.id))
    return render_template("competitors/form.html", form=form, company=company), _status()
