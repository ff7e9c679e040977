"""Contacts (联系人) at companies: validate, normalise phones, find, edit, delete.

A contact is visible only through its company: whoever cannot see the company cannot
see, find or change its people.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from crm.models import Company, Contact, User
from crm.services import access, fields, phones
from crm.services.errors import Conflict, N_, NotFound, ValidationFailed
from crm.services.paging import Page, paginate


@dataclass
class ContactData:
    """The editable fields of a contact, as plain values."""

    name: str | None = None
    title: str | None = None
    department: str | None = None
    mobile: str | None = None
    landline: str | None = None
    email: str | None = None
    wechat: str | None = None
    notes: str | None = None
    source: str = "manual"


@dataclass
class ContactFilters:
    """What the contact list can be narrowed by."""

    query: str = ""
    company_id: int | None = None


def validate(session: Session, company: Company, data: ContactData,
             contact_id: int | None = None) -> dict[str, Any]:
    """Clean and check the fields; return the column values to store (phones normalised)."""
    errors: fields.Errors = {}
    region = company.country or phones.DEFAULT_REGION
    values: dict[str, Any] = {
        "name": fields.text(errors, "name", data.name, max_len=100, required=True),
        "title": fields.text(errors, "title", data.title, max_len=100),
        "department": fields.text(errors, "department", data.department, max_len=100),
        "wechat": fields.text(errors, "wechat", data.wechat, max_len=100),
        "notes": fields.text(errors, "notes", data.notes, max_len=5000, block=True),
        "email": fields.email(errors, "email", data.email),
        "source": fields.clean(data.source) or "manual",
    }
    if values["email"] and len(values["email"]) > 200:
        fields.add(errors, "email", N_("Too long."))
    mobile = fields.text(errors, "mobile", data.mobile, max_len=60)
    values.update(mobile=mobile, mobile_e164=None)
    if mobile:
        parsed = phones.normalize(mobile, region)
        if parsed.e164 is None:
            fields.add(errors, "mobile", N_("Not a phone number."))
        elif parsed.kind == "landline":
            fields.add(errors, "mobile", N_("This is a landline; enter it under landline."))
        else:
            values["mobile_e164"] = parsed.e164
    landline = fields.text(errors, "landline", data.landline, max_len=60)
    values.update(landline=landline, landline_e164=None, landline_ext=None)
    if landline:
        parsed = phones.normalize(landline, region)
        if parsed.e164 is None:
            fields.add(errors, "landline", N_("Not a phone number."))
        else:
            values["landline_e164"] = parsed.e164
            values["landline_ext"] = parsed.extension
    if errors:
        raise ValidationFailed(errors)
    _check_duplicate(session, company.id, values, contact_id)
    return values


def _check_duplicate(session: Session, company_id: int, values: dict[str, Any],
                     contact_id: int | None) -> None:
    # A person is one contact per company: the same mobile or e-mail twice is a duplicate.
    checks = (
        ("mobile", Contact.mobile_e164 == values["mobile_e164"], values["mobile_e164"],
         N_("This company already has a contact with this mobile number: %(name)s (#%(id)s).")),
        ("email", func.lower(Contact.email) == (values["email"] or "").lower(), values["email"],
         N_("This company already has a contact with this e-mail: %(name)s (#%(id)s).")),
    )
    for field, condition, value, message in checks:
        if not value:
            continue
        stmt = select(Contact).where(Contact.company_id == company_id, condition)
        if contact_id is not None:
            stmt = stmt.where(Contact.id != contact_id)
        holder = session.scalars(stmt.limit(1)).first()
        if holder is not None:
            raise Conflict(message, field=field, name=holder.name, id=holder.id)


def visible_contact(session: Session, user: User, contact_id: int) -> Contact:
    """Load a contact whose company the user may see, or raise NotFound."""
    contact = session.scalars(
        select(Contact).join(Company, Contact.company_id == Company.id)
        .where(Contact.id == contact_id, access.company_scope(user))
        .options(contains_eager(Contact.company))).first()
    if contact is None:
        raise NotFound(N_("No such contact."))
    return contact


def create(session: Session, user: User, company_id: int, data: ContactData) -> Contact:
    """Add a contact to a company the user may see."""
    company = access.visible_company(session, user, company_id)
    values = validate(session, company, data)
    contact = Contact(company_id=company.id, **values)
    session.add(contact)
    session.flush()
    return contact


def update(session: Session, contact: Contact, data: ContactData, *,
           expected_version: int | None = None) -> Contact:
    """Apply an edit; refuse it if someone saved the contact since it was opened."""
    fields.check_version(contact, expected_version)
    values = validate(session, contact.company, data, contact.id)
    for key, value in values.items():
        if key == "source" and data.source == "manual":
            continue  # keep where the contact was first found
        setattr(contact, key, value)
    fields.flush(session)
    return contact


def delete(session: Session, contact: Contact, *, expected_version: int | None = None) -> None:
    """Remove a contact (the audit log keeps what it held)."""
    fields.check_version(contact, expected_version)
    session.delete(contact)
    fields.flush(session)


def data_of(contact: Contact) -> ContactData:
    """Return the editable fields of a contact, e.g. to pre-fill a form."""
    return ContactData(name=contact.name, title=contact.title, department=contact.department,
                       mobile=contact.mobile, landline=contact.landline, email=contact.email,
                       wechat=contact.wechat, notes=contact.notes, source=contact.source)


def filtered(user: User, filters: ContactFilters) -> Select[Any]:
    """Return the select of contacts of visible companies that match, newest first.

    The query matches a part of the name, e-mail or WeChat id, or the digits of a phone.
    """
    stmt = (select(Contact).join(Company, Contact.company_id == Company.id)
            .where(access.company_scope(user)).options(contains_eager(Contact.company)))
    if filters.company_id:
        stmt = stmt.where(Contact.company_id == filters.company_id)
    query = (filters.query or "").strip()
    if query:
        folded = query.lower()
        conditions = [func.lower(Contact.name).contains(folded, autoescape=True),
                      func.lower(Contact.email).contains(folded, autoescape=True),
                      func.lower(Contact.wechat).contains(folded, autoescape=True)]
        digits = "".join(ch for ch in query if ch.isdigit())
        if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "").replace("-", "")) - 4:
            national = digits.removeprefix("86") if query.lstrip().startswith("+") else digits
            national = national.lstrip("0") or national
            conditions += [Contact.mobile_e164.contains(national, autoescape=True),
                           Contact.landline_e164.contains(national, autoescape=True),
                           Contact.mobile.contains(digits, autoescape=True),
                           Contact.landline.contains(digits, autoescape=True)]
        stmt = stmt.where(or_(*conditions))
    return stmt.order_by(Contact.id.desc())


def find(session: Session, user: User, filters: ContactFilters, page: int = 1,
         per_page: int = 50) -> Page[Contact]:
    """Return one page of the contacts the user sees that match the filters."""
    return paginate(session, filtered(user, filters), page, per_page)
