"""Contacts: a searchable list of people at the companies one may see, and their pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.services import access, contacts, history
from crm.services.errors import DomainError
from crm.web import database, pickers
from crm.web.args import id_arg, page_arg
from crm.web.contacts.forms import ContactForm, DeleteForm
from crm.web.errors import translate
from crm.web.forms import apply_errors, optional_int, submit
from crm.web.security import permission_required

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.get("/")
@permission_required("company.view")
def index():
    s = database.session()
    filters = contacts.ContactFilters(query=request.args.get("q", "")[:200],
                                      company_id=id_arg("company"))
    page = contacts.find(s, current_user, filters, page_arg(),
                         current_app.config["PAGE_SIZE"])
    template = "contacts/_rows.html" if request.headers.get("HX-Request") else "contacts/index.html"
    return render_template(template, page=page)


@bp.get("/<int:contact_id>")
@permission_required("company.view")
def show(contact_id: int):
    s = database.session()
    contact = contacts.visible_contact(s, current_user, contact_id)
    return render_template("contacts/show.html", contact=contact,
                           delete_form=DeleteForm(formdata=None, version=contact.version),
                           history=history.entries(s, ("contacts", contact.id)))


def _data(form: ContactForm) -> contacts.ContactData:
    return contacts.ContactData(
        name=form.name.data, title=form.title.data, department=form.department.data,
        mobile=form.mobile.data, landline=form.landline.data, email=form.email.data,
        wechat=form.wechat.data, notes=form.notes.data)


def _render_form(form: ContactForm, contact, company):
    return render_template("contacts/form.html", form=form, contact=contact, company=company,
                           pickers=pickers.picker_context(form.company_id)), \
        422 if request.method == "POST" else 200


def _company_errors(form: ContactForm, exc: DomainError) -> None:
    if exc.status == 404:  # the picked company is not one the user may see
        form.company_id.errors = list(form.company_id.errors) + [translate(exc)]
    else:
        apply_errors(form, exc)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("contact.edit")
def new():
    s = database.session()
    form = ContactForm()
    company = None
    fixed_id = id_arg("company_id")
    if fixed_id is not None:
        # Adding from a company page: the company is given and must be visible.
        company = access.visible_company(s, current_user, fixed_id)
        form.company_id.data = str(company.id)
    if saved := submit(form, lambda s: contacts.create(
            s, current_user, form.company_id.id_value or 0, _data(form)),
            on_error=_company_errors):
        flash(_("Contact saved."), "success")
        return redirect(url_for("contacts.show", contact_id=saved.value.id))
    return _render_form(form, None, company)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@permission_required("contact.edit")
def edit(contact_id: int):
    s = database.session()
    contact = contacts.visible_contact(s, current_user, contact_id)
    form = ContactForm()
    if request.method == "GET":
        form.process(data=dict(vars(contacts.data_of(contact)), version=contact.version))
    form.company_id.data = str(contact.company_id)  # a contact does not move between companies
    if submit(form, lambda s: contacts.update(
            s, contact, _data(form), expected_version=optional_int(form.version.data))):
        flash(_("Contact saved."), "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return _render_form(form, contact, contact.company)


@bp.post("/<int:contact_id>/delete")
@permission_required("contact.edit")
def delete(contact_id: int):
    s = database.session()
    contact = contacts.visible_contact(s, current_user, contact_id)
    company_id = contact.company_id
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("contacts.show", contact_id=contact_id))
    try:
        contacts.delete(s, contact, expected_version=optional_int(form.version.data))
        s.commit()
    except DomainError as exc:
        s.rollback()
        flash(translate(exc), "error")
        return redirect(url_for("contacts.show", contact_id=contact_id))
    flash(_("Contact deleted."), "success")
    return redirect(url_for("companies.show", company_id=company_id))
