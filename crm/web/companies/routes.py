"""The company list (search, filters, export) and the company page, the hub of the CRM."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from crm.db import utcnow
from crm.models import AuditEntry, Company, CompetitorProfile, Exhibition, MediaProfile, Participation
from crm.services import access, audit, companies, exhibitions
from crm.web import database, pickers
from crm.web.companies.forms import AliasForm, CompanyForm
from crm.web.forms import industry_choices, optional_int, submit
from crm.web.security import permission_required, visible_users

bp = Blueprint("companies", __name__, url_prefix="/companies")

EXPORT_COLUMNS = ["id", "name_zh", "name_en", "aliases", "credit_code", "country", "province",
                  "city", "address", "website", "phones", "emails", "industry", "kinds",
                  "key_client", "owner"]


def _filters() -> companies.CompanyFilters:
    args = request.args
    owner = args.get("owner", "")
    key = args.get("key")
    return companies.CompanyFilters(
        query=args.get("q", "")[:200],
        industry_id=optional_int(args.get("industry")),
        kind=args.get("kind") or None,
        country=(args.get("country") or "").upper() or None,
        province=args.get("province") or None,
        city=args.get("city") or None,
        is_key_client={"1": True, "0": False}.get(key or ""),
        owner_id=current_user.id if owner == "me" else optional_int(owner),
        unassigned=owner == "none",
        exhibition_id=optional_int(args.get("exhibition")),
        booth_type=args.get("booth_type") or None,
    )


@bp.get("/")
@login_required
def index():
    s = database.session()
    page = companies.find(s, current_user, _filters(), page=optional_int(request.args.get("page")) or 1,
                          per_page=current_app.config["PAGE_SIZE"])
    if request.headers.get("HX-Request"):  # the live search asks for the rows only
        return render_template("companies/_rows.html", page=page)
    # The show filter is a picker: the latest shows are offered, others found by typing.
    chosen = optional_int(request.args.get("exhibition"))
    picked = exhibitions.exhibition_options(s, str(chosen)) if chosen else []
    offered = picked + [o for o in exhibitions.exhibition_options(s, limit=pickers.OPTION_LIMIT)
                        if not picked or o[0] != picked[0][0]]
    return render_template("companies/index.html", page=page, industries=industry_choices(),
                           exhibitions=offered, exhibition_label=picked[0][1] if picked else None,
                           owners=visible_users())


@bp.get("/export.xlsx")
@permission_required("company.export")
def export():
    s = database.session()
    limit = current_app.config["EXPORT_MAX_ROWS"]
    rows = companies.export_rows(s, current_user, _filters(), limit)
    audit.record(s, "export", "companies", None, after={"rows": len(rows), "query": request.query_string.decode()[:500]})
    s.commit()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Companies"))
    sheet.append(EXPORT_COLUMNS)
    for row in rows:
        sheet.append([row[c] for c in EXPORT_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    name = f"companies-{utcnow():%Y%m%d-%H%M}.xlsx"
    return send_file(buffer, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/<int:company_id>")
@login_required
def show(company_id: int):
    s = database.session()
    company = companies.hub(s, current_user, company_id)
    kinds = company.kind_values
    participations = s.scalars(
        select(Participation).where(Participation.company_id == company.id)
        .join(Participation.exhibition)
        .options(contains_eager(Participation.exhibition), joinedload(Participation.pavilion))
        .order_by(Exhibition.year.desc(), Exhibition.starts_on.desc())).all()
    history = s.scalars(select(AuditEntry).where(AuditEntry.company_id == company.id)
                        .options(joinedload(AuditEntry.user))
                        .order_by(AuditEntry.id.desc()).limit(100)).all()
    return render_template(
        "companies/show.html", company=company, participations=participations, history=history,
        # A profile belongs to a company of that kind (crm/services/profiles.py).
        competitor=s.get(CompetitorProfile, company.id) if "competitor" in kinds else None,
        media=s.get(MediaProfile, company.id) if "media" in kinds else None,
        alias_form=AliasForm(version=company.version),
        activity=companies.activity(s, company.id),
        may_edit=access.may_edit_company(current_user, company))


def _form_data(form: CompanyForm, company: Company | None) -> companies.CompanyData:
    owner_id = form.owner_id.data
    if not access.can(current_user, "company.assign_owner"):
        # Only supervisors move clients between people; others keep what is there.
        owner_id = company.owner_id if company else (
            current_user.id if access.Role(current_user.role) == access.Role.EXECUTOR else None)
    return companies.CompanyData(
        name_zh=form.name_zh.data, name_en=form.name_en.data, credit_code=form.credit_code.data,
        country=form.country.data or "CN", province=form.province.data, city=form.city.data,
        address=form.address.data, website=form.website.data, industry_id=form.industry_id.data,
        is_key_client=form.is_key_client.data, owner_id=owner_id, notes=form.notes.data,
        kinds=form.kinds.data or [], phones=(form.phones.data or "").splitlines(),
        emails=[e.strip() for e in (form.emails.data or "").splitlines() if e.strip()])


def _prepare(form: CompanyForm) -> CompanyForm:
    form.industry_id.choices = industry_choices()
    form.owner_id.choices = [("", "—")] + [(str(u.id), u.display_name) for u in visible_users()]
    if not access.can(current_user, "company.assign_owner"):
        form.owner_id.render_kw = {"disabled": True}
    return form


@bp.route("/new", methods=["GET", "POST"])
@permission_required("company.create")
def new():
    form = _prepare(CompanyForm())
    if request.method == "GET":
        form.kinds.data = ["exhibitor"]
    if saved := submit(form, lambda s: companies.create(s, _form_data(form, None))):
        flash(_("Company saved."), "success")
        return redirect(url_for("companies.show", company_id=saved.value.id))
    status = 422 if request.method == "POST" else 200
    return render_template("companies/form.html", form=form, company=None), status


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@permission_required("company.edit")
def edit(company_id: int):
    s = database.session()
    company = access.visible_company(s, current_user, company_id)
    if not access.may_edit_company(current_user, company):
        abort(403)
    form = _prepare(CompanyForm(obj=None))
    if request.method == "GET":
        data = companies.data_of(company)
        form.process(data=dict(vars(data), phones="\n".join(data.phones),
                               emails="\n".join(data.emails), version=company.version))
        _prepare(form)
    elif submit(form, lambda s: companies.update(
            s, company, _form_data(form, company),
            expected_version=optional_int(form.version.data))):
        flash(_("Company saved."), "success")
        return redirect(url_for("companies.show", company_id=company.id))
    status = 422 if request.method == "POST" else 200
    return render_template("companies/form.html", form=form, company=company), status


@bp.post("/<int:company_id>/aliases")
@permission_required("company.edit")
def add_alias(company_id: int):
    s = database.session()
    company = access.visible_company(s, current_user, company_id)
    form = AliasForm()
    if form.validate_on_submit():
        companies.remember_alias(company, form.name.data, source=f"manual:{current_user.username}")
        s.commit()
        flash(_("Name added."), "success")
    else:
        flash(_("Give the other name (at most 300 characters)."), "error")
    return redirect(url_for("companies.show", company_id=company.id))
