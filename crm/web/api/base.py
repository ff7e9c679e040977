"""The API blueprint: bearer-token authentication, argument errors, operation docs.

Requests are authenticated by a personal token only, never by the session cookie, so a
page on another site cannot make a signed-in browser call the API (no CSRF), and every
change made through the API is attributed to the token's user in the audit log.
"""
from __future__ import annotations

import flask_smorest
from flask import Response, g, request
from webargs.flaskparser import FlaskParser

from crm.models import User
from crm.services import audit
from crm.services import auth as auth_service
from crm.services.errors import N_, DomainError, ValidationFailed
from crm.web import database
from crm.web.api.schemas import (
    ERROR_DESCRIPTIONS,
    ERROR_STATUSES,
    SECURITY,
    Error,
    flatten,
)


class Unauthenticated(DomainError):
    """No usable API token came with the request."""

    status = 401
    code = "unauthorized"


def current_user() -> User:
    """Return the user the request's token belongs to."""
    return g.api_user


def _authenticate() -> None:
    # Only the Authorization header counts here; a session cookie is ignored on purpose.
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(N_("Send an API token in the header Authorization: Bearer <token>."))
    s = database.session()
    user = auth_service.user_for_token(s, token)
    if user is None:
        s.rollback()
        raise Unauthenticated(N_("The API token is unknown or revoked, or its user is inactive."))
    if s.dirty:
        s.commit()  # keeps the token's last use
    g.api_user = user
    g._login_user = user  # flask_login.current_user is the token's user, never the cookie's
    acting = audit.acting_as(user.id)
    acting.__enter__()
    g.api_acting = acting


def _challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _forget_actor(_exc: BaseException | None) -> None:
    acting = g.pop("api_acting", None)
    if acting is not None:
        acting.__exit__(None, None, None)


class ApiParser(FlaskParser):
    """Report bad arguments as ValidationFailed, so one handler writes every error body."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        errors: dict[str, list[str]] = {}
        for messages in error.messages.values():  # keyed by location: json, query …
            for field, texts in flatten(messages).items():
                errors.setdefault(field, []).extend(texts)
        exc = ValidationFailed(errors)
        exc.field = next((f for f in errors if not f.startswith("_")), None)
        raise exc


class Blueprint(flask_smorest.Blueprint):
    """An API blueprint: token-protected, with documented operations and error bodies."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(_authenticate)
        self.after_request(_challenge)
        self.teardown_request(_forget_actor)

    def operation(self, summary: str, *, statuses=ERROR_STATUSES):
        """Document an operation: its summary, bearer security and every error body."""

        def decorate(func):
            for status in statuses:
                func = self.alt_response(status, schema=Error,
                                         description=ERROR_DESCRIPTIONS[status])(func)
            return self.doc(summary=summary, security=SECURITY)(func)

        return decorate
