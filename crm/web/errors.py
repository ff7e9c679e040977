"""One place that turns domain errors and HTTP errors into a page or a JSON error."""
from __future__ import annotations

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from crm.services import writing_turn
from crm.services.errors import Conflict, DomainError, N_, StaleEdit, ValidationFailed
from crm.web import database

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def translate(exc: DomainError) -> str:
    """Translate a domain error's message and fill in its parameters."""
    text = gettext(exc.message)
    try:
        return text % exc.params if exc.params else text
    except (KeyError, ValueError, TypeError):
        return text


def domain_error_json(exc: DomainError):
    body = {"code": exc.code, "message": translate(exc)}
    if exc.field:
        body["field"] = exc.field
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.messages(gettext)
    return jsonify(body), exc.status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if wants_json():
            return domain_error_json(exc)
        if exc.status in (403, 404):
            return render_template("errors/error.html", status=exc.status,
                                   message=translate(exc)), exc.status
        flash(translate(exc), "error")
        return redirect(request.referrer or "/"), 303

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # A race the services' own checks could not see (two saves at once): refuse cleanly.
        database.session().rollback()
        log.warning("integrity error on %s %s: %s", request.method, request.path, exc.orig)
        return _domain_error(Conflict(N_("This change clashes with a record saved at the same "
                                         "time (a duplicate or a removed link). Nothing was saved.")))

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):
        database.session().rollback()
        return _domain_error(StaleEdit(N_("Someone else saved this record while you were editing "
                                          "it. Reload it and apply your change again.")))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        message = gettext("The form expired or was not sent from this site. Please try again.")
        if wants_json():
            return jsonify({"code": "csrf", "message": message}), 400
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            body = {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}
            data = getattr(exc, "data", None)
            if data and "messages" in data:
                body["errors"] = data["messages"]
            return jsonify(body), exc.code
        return render_template("errors/error.html", status=exc.code,
                               message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = gettext("Something went wrong on our side. The error was logged.")
        if wants_json():
            return jsonify({"code": "server_error", "message": message}), 500
        return render_template("errors/error.html", status=500, message=message), 500

    @app.errorhandler(OperationalError)
    def _database_busy(exc: OperationalError):
        # SQLite: an import or revert holds the one write lock; say so, as the turn does.
        if not writing_turn.is_busy(exc):
            return _unexpected(exc)
        database.session().rollback()
        log.warning("database busy on %s %s: %s", request.method, request.path, exc.orig)
        return _domain_error(writing_turn.busy_error())
