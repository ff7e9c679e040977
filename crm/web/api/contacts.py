"""Contacts (联系人) through the API; a contact is seen only through its company."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields, validate

from crm.services import access, contacts
from crm.web import database
from crm.web.api.base import Blueprint, current_user
from crm.web.api.schemas import (
    ID_RULE,
    DeleteArgs,
    PageArgs,
    Text,
    dump_page,
    page_of,
    query_id,
    ref,
    text,
    version_field,
)

bp = Blueprint("api_contacts", __name__, url_prefix="/api/v1",
               description="Contacts (联系人): people at the companies you may see.")


class Contact(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(attribute="company.display_name", required=True)
    name = fields.String(required=True)
    title = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True, metadata={"description": "As typed."})
    mobile_e164 = fields.String(allow_none=True)
    landline = fields.String(allow_none=True, metadata={"description": "As typed."})
    landline_e164 = fields.String(allow_none=True)
    landline_ext = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    wechat = fields.String(allow_none=True)
    source = fields.String(required=True)
    notes = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


ContactPage = page_of(Contact, "ContactPage")


class ContactFields(ma.Schema):
    name = text(100)
    title = text(100)
    department = text(100)
    mobile = text(60, metadata={"description": "A mobile number; +86 is assumed for national numbers."})
    landline = text(60, metadata={"description": "A landline, with an extension (转 123) if any."})
    email = text(200)
    wechat = text(100)
    notes = text(5000)


class ContactCreate(ContactFields):
    company_id = ref(required=True)
    name = text(100, required=True)


class ContactPatch(ContactFields):
    """The fields to change."""

    version = version_field(required=True, metadata={
        "description": "The version you read; a newer one on the server gives 409."})


class ContactListArgs(PageArgs):
    q = Text(validate=validate.Length(max=200), metadata={
        "description": "Part of the name, e-mail or WeChat id, or phone digits."})
    company_id = query_id()


def _find(args: dict[str, Any], company_id: int | None):
    filters = contacts.ContactFilters(query=args.get("q") or "", company_id=company_id)
    return dump_page(contacts.find(database.session(), current_user(), filters,
                                   page=args["page"], per_page=args["per_page"]))


@bp.route("/contacts", methods=["GET"])
@bp.operation("List the contacts of the companies you may see")
@bp.arguments(ContactListArgs, location="query")
@bp.response(200, ContactPage)
def list_contacts(args: dict[str, Any]):
    """Newest first."""
    return _find(args, args.get("company_id"))


@bp.route(f"/companies/<{ID_RULE}:company_id>/contacts", methods=["GET"])
@bp.operation("List a company's contacts")
@bp.arguments(ContactListArgs(exclude=("company_id",)), location="query")
@bp.response(200, ContactPage)
def list_company_contacts(args: dict[str, Any], company_id: int):
    company = access.visible_company(database.session(), current_user(), company_id)
    return _find(args, company.id)


@bp.route(f"/contacts/<{ID_RULE}:contact_id>", methods=["GET"])
@bp.operation("Read a contact")
@bp.response(200, Contact)
def get_contact(contact_id: int):
    return contacts.visible_contact(database.session(), current_user(), contact_id)


@bp.route("/contacts", methods=["POST"])
@bp.operation("Add a contact to a company")
@bp.arguments(ContactCreate, example={
    "company_id": 1, "name": "王伟", "title": "市场经理", "mobile": "138 1234 5678",
    "landline": "021-62345678 转 8001", "email": "wang.wei@example.com"})
@bp.response(201, Contact)
def create_contact(body: dict[str, Any]):
    """Phones are normalised; the same mobile or e-mail twice at one company is a 409."""
    user = current_user()
    access.require(user, "contact.edit")
    s = database.session()
    company_id = body.pop("company_id")
    contact = contacts.create(s, user, company_id,
                              contacts.ContactData(source=f"api:{user.username}", **body))
    s.commit()
    return contact


@bp.route(f"/contacts/<{ID_RULE}:contact_id>", methods=["PATCH"])
@bp.operation("Change some fields of a contact")
@bp.arguments(ContactPatch, example={"title": "总经理", "version": 1})
@bp.response(200, Contact)
def patch_contact(body: dict[str, Any], contact_id: int):
    user = current_user()
    access.require(user, "contact.edit")
    s = database.session()
    contact = contacts.visible_contact(s, user, contact_id)
    expected = body.pop("version")
    data = contacts.data_of(contact)
    for key, value in body.items():
        setattr(data, key, value)
    contacts.update(s, contact, data, expected_version=expected)
    s.commit()
    return contact


@bp.route(f"/contacts/<{ID_RULE}:contact_id>", methods=["DELETE"])
@bp.operation("Delete a contact")
@bp.arguments(DeleteArgs, location="query")
@bp.response(204)
def delete_contact(args: dict[str, Any], contact_id: int):
    user = current_user()
    access.require(user, "contact.edit")
    s = database.session()
    contacts.delete(s, contacts.visible_contact(s, user, contact_id),
                    expected_version=args.get("version"))
    s.commit()
    return Response(status=204)
