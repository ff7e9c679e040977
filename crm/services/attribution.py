"""New or old client (新客户 / 老客户), decided once at an executor's first contact.

The company rule (管理制度 (八) B.1): "新客户和老客户的划分仅以该业务执行人员在第一次与客户
接洽为准" — the split is decided only by that executor's first contact with the client.

* **Old**: the company had a cooperation (contract, project …) with us *before that
  moment*: a cooperation signed on an earlier Shanghai date, or on the same date but
  recorded before the contact. Cooperations of companies merged into this one count.
* **New** otherwise, with its source: the source of the executor's lead for the company
  (telesales / market expansion, self-developed, inbound, referral, other channel), or
  self-developed when the executor reached it without a lead.

The decision is stored with its evidence (which cooperations were found, which lead gave
the source) and locked: later contracts never re-decide it. Only the general manager
changes it, with a reason; the audit log keeps before, after and the reason.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import (
    Classification,
    ClientAttribution,
    Company,
    Cooperation,
    Lead,
    LeadSource,
    Role,
    User,
)
from crm.models.leads import ContactKind
from crm.services import audit, merging, workdays
from crm.services.errors import N_, Forbidden, NotFound, ValidationFailed

RULE = ("old if the company had a cooperation signed before the first contact "
        "(an earlier date, or the same date and recorded earlier); else new with the "
        "source of the executor's lead (self_developed without a lead)")
REASON_MAX = 2000
CONTACT_KINDS = tuple(k.value for k in ContactKind)
CLASSIFICATIONS = tuple(c.value for c in Classification)
SOURCES = tuple(s.value for s in LeadSource)




def _company_ids(session: Session, company: Company) -> list[int]:
    """The company and every company merged into it (their history is its history)."""
    return [company.id, *merging.merged_ids(session, company.id)]


def cooperations_before(session: Session, company: Company, at: datetime) -> list[Cooperation]:
    """The cooperations with the company that existed before the moment `at`."""
    day = workdays.local_date(at)
    rows = session.scalars(select(Cooperation).where(
        Cooperation.company_id.in_(_company_ids(session, company)),
        Cooperation.signed_on <= day).order_by(Cooperation.signed_on, Cooperation.id))
    return [c for c in rows if c.signed_on < day or c.created_at < at]


def _lead_for(session: Session, company: Company, executor: User) -> Lead | None:
    return session.scalars(select(Lead).where(Lead.company_id == company.id,
                                              Lead.executor_id == executor.id)
                           .order_by(Lead.id.desc())).first()


def _coop_evidence(c: Cooperation) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "signed_on": c.signed_on.isoformat(),
            "amount": str(c.amount) if c.amount is not None else None,
            "reference": c.reference, "company_id": c.company_id}


def attribution_of(session: Session, company_id: int, executor_id: int) -> ClientAttribution | None:
    """Return the stored attribution of a company for an executor, if decided."""
    return session.scalars(select(ClientAttribution).where(
        ClientAttribution.company_id == company_id,
        ClientAttribution.executor_id == executor_id)).first()


def attributions_of(session: Session, company_id: int) -> list[ClientAttribution]:
    """Every executor's attribution of a company, first contact first."""
    return list(session.scalars(select(ClientAttribution).where(
        ClientAttribution.company_id == company_id).order_by(
        ClientAttribution.first_contact_at, ClientAttribution.id)))


