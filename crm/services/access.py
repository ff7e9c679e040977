"""Who may do what, and which rows each user sees: the one place these rules live."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from crm.models import Company, Role, User
from crm.services.errors import Forbidden, N_, NotFound

# Permissions are named by the business action; each role has a fixed set.
ALL_ROLES = frozenset(Role)
SUPERVISORS = frozenset({Role.MARKET_SUPERVISOR, Role.EXECUTION_SUPERVISOR})
MANAGEMENT = frozenset({Role.GENERAL_MANAGER, Role.ADMIN})
SEES_EVERY_COMPANY = MANAGEMENT | {Role.FINANCE}
INTELLIGENCE = frozenset({Role.TELESALES, Role.MARKET_SUPERVISOR}) | MANAGEMENT

PERMISSIONS: dict[str, frozenset[Role]] = {
    "company.view": ALL_ROLES,
    "company.create": INTELLIGENCE | {Role.EXECUTOR, Role.EXECUTION_SUPERVISOR},
    "company.edit": INTELLIGENCE | {Role.EXECUTOR, Role.EXECUTION_SUPERVISOR},
    "company.assign_owner": SUPERVISORS | MANAGEMENT,
    "company.delete": MANAGEMENT,
    "company.export": SUPERVISORS | MANAGEMENT,
    "company.merge": INTELLIGENCE,  # decide review items: merge, mark different, undo
    "import.run": INTELLIGENCE,  # import catalogues and business cards
    "import.revert": SUPERVISORS | MANAGEMENT,
    "review.decide": frozenset({Role.MARKET_SUPERVISOR}) | MANAGEMENT,  # the review queue
    "contact.edit": INTELLIGENCE | {Role.EXECUTOR, Role.EXECUTION_SUPERVISOR},
    "exhibition.view": ALL_ROLES,
    "exhibition.edit": INTELLIGENCE,
    "participation.edit": INTELLIGENCE,
    "pavilion.view": ALL_ROLES,
    "pavilion.edit": frozenset({Role.MARKET_SUPERVISOR}) | MANAGEMENT,
    "venue.view": ALL_ROLES,
    "venue.edit": frozenset({Role.MARKET_SUPERVISOR, Role.DESIGNER}) | MANAGEMENT,
    "competitor.view": INTELLIGENCE | SUPERVISORS | {Role.EXECUTOR, Role.DESIGNER},
    "competitor.edit": INTELLIGENCE,
    "media.view": INTELLIGENCE | SUPERVISORS,
    "media.edit": INTELLIGENCE,
    "audit.view": SUPERVISORS | MANAGEMENT,
    "admin.users": frozenset({Role.ADMIN}),
    "admin.taxonomy": frozenset({Role.ADMIN, Role.MARKET_SUPERVISOR}),
    "crawl.manage": frozenset({Role.MARKET_SUPERVISOR}) | MANAGEMENT,  # crawl sources and runs
    # Calls, leads and attribution (crm.services.calls, call_lists, leads, attribution).
    "call.work": frozenset({Role.TELESALES, Role.MARKET_SUPERVISOR}),  # claim and log calls
    "call_list.manage": frozenset({Role.MARKET_SUPERVISOR}) | MANAGEMENT,
    "call.outcomes": frozenset({Role.MARKET_SUPERVISOR, Role.ADMIN}),  # edit the outcome list
    "call.dashboard": INTELLIGENCE | SUPERVISORS,
    "call.dashboard_team": SUPERVISORS | MANAGEMENT,  # everyone's figures, not only one's own
    "lead.view": INTELLIGENCE | SUPERVISORS | {Role.EXECUTOR},
    "lead.assign": SUPERVISORS | MANAGEMENT,
    "lead.follow": frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR}),  # accept, register
    "lead.rules": SUPERVISORS | {Role.ADMIN},  # assignment rules, caps, absences
    "attribution.view": SUPERVISORS | MANAGEMENT | {Role.EXECUTOR, Role.FINANCE},
    "attribution.override": frozenset({Role.GENERAL_MANAGER}),
    "cooperation.edit": SUPERVISORS | MANAGEMENT | {Role.FINANCE},
    "jobs.manage": MANAGEMENT,  # scheduled jobs: enable, edit cron, run now, run history
    # Visits and visit reports (crm.services.visits); rows by `visit_scope`.
    "visit.plan": frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR}),  # plan, delegate, done
    "visit.report": frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR}),  # write reports
    "visit.view": SUPERVISORS | MANAGEMENT | {Role.EXECUTOR},
    "visit.view_all": SUPERVISORS | MANAGEMENT,  # beyond one's own (department for supervisors)
    # Design requests, materials, intelligence from the field, the Monday report (issue 6).
    "design.request": frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR}),  # open, explain
    "design.work": frozenset({Role.DESIGNER}),  # the design queue: take, deliver proposals
    "design.view_all": SUPERVISORS | MANAGEMENT,
    "design.view": frozenset({Role.EXECUTOR, Role.DESIGNER}) | SUPERVISORS | MANAGEMENT,
    "materials.work": frozenset({Role.TELESALES, Role.EXECUTOR}) | SUPERVISORS,
    "materials.all": SUPERVISORS | MANAGEMENT,  # every mailing task; hand targeted ones over
    "materials.view": frozenset({Role.TELESALES, Role.EXECUTOR}) | SUPERVISORS | MANAGEMENT,
    "intel.submit": frozenset({Role.EXECUTOR, Role.EXECUTION_SUPERVISOR}),
    "intel.review": INTELLIGENCE,  # market expansion's inbox of what came in
    "intel.view": INTELLIGENCE | {Role.EXECUTOR, Role.EXECUTION_SUPERVISOR},
    "weekly.view": (frozenset({Role.TELESALES, Role.EXECUTOR}) | SUPERVISORS | MANAGEMENT),
    "weekly.generate": SUPERVISORS | MANAGEMENT,  # store a snapshot now
}


def can(user: User, permission: str) -> bool:
    """Tell whether the user's role grants the permission."""
    return Role(user.role) in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    """Refuse unless the user's role grants the permission."""
    if not can(user, permission):
        raise Forbidden(N_("Your role may not do this."))


