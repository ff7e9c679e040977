"""Companies through the API: list and search, read, create, edit, delete."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields, validate

from crm.models import BoothType, CompanyKind, Role
from crm.services import access, companies
from crm.services.errors import N_, Forbidden
from crm.web import database
from crm.web.api.base import Blueprint, current_user
from crm.web.api.schemas import (
    ID_RULE,
    PageArgs,
    Text,
    choice,
    dump_page,
    page_of,
    query_id,
    ref,
    text,
    version_field,
)

bp = Blueprint("api_companies", __name__, url_prefix="/api/v1",
               description="Companies (公司): exhibitors, organizers, competitors …")

NOTES_MAX = 10_000
LIST_MAX = 50


class Alias(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    script = fields.String(required=True, metadata={"description": "zh, en or pinyin"})
    source = fields.String(required=True)
    source_url = fields.String(allow_none=True)
    seen_at = fields.DateTime(required=True)


class Phone(ma.Schema):
    id = fields.Integer(required=True)
    raw = fields.String(required=True, metadata={"description": "As typed."})
    e164 = fields.String(allow_none=True, metadata={"description": "Normalised, e.g. +862188888888."})
    extension = fields.String(allow_none=True)
    kind = fields.String(required=True, metadata={"description": "mobile, landline or fax"})
    source = fields.String(required=True)


class Email(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    domain = fields.String(required=True)
    source = fields.String(required=True)


class CompanySummary(ma.Schema):
    """A company as listed."""

    id = fields.Integer(required=True)
    name_zh = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    credit_code = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    country = fields.String(required=True)
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    industry_id = fields.Integer(allow_none=True)
    is_key_client = fields.Boolean(required=True)
    owner_id = fields.Integer(allow_none=True)
    kinds = fields.List(fields.String(), attribute="kind_values", required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class Company(CompanySummary):
    """A company with every name it was seen under, its phones and e-mails."""

    address = fields.String(allow_none=True)
    website_domain = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    aliases = fields.List(fields.Nested(Alias), required=True)
    phones = fields.List(fields.Nested(Phone), required=True)
    emails = fields.List(fields.Nested(Email), required=True)


CompanyPage = page_of(CompanySummary, "CompanyPage")


class CompanyFields(ma.Schema):
    name_zh = text(300, metadata={"description": "Chinese name; give this or name_en."})
    name_en = text(300)
    credit_code = text(40, metadata={"description": "Unified social credit code (18 characters)."})
    country = Text(validate=validate.Regexp(r"^[A-Za-z]{2}$"),
                   metadata={"description": "ISO 3166 two-letter code; default CN."})
    province = text(50)
    city = text(50)
    address = text(500)
    website = text(300)
    industry_id = ref()
    is_key_client = fields.Boolean()
    owner_id = ref(metadata={"description": "Only supervisors, GM and admin may set it."})
    notes = text(NOTES_MAX)
    kinds = fields.List(choice(CompanyKind), validate=validate.Length(max=len(CompanyKind)))
    phones = fields.List(Text(validate=validate.Length(min=1, max=60)),
                         validate=validate.Length(max=LIST_MAX),
                         metadata={"description": "Phones as typed; normalised to E.164 (+86 default)."})
    emails = fields.List(Text(validate=validate.Length(min=1, max=200)),
                         validate=validate.Length(max=LIST_MAX))


class CompanyCreate(CompanyFields):
    """A new company; fields not given take their defaults."""


class CompanyPatch(CompanyFields):
    """The fields to change; lists (kinds, phones, emails) replace the whole list."""

    version = version_field(required=True, metadata={
        "description": "The version you read; a newer one on the server gives 409."})


class CompanyListArgs(PageArgs):
    q = Text(validate=validate.Length(max=200), metadata={
        "description": "Search: Chinese name part, English word, pinyin or initials, phone digits."})
    industry_id = query_id()
    kind = choice(CompanyKind)
    country = Text(validate=validate.Length(max=2))
    province = Text(validate=validate.Length(max=50))
    city = Text(validate=validate.Length(max=50))
    is_key_client = fields.Boolean()
    owner_id = query_id()
    unassigned = fields.Boolean(metadata={"description": "Only companies nobody owns."})
    exhibition_id = query_id(metadata={"description": "Only exhibitors of this show."})
    booth_type = choice(BoothType)


@bp.route("/companies", methods=["GET"])
@bp.operation("List and search the companies you may see")
@bp.arguments(CompanyListArgs, location="query")
@bp.response(200, CompanyPage)
def list_companies(args: dict[str, Any]):
    """Newest first; `q` searches names, aliases, pinyin and phones."""
    page, per_page = args.pop("page"), args.pop("per_page")
    if args.get("country"):
        args["country"] = args["country"].upper()
    filters = companies.CompanyFilters(
        query=args.pop("q", "") or "", unassigned=args.pop("unassigned", False), **args)
    found = companies.find(database.session(), current_user(), filters, page=page,
                           per_page=per_page)
    return dump_page(found)


@bp.route(f"/companies/<{ID_RULE}:company_id>", methods=["GET"])
@bp.operation("Read a company")
@bp.response(200, Company)
def get_company(company_id: int):
    return access.visible_company(database.session(), current_user(), company_id)


def _owner_for_new(user, body: dict[str, Any]) -> int | None:
    default = user.id if Role(user.role) == Role.EXECUTOR else None
    wanted = body.get("owner_id", default)
    if wanted != default and not access.can(user, "company.assign_owner"):
        raise Forbidden(N_("Your role may not choose a company's owner."), field="owner_id")
    return wanted


@bp.route("/companies", methods=["POST"])
@bp.operation("Create a company")
@bp.arguments(CompanyCreate, example={
    "name_zh": "上海示例展览展示有限公司", "name_en": "Shanghai Example Exhibition Co., Ltd.",
    "country": "CN", "province": "上海市", "city": "上海", "website": "www.example.com",
    "phones": ["021-62345678 转 801"], "emails": ["info@example.com"], "kinds": ["exhibitor"]})
@bp.response(201, Company)
def create_company(body: dict[str, Any]):
    user = current_user()
    access.require(user, "company.create")
    body["owner_id"] = _owner_for_new(user, body)
    s = database.session()
    company = companies.create(s, companies.CompanyData(**body),
                               source=f"api:{user.username}")
    s.commit()
    return company


@bp.route(f"/companies/<{ID_RULE}:company_id>", methods=["PATCH"])
@bp.operation("Change some fields of a company")
@bp.arguments(CompanyPatch, example={"city": "上海", "is_key_client": True, "version": 1})
@bp.response(200, Company)
def patch_company(body: dict[str, Any], company_id: int):
    user = current_user()
    access.require(user, "company.edit")
    s = database.session()
    company = access.visible_company(s, user, company_id)
    if not access.may_edit_company(user, company):
        raise Forbidden(N_("Your role may not do this."))
    if ("owner_id" in body and body["owner_id"] != company.owner_id
            and not access.can(user, "company.assign_owner")):
        raise Forbidden(N_("Your role may not choose a company's owner."), field="owner_id")
    expected = body.pop("version")
    data = companies.data_of(company)
    for key, value in body.items():
        setattr(data, key, value)
    companies.update(s, company, data, expected_version=expected,
                     source=f"api:{user.username}")
    s.commit()
    return company


@bp.route(f"/companies/<{ID_RULE}:company_id>", methods=["DELETE"])
@bp.operation("Delete a company (general manager and admin only)")
@bp.response(204)
def delete_company(company_id: int):
    """Its aliases, phones, e-mails, contacts and participations go with it (all audited).
    Refused with 409 while a show, a booth it built or a merged company still points at it."""
    user = current_user()
    access.require(user, "company.delete")
    s = database.session()
    companies.delete(s, access.visible_company(s, user, company_id))
    s.commit()
    return Response(status=204)
