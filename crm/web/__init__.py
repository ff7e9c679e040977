"""The web layer: extensions, blueprints, error handling, template helpers."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Bind the extensions and register every feature blueprint."""
    from crm.web import database, errors, i18n, nav, security
    from crm.web.extensions import csrf

    database.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    nav.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    _register_api(app)


def _blueprints():
    from crm.web.auth.routes import bp as auth
    from crm.web.companies.routes import bp as companies
    from crm.web.main.routes import bp as main

    return [auth, main, companies, *_optional_blueprints()]


def _optional_blueprints():
    # Feature packages add themselves to FEATURES in crm/web/features.py.
    from crm.web.features import FEATURES

    return FEATURES()


def _register_api(app: Flask) -> None:
    from crm.web.features import register_api

    register_api(app)
