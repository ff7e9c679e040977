"""The list of feature blueprints beyond the core ones, and the JSON API."""
from __future__ import annotations

from flask import Flask


def FEATURES():  # noqa: N802  (reads as a constant list at the call site)
    from crm.web.admin.routes import bp as admin
    from crm.web.calls.routes import bp as calls
    from crm.web.competitors.routes import bp as competitors
    from crm.web.contacts.routes import bp as contacts
    from crm.web.crawls.routes import bp as crawls
    from crm.web.exhibitions.routes import bp as exhibitions
    from crm.web.media.routes import bp as media
    from crm.web.pavilions.routes import bp as pavilions
    from crm.web.venues.routes import bp as venues
    from crm.web.imports.routes import bp as imports
    from crm.web.review.routes import bp as review

    return [admin, exhibitions, contacts, pavilions, venues, competitors, media, crawls, imports, review, calls]


def register_api(app: Flask) -> None:
    from crm.web.api import register

    register(app)
