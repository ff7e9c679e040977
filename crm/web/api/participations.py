"""Participations (参展记录) through the API: who exhibited where, with which booth.

A participation is seen only through its company, like the company's contacts.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields, validate

from crm.models import BoothType, ExhibitorOrigin
from crm.services import access, exhibitions
from crm.services.errors import N_, NotFound, ValidationFailed
from crm.services.paging import paginate
from crm.web import database
from crm.web.api.base import Blueprint, current_user
from crm.web.api.schemas import (
    ID_RULE,
    DeleteArgs,
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

bp = Blueprint("api_participations", __name__, url_prefix="/api/v1",
               description="Participations (参展记录): a company's booth at a show.")

MAX_AREA = Decimal("99999999.99")  # Numeric(10, 2)


class Participation(ma.Schema):
    id = fields.Integer(required=True)
    exhibition_id = fields.Integer(required=True)
    exhibition_name = fields.String(attribute="exhibition.display_name", required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(attribute="company.display_name", required=True)
    booth_no = fields.String(allow_none=True)
    hall = fields.String(allow_none=True)
    area_m2 = fields.Decimal(as_string=True, allow_none=True, metadata={
        "type": "string", "format": "decimal", "description": "Booth area in m², e.g. \"54.00\"."})
    booth_type = fields.String(allow_none=True, metadata={"enum": [*BoothType, None]})
    origin = fields.String(allow_none=True, metadata={"enum": [*ExhibitorOrigin, None]})
    pavilion_id = fields.Integer(allow_none=True)
    builder_id = fields.Integer(allow_none=True, metadata={
        "description": "The company that built the booth (展览同行)."})
    source = fields.String(required=True)
    notes = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


ParticipationPage = page_of(Participation, "ParticipationPage")


class ParticipationFields(ma.Schema):
    company_id = ref(metadata={"description": "The exhibitor; a company you may see."})
    booth_no = text(50)
    hall = text(50)
    area_m2 = fields.Decimal(allow_none=True, allow_nan=False,
                             validate=validate.Range(min=Decimal(0), max=MAX_AREA),
                             metadata={"description": "m², not negative; a number or a "
                                                      "numeric string.",
                                       "minimum": 0, "maximum": float(MAX_AREA)})
    booth_type = choice(BoothType, allow_none=True)
    origin = choice(ExhibitorOrigin, allow_none=True)
    pavilion_id = ref()
    builder_id = ref()
    notes = text(5000)


class ParticipationCreate(ParticipationFields):
    """A company's booth at a show; one per show, company and booth number."""

    exhibition_id = ref(required=True)
    company_id = ref(required=True, metadata={"description": "The exhibitor; a company you may see."})


class ParticipationPatch(ParticipationFields):
    """The fields to change (the show stays)."""

    version = version_field(required=True, metadata={
        "description": "The version you read; a newer one on the server gives 409."})


class ParticipationFilterArgs(PageArgs):
    booth_type = choice(BoothType)
    origin = choice(ExhibitorOrigin)
    hall = Text(validate=validate.Length(max=50))
    pavilion_id = query_id()


class ParticipationListArgs(ParticipationFilterArgs):
    exhibition_id = query_id()
    company_id = query_id()


def _find(args: dict[str, Any], *, exhibition_id: int | None, company_id: int | None):
    filters = exhibitions.ParticipationFilters(
        booth_type=args.get("booth_type"), hall=args.get("hall"), origin=args.get("origin"),
        pavilion_id=args.get("pavilion_id"))
    stmt = exhibitions.participations_of(current_user(), exhibition_id=exhibition_id,
                                         company_id=company_id, filters=filters)
    return dump_page(paginate(database.session(), stmt, args["page"], args["per_page"]))


@bp.route("/participations", methods=["GET"])
@bp.operation("List participations of the companies you may see")
@bp.arguments(ParticipationListArgs, location="query")
@bp.response(200, ParticipationPage)
def list_participations(args: dict[str, Any]):
    """Filter by show (`exhibition_id`) or company (`company_id`); latest show first."""
    return _find(args, exhibition_id=args.get("exhibition_id"), company_id=args.get("company_id"))


@bp.route(f"/exhibitions/<{ID_RULE}:exhibition_id>/participations", methods=["GET"])
@bp.operation("List a show's exhibitors you may see")
@bp.arguments(ParticipationFilterArgs, location="query")
@bp.response(200, ParticipationPage)
def list_exhibition_participations(args: dict[str, Any], exhibition_id: int):
    exhibition = exhibitions.get_exhibition(database.session(), exhibition_id)
    return _find(args, exhibition_id=exhibition.id, company_id=None)


@bp.route(f"/companies/<{ID_RULE}:company_id>/participations", methods=["GET"])
@bp.operation("List a company's participations")
@bp.arguments(ParticipationFilterArgs, location="query")
@bp.response(200, ParticipationPage)
def list_company_participations(args: dict[str, Any], company_id: int):
    company = access.visible_company(database.session(), current_user(), company_id)
    return _find(args, exhibition_id=None, company_id=company.id)


@bp.route(f"/participations/<{ID_RULE}:participation_id>", methods=["GET"])
@bp.operation("Read a participation")
@bp.response(200, Participation)
def get_participation(participation_id: int):
    return exhibitions.visible_participation(database.session(), current_user(),
                                             participation_id)


def _data(body: dict[str, Any], base: exhibitions.ParticipationData | None = None):
    data = base or exhibitions.ParticipationData()
    for key, value in body.items():
        setattr(data, key, value)
    return data


@bp.route("/participations", methods=["POST"])
@bp.operation("List a company as an exhibitor of a show")
@bp.arguments(ParticipationCreate, example={
    "exhibition_id": 1, "company_id": 1, "booth_no": "5.1B20", "hall": "5.1", "area_m2": 54,
    "booth_type": "special", "origin": "domestic"})
@bp.response(201, Participation)
def create_participation(body: dict[str, Any]):
    user = current_user()
    access.require(user, "participation.edit")
    s = database.session()
    try:
        exhibition = exhibitions.get_exhibition(s, body.pop("exhibition_id"))
    except NotFound as exc:
        error = ValidationFailed({"exhibition_id": [N_("No such show.")]})
        error.field = "exhibition_id"
        raise error from exc
    participation = exhibitions.create_participation(
        s, user, exhibition, _data(body, exhibitions.ParticipationData(source=f"api:{user.username}")))
    s.commit()
    return participation


@bp.route(f"/participations/<{ID_RULE}:participation_id>", methods=["PATCH"])
@bp.operation("Change some fields of a participation")
@bp.arguments(ParticipationPatch, example={"area_m2": "72.50", "version": 1})
@bp.response(200, Participation)
def patch_participation(body: dict[str, Any], participation_id: int):
    user = current_user()
    access.require(user, "participation.edit")
    s = database.session()
    participation = exhibitions.visible_participation(s, user, participation_id)
    expected = body.pop("version")
    data = _data(body, exhibitions.participation_data(participation))
    exhibitions.update_participation(s, user, participation, data, expected_version=expected)
    s.commit()
    return participation


@bp.route(f"/participations/<{ID_RULE}:participation_id>", methods=["DELETE"])
@bp.operation("Delete a participation")
@bp.arguments(DeleteArgs, location="query")
@bp.response(204)
def delete_participation(args: dict[str, Any], participation_id: int):
    user = current_user()
    access.require(user, "participation.edit")
    s = database.session()
    exhibitions.delete_participation(
        s, exhibitions.visible_participation(s, user, participation_id),
        expected_version=args.get("version"))
    s.commit()
    return Response(status=204)
