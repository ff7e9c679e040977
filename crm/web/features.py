"""The list of feature blueprints beyond the core ones, and the JSON API."""
from __future__ import annotations

from flask import Flask


def FEATURES():  # noqa: N802  (reads as a constant list at the call site)
    from crm.web.admin.routes import bp as admin
    from crm.web.jobs.routes import bp as jobs
    from crm.web.notifications.routes import bp as notifications
    from crm.web.call_lists.routes import bp as call_lists
    from crm.web.calls.routes import bp as calls
    from crm.web.competitors.routes import bp as competitors
    from crm.web.contacts.routes import bp as contacts
    from crm.web.crawls.routes import bp as crawls
    from crm.web.dashboards.routes import bp as dashboards
    from crm.web.exhibitions.routes import bp as exhibitions
    from crm.web.media.routes import bp as media
    from crm.web.pavilions.routes import bp as pavilions
    from crm.web.venues.routes import bp as venues
    from crm.web.imports.routes import bp as imports
    from crm.web.review.routes import bp as review
    from crm.web.leads.routes import bp as leads
    from crm.web.assignment.routes import bp as assignment
    from crm.web.desk.routes import bp as desk
    from crm.web.visits.routes import bp as visits
    from crm.web.design.routes import bp as design
    from crm.web.materials.routes import bp as materials
    from crm.web.intel.routes import bp as intel
    from crm.web.weekly.routes import bp as weekly

    return [admin, exhibitions, contacts, pavilions, venues, competitors, media, crawls, imports, review, calls,
            call_lists, dashboards, leads, assignment, desk, visits, jobs, notifications,
            design, materials, intel, weekly]


def register_api(app: Flask) -> None:
    from crm.web.api import register

    register(app)
