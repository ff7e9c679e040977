"""Manage the people who log in and their departments: accounts, roles, passwords, locks.

Users are never deleted, only deactivated: the audit log, companies and every record of
work refer to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.db import utcnow
from crm.models import Department, Role, User
from crm.services import audit, auth
from crm.services.errors import Conflict, DomainError, N_, NotFound, ValidationFailed

LOCALES = ("zh_CN", "en")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


@dataclass
class UserData:
    """The fields of a user an administrator edits, as plain values."""

    display_name: str = ""
    role: str = Role.EXECUTOR.value
    department_id: int | None = None
    email: str | None = None
    locale: str | None = None
    active: bool = True
    username: str = ""  # only read when the user is created; it never changes


@dataclass
class DepartmentData:
    code: str = ""
    name_zh: str = ""
    name_en: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Tell whether too many failed logins have locked the account right now."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def list_users(session: Session) -> list[User]:
    """Return every user, active ones first, with their departments loaded."""
    return list(session.scalars(
        select(User).options(selectinload(User.department))
        .order_by(User.active.desc(), User.username)))


def get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def _validate(session: Session, data: UserData, errors: dict[str, list[str]]) -> UserData:
    data.display_name = _clean(data.display_name) or ""
    if not data.display_name:
        errors["display_name"] = [N_("Give the name shown to colleagues.")]
    elif len(data.display_name) > 100:
        errors["display_name"] = [N_("At most 100 characters.")]
    if data.role not in {r.value for r in Role}:
        errors["role"] = [N_("Unknown role.")]
    if data.department_id is not None and session.get(Department, data.department_id) is None:
        errors["department_id"] = [N_("No such department.")]
    data.locale = data.locale or None
    if data.locale is not None and data.locale not in LOCALES:
        errors["locale"] = [N_("Unknown language.")]
    data.email = _clean(data.email)
    if data.email:
        try:
            data.email = validate_email(data.email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = [N_("Not an e-mail address: %(value)s") % {"value": data.email}]
    return data


def create(session: Session, data: UserData, password: str) -> User:
    """Create an account with an initial password; the user name must be free."""
    errors: dict[str, list[str]] = {}
    data.username = (data.username or "").strip()
    if not data.username:
        errors["username"] = [N_("Give a user name.")]
    elif len(data.username) > 60 or not USERNAME_PATTERN.match(data.username):
        errors["username"] = [N_("Use at most 60 letters, digits and . _ - @ (no spaces).")]
    data = _validate(session, data, errors)
    user = User(username=data.username)
    try:
        auth.set_password(user, password or "")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    holder = session.scalars(
        select(User).where(func.lower(User.username) == data.username.lower())).first()
    if holder is not None:
        raise Conflict(N_("The user name %(username)s is already taken by %(name)s (#%(id)s)."),
                       field="username", username=holder.username, name=holder.display_name,
                       id=holder.id)
    _apply(user, data)
    session.add(user)
    session.flush()
    return user


def update(session: Session, actor: User, user: User, data: UserData) -> User:
    """Apply an administrator's edit; nobody may deactivate or demote themselves."""
    errors: dict[str, list[str]] = {}
    data = _validate(session, data, errors)
    if errors:
        raise ValidationFailed(errors)
    if user.id == actor.id:
        if not data.active:
            raise DomainError(N_("You cannot deactivate your own account."), field="active")
        if data.role != user.role:
            raise DomainError(N_("You cannot change your own role; ask another administrator."),
                              field="role")
    _apply(user, data)
    session.flush()
    return user


def _apply(user: User, data: UserData) -> None:
    user.display_name = data.display_name
    user.role = Role(data.role).value
    user.department_id = data.department_id
    user.email = data.email
    user.locale = data.locale
    user.active = data.active


def data_of(user: User) -> UserData:
    """Return the editable fields of a user, e.g. to pre-fill a form."""
    return UserData(username=user.username, display_name=user.display_name, role=user.role,
                    department_id=user.department_id, email=user.email, locale=user.locale,
                    active=user.active)


def reset_password(session: Session, user: User, password: str) -> None:
    """Give the user a new password; it also ends the user's other sessions."""
    auth.set_password(user, password or "")
    # The hash is never logged, so the change itself gets an entry of its own.
    audit.record(session, "password_reset", "users", user.id)
    session.flush()


def unlock(session: Session, user: User) -> None:
    """Lift a lock-out after failed logins so the user may try again at once."""
    if user.locked_until is None and not user.failed_logins:
        return
    user.locked_until = None
    user.failed_logins = 0
    audit.record(session, "unlock", "users", user.id)
    session.flush()


def deactivate(session: Session, actor: User, user: User) -> None:
    """Stop the user from logging in; the account and its history stay."""
    if user.id == actor.id:
        raise DomainError(N_("You cannot deactivate your own account."), field="active")
    user.active = False
    session.flush()


# Departments ---------------------------------------------------------------------------

def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def get_department(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(N_("No such department."))
    return dept


def _validate_department(session: Session, data: DepartmentData,
                         department_id: int | None) -> DepartmentData:
    errors: dict[str, list[str]] = {}
    data.code = (data.code or "").strip()
    data.name_zh = _clean(data.name_zh) or ""
    data.name_en = _clean(data.name_en)
    if not data.code:
        errors["code"] = [N_("Give a code.")]
    elif len(data.code) > 40 or not USERNAME_PATTERN.match(data.code):
        errors["code"] = [N_("Use at most 40 letters, digits and . _ - (no spaces).")]
    if not data.name_zh:
        errors["name_zh"] = [N_("Give the Chinese name.")]
    for attr in ("name_zh", "name_en"):
        if len(getattr(data, attr) or "") > 100:
            errors[attr] = [N_("At most 100 characters.")]
    if errors:
        raise ValidationFailed(errors)
    holder = session.scalars(
        select(Department).where(func.lower(Department.code) == data.code.lower())).first()
    if holder is not None and holder.id != department_id:
        raise Conflict(N_("The code %(code)s already belongs to the department %(name)s."),
                       field="code", code=holder.code, name=holder.name_zh)
    return data


def create_department(session: Session, data: DepartmentData) -> Department:
    data = _validate_department(session, data, None)
    dept = Department(code=data.code, name_zh=data.name_zh, name_en=data.name_en)
    session.add(dept)
    session.flush()
    return dept


def update_department(session: Session, dept: Department, data: DepartmentData) -> Department:
    data = _validate_department(session, data, dept.id)
    dept.code, dept.name_zh, dept.name_en = data.code, data.name_zh, data.name_en
    session.flush()
    return dept
