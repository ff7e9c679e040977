"""Display names of the lead flow's enumerations, translated (Chinese first)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.models import (
    AssignmentKind,
    Classification,
    LeadSource,
    LeadStatus,
    OutcomeBucket,
    RuleKind,
)
from crm.models.leads import ContactKind, CooperationKind

STATUS = {
    LeadStatus.OPEN: _l("Waiting for assignment"),
    LeadStatus.ASSIGNED: _l("Waiting for acceptance"),
    LeadStatus.ACCEPTED: _l("Being followed"),
    LeadStatus.CLOSED: _l("Closed"),
}
SOURCE = {
    LeadSource.TELESALES: _l("Telesales"),
    LeadSource.MARKET_EXPANSION: _l("Market expansion"),
    LeadSource.SELF_DEVELOPED: _l("Self-developed"),
    LeadSource.INBOUND: _l("Inbound (contacted us)"),
    LeadSource.REFERRAL: _l("Referral"),
    LeadSource.OTHER_CHANNEL: _l("Other channel"),
}
BUCKET = {
    OutcomeBucket.MEETING: _l("Meeting possible"),
    OutcomeBucket.REQUIREMENTS: _l("Requirements sent"),
    OutcomeBucket.MATERIALS: _l("Send materials"),
    OutcomeBucket.NONE: _l("Other"),
}
ASSIGNMENT = {
    AssignmentKind.MANUAL: _l("Assigned by hand"),
    AssignmentKind.RULE: _l("Assigned by a rule"),
    AssignmentKind.REASSIGN: _l("Reassigned"),
    AssignmentKind.SELF: _l("Registered by the executor"),
    AssignmentKind.EXPIRED: _l("Not accepted in time"),
    AssignmentKind.DECLINED: _l("Declined"),
    AssignmentKind.CONFLICT: _l("Decided on a conflict"),
}
RULE_KIND = {
    RuleKind.INDUSTRY: _l("By industry specialisation"),
    RuleKind.EXHIBITION: _l("By exhibition"),
    RuleKind.ROUND_ROBIN: _l("Round robin"),
    RuleKind.LEAST_LOAD: _l("Least open load"),
}
CLASSIFICATION = {
    Classification.NEW: _l("New client"),
    Classification.OLD: _l("Old client"),
}
CONTACT = {
    ContactKind.CALL: _l("Call"),
    ContactKind.VISIT: _l("Visit"),
    ContactKind.EMAIL: _l("E-mail"),
}
COOPERATION = {
    CooperationKind.CONTRACT: _l("Contract"),
    CooperationKind.PROJECT: _l("Project"),
    CooperationKind.OTHER: _l("Other"),
}
CLOSE_REASON = {
    "won": _l("Won (contract)"),
    "lost": _l("Lost"),
    "duplicate": _l("Duplicate"),
    "unreachable": _l("Unreachable"),
    "other": _l("Other"),
}
DECISION = {
    "keep": _l("Keep the current follower"),
    "reassign": _l("Give it to the requester"),
    "dismiss": _l("Dismiss"),
}
TIMELINE = {
    "created": _l("Lead opened"),
    "call": _l("Telesales call"),
    "assignment": _l("Hand-over"),
    "contact": _l("First contact"),
    "mailing": _l("Mailing task"),
    "conflict": _l("Conflict"),
    "closed": _l("Closed"),
}

ALL = {"status": STATUS, "source": SOURCE, "bucket": BUCKET, "assignment": ASSIGNMENT,
       "rule_kind": RULE_KIND, "classification": CLASSIFICATION, "contact": CONTACT,
       "cooperation": COOPERATION, "close_reason": CLOSE_REASON, "decision": DECISION,
       "timeline": TIMELINE}


def label(group: str, value: str | None) -> str:
    """The translated name of an enumeration value (the value itself when unknown)."""
    if not value:
        return ""
    for key, text in ALL[group].items():
        if str(key) == value:
            return str(text)
    return value


def choices(group: str, keys=None, blank: bool = False) -> list[tuple[str, str]]:
    items = [(str(k), v) for k, v in ALL[group].items() if keys is None or str(k) in keys]
    return [("", "—")] + items if blank else items