def record_first_contact(session: Session, company: Company, executor: User, kind: str,
                         at: datetime, *, lead: Lead | None = None) -> ClientAttribution:
    """Classify the company new or old for this executor at their first contact; once.

    Returns the stored attribution unchanged when the executor contacted the company
    before (the first contact decides, later ones never do).
    """
    if Role(executor.role) not in (Role.EXECUTOR, Role.EXECUTION_SUPERVISOR):
        raise ValidationFailed.on("executor_id", N_("Only an executor's contact decides new or old."))
    if kind not in CONTACT_KINDS:
        raise ValidationFailed.on("kind", N_("A first contact is a call, a visit or an e-mail."))
    if at.tzinfo is None:
        raise ValidationFailed.on("at", N_("Give the time with its time zone."))
    existing = attribution_of(session, company.id, executor.id)
    if existing is not None:
        return existing
    earlier = cooperations_before(session, company, at)
    lead = lead or _lead_for(session, company, executor)
    source = lead.source if lead is not None else LeadSource.SELF_DEVELOPED.value
    classification = Classification.OLD if earlier else Classification.NEW
    evidence = {
        "rule": RULE,
        "first_contact": {"kind": kind, "at": at.isoformat(),
                          "local_date": workdays.local_date(at).isoformat()},
        "companies_checked": _company_ids(session, company),
        "cooperations_before": [_coop_evidence(c) for c in earlier],
        "lead": ({"id": lead.id, "source": lead.source, "status": lead.status}
                 if lead is not None else None),
        "source_from": "lead" if lead is not None else "no lead: self-developed",
    }
    row = ClientAttribution(company_id=company.id, executor_id=executor.id,
                            lead_id=lead.id if lead is not None else None,
                            classification=classification.value, source=source,
                            first_contact_at=at, first_contact_kind=kind, evidence=evidence,
                            locked=True, decided_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # The same first contact recorded at the same moment elsewhere: keep that one.
        found = attribution_of(session, company.id, executor.id)
        if found is None:
            raise
        return found
    return row


def override(session: Session, attribution: ClientAttribution, gm_user: User,
             classification: str, reason: str, *, source: str | None = None,
             now: datetime | None = None) -> ClientAttribution:
    """Change a locked attribution: the general manager only, with a reason (audited)."""
    if Role(gm_user.role) != Role.GENERAL_MANAGER:
        raise Forbidden(N_("Only the general manager may change a new/old classification."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.on("reason", N_("Give the reason for the change."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed.on("reason", N_("At most 2000 characters."))
    if classification not in CLASSIFICATIONS:
        raise ValidationFailed.on("classification", N_("Pick new or old."))
    if source is not None and source not in SOURCES:
        raise ValidationFailed.on("source", N_("Unknown lead source."))
    now = now or utcnow()
    before = {"classification": attribution.classification, "source": attribution.source}
    with audit.acting_as(audit.current_actor() or gm_user.id):
        if attribution.original_classification is None:
            attribution.original_classification = attribution.classification
        attribution.classification = classification
        if source is not None:
            attribution.source = source
        attribution.overridden_by_id = gm_user.id
        attribution.override_reason = reason
        attribution.overridden_at = now
        session.flush()
        audit.record(session, "override", "client_attributions", attribution.id,
                     company_id=attribution.company_id, before=before,
                     after={"classification": classification, "source": attribution.source,
                            "reason": reason, "executor_id": attribution.executor_id})
        session.flush()
    return attribution


def visible_attribution(session: Session, user: User, attribution_id: int) -> ClientAttribution:
    """Load an attribution the user may see (its executor, supervisors, GM, finance)."""
    row = session.get(ClientAttribution, attribution_id)
    if row is None:
        raise NotFound(N_("No such attribution."))
    role = Role(user.role)
    if row.executor_id != user.id and role not in {
            Role.GENERAL_MANAGER, Role.ADMIN, Role.FINANCE, Role.MARKET_SUPERVISOR,
            Role.EXECUTION_SUPERVISOR}:
        raise NotFound(N_("No such attribution."))
    return row


def add_cooperation(session: Session, by: User, company: Company, *, kind: str,
                    signed_on, amount=None, reference: str | None = None,
                    note: str | None = None) -> Cooperation:
    """Record business done with a company (until the contracts module records contracts)."""
    from decimal import Decimal, InvalidOperation

    from crm.models.leads import CooperationKind
    from crm.services import access

    access.require(by, "cooperation.edit")
    if kind not in {k.value for k in CooperationKind}:
        raise ValidationFailed.on("kind", N_("Pick contract, project or other."))
    if signed_on is None:
        raise ValidationFailed.on("signed_on", N_("Give the date."))
    if amount is not None:
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise ValidationFailed.on("amount", N_("Enter an amount.")) from None
        if amount < 0 or amount >= Decimal("1e12"):
            raise ValidationFailed.on("amount", N_("Enter an amount."))
    row = Cooperation(company_id=company.id, kind=kind, signed_on=signed_on, amount=amount,
                      reference=(reference or "").strip()[:100] or None,
                      note=(note or "").strip() or None, created_by_id=by.id)
    session.add(row)
    session.flush()
    return row
