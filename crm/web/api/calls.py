"""The call queue and leads through the API, so a softphone or a phone app can drive them.

Telesales: read the outcomes, see the queue, claim the next call, log its outcome (or
release it). Supervisors: list and assign leads. Executors: list and accept their leads.
Every rule lives in crm.services.calls and crm.services.leads; these views translate HTTP.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields, validate
from sqlalchemy import select

from crm.db import utcnow
from crm.models import Company, LeadSource, LeadStatus, User
from crm.services import access, calls, leads, workdays
from crm.services.errors import N_
from crm.web import database
from crm.web.api.base import Blueprint, current_user
from crm.web.api.schemas import (
    ID_RULE,
    MAX_ID,
    PageArgs,
    StrictInteger,
    choice,
    dump_page,
    page_of,
    query_id,
    ref,
    text,
)

bp = Blueprint("api_calls", __name__, url_prefix="/api/v1",
               description="The telesales call queue (电话销售) and leads (线索): claim, log, "
                           "assign, accept.")


# --- schemas ---------------------------------------------------------------------------

class Outcome(ma.Schema):
    code = fields.String(required=True, metadata={"description": "What log-outcome expects."})
    label_zh = fields.String(required=True)
    label_en = fields.String(required=True)
    hotkey = fields.String(allow_none=True)
    bucket = fields.String(required=True, metadata={
        "description": "meeting, requirements, materials or none (the Monday meeting's count)."})
    creates_lead = fields.Boolean(required=True)
    creates_mailing = fields.Boolean(required=True)
    flags_wrong_number = fields.Boolean(required=True)
    needs_callback_time = fields.Boolean(required=True, metadata={
        "description": "log-outcome then requires callback_at."})
    reached = fields.Boolean(required=True)


class Claim(ma.Schema):
    """A call you hold until expires_at; send its attempt back with the outcome."""

    item_id = fields.Integer(required=True)
    list_id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(required=True)
    attempt = fields.Integer(required=True, metadata={
        "description": "The claim number; an outcome for an older claim is refused."})
    claimed_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    callback_at = fields.DateTime(allow_none=True, metadata={
        "description": "Set when this is a callback you promised for this time."})


class QueuedCallback(ma.Schema):
    item_id = fields.Integer(attribute="id", required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(attribute="company.display_name", required=True)
    status = fields.String(required=True)
    callback_at = fields.DateTime(allow_none=True)


class ListCount(ma.Schema):
    list_id = fields.Integer(required=True)
    name = fields.String(required=True)
    shared = fields.Boolean(required=True, metadata={"description": "The shared pool."})
    queued = fields.Integer(required=True)
    callbacks_due = fields.Integer(required=True)


class Queue(ma.Schema):
    current = fields.Nested(Claim, allow_none=True, metadata={
        "description": "The call you hold now, if any."})
    callbacks = fields.List(fields.Nested(QueuedCallback), required=True, metadata={
        "description": "Callbacks you promised, soonest first."})
    lists = fields.List(fields.Nested(ListCount), required=True)
    waiting = fields.Integer(required=True)


class ClaimArgs(ma.Schema):
    list_id = ref(metadata={"description": "Claim from this list only (default: your lists, "
                                           "then the shared pool)."})


class OutcomeArgs(ma.Schema):
    outcome = text(40, required=True, metadata={
        "description": "An outcome code from GET /api/v1/calls/outcomes."})
    note = text(calls.NOTE_MAX)
    callback_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When to call back (with its time zone); required by call_back."})
    attempt = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "The claim's attempt, to refuse a stale "
                                                     "or repeated submit."})
    contact_id = ref(metadata={"description": "The person spoken to."})
    phone_id = ref(metadata={"description": "The company number dialled (needed for a wrong "
                                            "number when the company has several)."})


class CallOut(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    user_id = fields.Integer(allow_none=True)
    outcome = fields.String(required=True)
    bucket = fields.String(required=True)
    reached = fields.Boolean(required=True)
    note = fields.String(allow_none=True)
    at = fields.DateTime(required=True)
    callback_at = fields.DateTime(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    attempt = fields.Integer(allow_none=True)


class Logged(ma.Schema):
    call = fields.Nested(CallOut, required=True)
    item_status = fields.String(required=True, metadata={
        "description": "done, or callback when the company comes back (call back, retry)."})
    lead_id = fields.Integer(allow_none=True, metadata={"description": "The lead opened."})
    conflict_id = fields.Integer(allow_none=True, metadata={
        "description": "Set instead of lead_id when the company already had an open lead."})
    mailing_id = fields.Integer(allow_none=True)
    flagged_phone_ids = fields.List(fields.Integer(), required=True)


class LeadOut(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(attribute="company.display_name", required=True)
    source = fields.String(required=True)
    bucket = fields.String(allow_none=True)
    status = fields.String(required=True)
    executor_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    accept_by = fields.DateTime(allow_none=True, metadata={
        "description": "Accept before this or the lead returns to the supervisor."})
    accepted_at = fields.DateTime(allow_none=True)
    next_step = fields.String(allow_none=True)
    next_step_due = fields.Date(allow_none=True)
    overdue = fields.Function(lambda lead: lead.is_overdue(workdays.local_date(utcnow())),
                              metadata={"type": "boolean"})
    first_contact_at = fields.DateTime(allow_none=True)
    first_visit_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    close_reason = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


LeadPage = page_of(LeadOut, "LeadPage")


class LeadListArgs(PageArgs):
    status = choice(list(LeadStatus))
    source = choice(list(LeadSource))
    executor_id = query_id()
    company_id = query_id()
    overdue = fields.Boolean(load_default=False, metadata={
        "description": "Only open leads whose next step is past due."})
    unassigned = fields.Boolean(load_default=False, metadata={
        "description": "Only leads waiting for the supervisor."})


class AssignArgs(ma.Schema):
    executor_id = ref(required=True, metadata={"description": "An active executor, not absent."})
    reason = text(leads.TEXT_MAX)
    force = fields.Boolean(load_default=False, metadata={
        "description": "Exceed the executor's daily cap."})


# --- the queue -------------------------------------------------------------------------

def _claim_out(claim: calls.Claim) -> dict[str, Any]:
    names = database.session().execute(select(Company.name_zh, Company.name_en).where(
        Company.id == claim.company_id)).first()
    name = (names[0] or names[1]) if names else None
    return {**asdict(claim), "company_name": name or f"#{claim.company_id}"}


@bp.route("/calls/outcomes", methods=["GET"])
@bp.operation("List the call outcomes, in screen order")
@bp.response(200, Outcome(many=True))
def list_outcomes():
    access.require(current_user(), "call.work")
    return calls.outcomes(database.session())


@bp.route("/calls/queue", methods=["GET"])
@bp.operation("Your queue: the call you hold, your callbacks, what waits per list")
@bp.response(200, Queue)
def my_queue():
    user = current_user()
    access.require(user, "call.work")
    queue = calls.my_queue(database.session(), user)
    return {"current": _claim_out(queue.current) if queue.current else None,
            "callbacks": queue.callbacks, "lists": [asdict(c) for c in queue.lists],
            "waiting": queue.waiting}


@bp.route("/calls/claims", methods=["POST"])
@bp.operation("Claim the next call (or get back the one you hold)")
@bp.arguments(ClaimArgs, example={})
@bp.response(200, Claim)
@bp.alt_response(204, description="Nothing to call now.")
def claim_next(body: dict[str, Any]):
    """Atomic: two people never get the same company. The claim lasts calls.claim_minutes."""
    user = current_user()
    s = database.session()
    claim = calls.claim_next(s, user, list_id=body.get("list_id"))
    s.commit()
    if claim is None:
        return Response(status=204)
    return _claim_out(claim)


@bp.route(f"/calls/claims/<{ID_RULE}:item_id>/outcome", methods=["POST"])
@bp.operation("Log the outcome of the call you hold")
@bp.arguments(OutcomeArgs, example={"outcome": "meeting_possible", "note": "王经理周三下午可见",
                                    "attempt": 1})
@bp.response(201, Logged)
def log_outcome(body: dict[str, Any], item_id: int):
    """Refused when the claim expired (409 claim_expired), is someone else's (403
    not_yours) or was logged already (409 already_logged): nothing is recorded twice."""
    user = current_user()
    s = database.session()
    logged = calls.log_outcome(s, item_id, user, body["outcome"], body.get("note"),
                               callback_at=body.get("callback_at"),
                               contact_id=body.get("contact_id"), phone_id=body.get("phone_id"),
                               attempt=body.get("attempt"))
    s.commit()
    return {"call": logged.call, "item_status": logged.item_status,
            "lead_id": logged.lead.id if logged.lead else None,
            "conflict_id": logged.conflict.id if logged.conflict else None,
            "mailing_id": logged.mailing.id if logged.mailing else None,
            "flagged_phone_ids": logged.flagged_phone_ids}


@bp.route(f"/calls/claims/<{ID_RULE}:item_id>/release", methods=["POST"])
@bp.operation("Give the call you hold back to the queue, without an outcome")
@bp.response(204)
def release(item_id: int):
    s = database.session()
    calls.release_claim(s, item_id, current_user())
    s.commit()
    return Response(status=204)


# --- leads -----------------------------------------------------------------------------

@bp.route("/leads", methods=["GET"])
@bp.operation("List the leads you may see")
@bp.arguments(LeadListArgs, location="query")
@bp.response(200, LeadPage)
def list_leads(args: dict[str, Any]):
    """Supervisors see every lead; executors theirs; telesales those their calls opened."""
    user = current_user()
    access.require(user, "lead.view")
    filters = leads.LeadFilters(status=args.get("status"), source=args.get("source"),
                                executor_id=args.get("executor_id"),
                                company_id=args.get("company_id"), overdue=args["overdue"],
                                unassigned=args["unassigned"])
    return dump_page(leads.find(database.session(), user, filters, page=args["page"],
                                per_page=args["per_page"]))


@bp.route(f"/leads/<{ID_RULE}:lead_id>", methods=["GET"])
@bp.operation("Read a lead")
@bp.response(200, LeadOut)
def get_lead(lead_id: int):
    user = current_user()
    access.require(user, "lead.view")
    return leads.visible_lead(database.session(), user, lead_id)


@bp.route(f"/leads/<{ID_RULE}:lead_id>/assign", methods=["POST"])
@bp.operation("Assign (or reassign) a lead to an executor")
@bp.arguments(AssignArgs, example={"executor_id": 5, "reason": "熟悉医疗器械行业"})
@bp.response(200, LeadOut)
def assign(body: dict[str, Any], lead_id: int):
    """422 naming executor_id for a non-executor, an inactive or absent executor, or a
    reached daily cap (unless force)."""
    user = current_user()
    access.require(user, "lead.assign")
    s = database.session()
    lead = leads.visible_lead(s, user, lead_id)
    executor = s.get(User, body["executor_id"])
    if executor is None:
        raise leads.NotAnExecutor(N_("No such user."))
    leads.assign(s, lead, executor, user, reason=body.get("reason"), force=body["force"])
    s.commit()
    return lead


@bp.route(f"/leads/<{ID_RULE}:lead_id>/accept", methods=["POST"])
@bp.operation("Accept a lead assigned to you")
@bp.response(200, LeadOut)
def accept(lead_id: int):
    """409 accept_expired after the deadline; 403 when the lead is someone else's."""
    user = current_user()
    access.require(user, "lead.follow")
    s = database.session()
    lead = leads.visible_lead(s, user, lead_id)
    leads.accept(s, lead, user)
    s.commit()
    return lead
