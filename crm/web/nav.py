"""The top navigation: an entry shows when its blueprint exists and the role may use it."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.services import access, phones
from crm.web import labels


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    permissions: tuple[str, ...]


NAV = [
    NavItem("calls.index", _l("Calls"), ("call.work",)),
    NavItem("desk.index", _l("My desk"), ("visit.plan",)),
    NavItem("leads.index", _l("Leads"), ("lead.view",)),
    NavItem("visits.index", _l("Visits"), ("visit.view",)),
    NavItem("call_lists.index", _l("Call lists"), ("call_list.manage",)),
    NavItem("dashboards.index", _l("Dashboards"), ("call.dashboard",)),
    NavItem("design.index", _l("Design"), ("design.view",)),
    NavItem("materials.index", _l("Materials"), ("materials.view",)),
    NavItem("intel.index", _l("Field intelligence"), ("intel.view",)),
    NavItem("weekly.index", _l("Monday meeting"), ("weekly.view",)),
    NavItem("exhibitions.index", _l("Shows"), ("exhibition.view",)),
    NavItem("contacts.index", _l("Contacts"), ("company.view",)),
    NavItem("pavilions.index", _l("Pavilions"), ("pavilion.view",)),
    NavItem("venues.index", _l("Venues"), ("venue.view",)),
    NavItem("competitors.index", _l("Competitors"), ("competitor.view",)),
    NavItem("media.index", _l("Media"), ("media.view",)),
    NavItem("imports.index", _l("Imports"), ("import.run",)),
    NavItem("review.index", _l("Review"), ("review.decide",)),
    NavItem("crawls.index", _l("Crawls"), ("crawl.manage",)),
    NavItem("assignment.index", _l("Assignment"), ("lead.rules",)),
    NavItem("jobs.index", _l("Jobs"), ("jobs.manage",)),
    NavItem("admin.index", _l("Admin"), ("admin.users", "admin.taxonomy", "audit.view")),
]


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV
            if item.endpoint in current_app.view_functions
            and any(access.can(current_user, p) for p in item.permissions)]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        nav_items=nav_items,
        endpoints=lambda: current_app.view_functions,
        role_label=lambda role: labels.label(labels.ROLE_LABELS, role),
        kind_label=lambda kind: labels.label(labels.KIND_LABELS, kind),
        booth_type_label=lambda v: labels.label(labels.BOOTH_TYPE_LABELS, v),
        origin_label=lambda v: labels.label(labels.ORIGIN_LABELS, v),
        phone_display=lambda p: phones.display(p.e164, p.extension) or p.raw,
    )