def company_scope(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause of the companies this user may see.

    GM, admin and finance see everything; supervisors see their department's clients and
    unassigned companies; everyone else sees their own clients and unassigned ones.
    Merged-away companies are hidden from everyone (they live on in their survivor).
    """
    not_merged = Company.merged_into_id.is_(None)
    role = Role(user.role)
    if role in SEES_EVERY_COMPANY:
        return not_merged
    unassigned = Company.owner_id.is_(None)
    if role in SUPERVISORS and user.department_id is not None:
        colleagues = select(User.id).where(User.department_id == user.department_id)
        return not_merged & or_(unassigned, Company.owner_id.in_(colleagues))
    return not_merged & or_(unassigned, Company.owner_id == user.id)


def visible_company(session: Session, user: User, company_id: int, *options: Any) -> Company:
    """Load a company the user may see, or raise NotFound (never reveal it exists).

    `options`: loader options for what the caller will read (e.g. `joinedload(...)`).
    """
    company = session.scalars(
        select(Company).where(Company.id == company_id, company_scope(user)).options(*options)
    ).first()
    if company is None:
        raise NotFound(N_("No such company."))
    return company


def may_edit_company(user: User, company: Company) -> bool:
    if not can(user, "company.edit"):
        return False
    return Role(user.role) not in {Role.FINANCE, Role.DESIGNER}


def scope_for(user: User, permission: str) -> ColumnElement[bool]:
    """A WHERE clause that is true when the user holds the permission, false otherwise."""
    return true() if can(user, permission) else false()


def visit_scope(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause of the visits (面洽) this user may see.

    Executors see the visits they are the executor or the visitor of; supervisors the
    visits of their department's people (every visit without a department); GM and admin
    every visit; other roles none.
    """
    from crm.models import Visit

    own = or_(Visit.executor_id == user.id, Visit.visitor_id == user.id)
    if not can(user, "visit.view"):
        return false()
    role = Role(user.role)
    if role in MANAGEMENT:
        return true()
    if role in SUPERVISORS:
        if user.department_id is None:
            return true()
        colleagues = select(User.id).where(User.department_id == user.department_id)
        return or_(own, Visit.executor_id.in_(colleagues), Visit.visitor_id.in_(colleagues))
    return own
