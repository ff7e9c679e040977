"""The JSON API under /api/v1: bearer tokens, the pages' roles and rows, an OpenAPI document.

Each resource is a blueprint module (companies, contacts, exhibitions, participations);
views only translate HTTP and call the same services as the pages.
"""
from __future__ import annotations

from flask import Flask

from crm.web.api.schemas import Error

API_CONFIG = {
    "API_TITLE": "ExpoLead CRM API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": (
            "Send a personal token with every request: `Authorization: Bearer <token>` "
            "(issue one with `crm users token USERNAME`). A token acts as its user, with "
            "that user's role and visible companies. Edits carry the record's `version`; "
            "a stale one is refused with 409. Errors share one body: "
            "`{code, message, field?, errors?}`.")},
    },
}


def register(app: Flask) -> None:
    """Serve the API's blueprints and its OpenAPI document on the app."""
    from crm.web.api import calls, companies, contacts, exhibitions, participations
    from crm.web.extensions import api, csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    # crm.web.errors writes every error (JSON under /api/, a page elsewhere);
    # flask-smorest's app-wide handler would turn the pages' 404s into JSON.
    api._register_error_handlers = lambda: None
    api.ERROR_SCHEMA = Error
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A personal API token (crm users token USERNAME)."})
    for blueprint in (companies.bp, contacts.bp, exhibitions.bp, participations.bp, calls.bp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
