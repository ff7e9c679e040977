"""Logins with hashed passwords and lock-out, and personal API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import utcnow
from crm.models import ApiToken, User
from crm.services import audit
from crm.services.errors import DomainError, N_, NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 8
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"


class AccountLocked(LoginFailed):
    code = "locked"


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int, now: datetime | None = None) -> User:
    """Return the user whose password matches; count failures and lock after too many."""
    now = now or utcnow()
    user = session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if user is None or not user.active:
        # Same message whether or not the user exists: do not reveal user names.
        raise LoginFailed(N_("Wrong user name or password."))
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(N_("Too many failed attempts. The account is locked until %(time)s."),
                            time=user.locked_until)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            audit.record(session, "lock", "users", user.id)
        raise LoginFailed(N_("Wrong user name or password."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, "login", "users", user.id)
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({"password": [N_("At least 8 characters.")]})
    user.password_hash = hash_password(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str) -> str:
    """Create an API token for the user and return it; only its hash is kept."""
    token = "el_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name.strip() or "API", token_hash=_digest(token),
                         prefix=token[:10], created_at=utcnow()))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user a bearer token belongs to, or None."""
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token),
                               ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Note the last use once a minute, not on every call: a busy client must not turn
    # each read into a write.
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        row.last_used_at = now
    return row.user


def revoke_token(session: Session, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(N_("No such token."))
    row.revoked_at = utcnow()
