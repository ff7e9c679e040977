"""Shows (展会) through the API: reference data every role reads, intelligence edits."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm.models import ValueRating
from crm.services import access, exhibitions
from crm.web import database
from crm.web.api.base import Blueprint, current_user
from crm.web.api.schemas import (
    ID_RULE,
    PageArgs,
    StrictInteger,
    Text,
    choice,
    dump_page,
    page_of,
    query_id,
    ref,
    text,
    version_field,
)

bp = Blueprint("api_exhibitions", __name__, url_prefix="/api/v1",
               description="Shows (展会): one record per edition (name and year).")

YEARS = validate.Range(min=exhibitions.MIN_YEAR, max=exhibitions.MAX_YEAR)


class Exhibition(ma.Schema):
    id = fields.Integer(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    year = fields.Integer(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    city = fields.String(allow_none=True)
    venue_id = fields.Integer(allow_none=True)
    halls = fields.String(allow_none=True)
    organizer_id = fields.Integer(allow_none=True)
    industry_id = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)
    value_rating = fields.String(allow_none=True, metadata={"description": "A, B or C"})
    value_note = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


ExhibitionPage = page_of(Exhibition, "ExhibitionPage")


class ExhibitionFields(ma.Schema):
    name_zh = text(300)
    name_en = text(300)
    year = StrictInteger(allow_none=True, validate=YEARS, metadata={
        "description": "The edition's year; taken from starts_on when not given."})
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True, metadata={"description": "Not before starts_on."})
    city = text(50)
    venue_id = ref()
    halls = text(300)
    organizer_id = ref(metadata={"description": "The organising company."})
    industry_id = ref()
    region = text(50)
    value_rating = choice(ValueRating, allow_none=True)
    value_note = text(5000)
    website = text(300)
    notes = text(5000)


class ExhibitionCreate(ExhibitionFields):
    """A new edition; name_zh and year (or starts_on) are unique together."""

    name_zh = text(300, required=True)


class ExhibitionPatch(ExhibitionFields):
    """The fields to change."""

    version = version_field(required=True, metadata={
        "description": "The version you read; a newer one on the server gives 409."})


class ExhibitionListArgs(PageArgs):
    q = Text(validate=validate.Length(max=200), metadata={
        "description": "Part of the Chinese or English name."})
    year = fields.Integer(validate=YEARS)
    industry_id = query_id()
    venue_id = query_id()
    city = Text(validate=validate.Length(max=50))


@bp.route("/exhibitions", methods=["GET"])
@bp.operation("List shows")
@bp.arguments(ExhibitionListArgs, location="query")
@bp.response(200, ExhibitionPage)
def list_exhibitions(args: dict[str, Any]):
    """Latest first."""
    access.require(current_user(), "exhibition.view")
    page, per_page = args.pop("page"), args.pop("per_page")
    filters = exhibitions.ExhibitionFilters(query=args.pop("q", "") or "", **args)
    return dump_page(exhibitions.find_exhibitions(database.session(), filters, page=page,
                                                  per_page=per_page))


@bp.route(f"/exhibitions/<{ID_RULE}:exhibition_id>", methods=["GET"])
@bp.operation("Read a show")
@bp.response(200, Exhibition)
def get_exhibition(exhibition_id: int):
    access.require(current_user(), "exhibition.view")
    return exhibitions.get_exhibition(database.session(), exhibition_id)


@bp.route("/exhibitions", methods=["POST"])
@bp.operation("Create a show")
@bp.arguments(ExhibitionCreate, example={
    "name_zh": "中国国际示例展览会", "name_en": "China International Example Fair", "year": 2027,
    "starts_on": "2027-04-20", "ends_on": "2027-04-23", "city": "上海", "value_rating": "A"})
@bp.response(201, Exhibition)
def create_exhibition(body: dict[str, Any]):
    """The same name in the same year is a 409 naming the existing show."""
    access.require(current_user(), "exhibition.edit")
    s = database.session()
    exhibition = exhibitions.create_exhibition(s, exhibitions.ExhibitionData(**body))
    s.commit()
    return exhibition


@bp.route(f"/exhibitions/<{ID_RULE}:exhibition_id>", methods=["PATCH"])
@bp.operation("Change some fields of a show")
@bp.arguments(ExhibitionPatch, example={"halls": "1.1-8.2", "version": 1})
@bp.response(200, Exhibition)
def patch_exhibition(body: dict[str, Any], exhibition_id: int):
    access.require(current_user(), "exhibition.edit")
    s = database.session()
    exhibition = exhibitions.get_exhibition(s, exhibition_id)
    expected = body.pop("version")
    data = exhibitions.exhibition_data(exhibition)
    for key, value in body.items():
        setattr(data, key, value)
    exhibitions.update_exhibition(s, exhibition, data, expected_version=expected)
    s.commit()
    return exhibition
