"""Login loading, permission checks for views and the current user's data scope."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, request
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.models import User
from crm.services import access, audit
from crm.web import database
from crm.web.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)

    @app.before_request
    def _attribute_changes_to_user():
        # Every flush in this request is logged as done by the signed-in user.
        if current_user.is_authenticated:
            request.environ["crm.audit_token"] = audit._actor.set(current_user.id)

    @app.teardown_request
    def _forget_actor(_exc):
        token = request.environ.pop("crm.audit_token", None)
        if token is not None:
            audit._actor.reset(token)

    @app.context_processor
    def _permissions():
        return {"can": lambda permission: current_user.is_authenticated
                and access.can(current_user, permission)}


def _load_user(identity: str) -> User | None:
    user_id, _, tail = identity.partition(":")
    if not user_id.isdigit():
        return None
    user = database.session().get(User, int(user_id))
    if user is None or not user.active or user.password_hash[-12:] != tail:
        return None
    return user


def permission_required(permission: str) -> Callable:
    """Let the view run only for signed-in users whose role grants the permission."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any):
            access.require(current_user, permission)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def visible_users():
    """Users who can be picked as owners, for forms and filters."""
    return database.session().scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name)
    ).all()
