import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from crm.db import utcnow
from crm.models import AuditEntry, User
from crm.services import audit, users
from crm.services.errors import Conflict, DomainError, ValidationFailed
from tests import factories


def _entries(session, user_id: int) -> list[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == "users",
                                                    AuditEntry.entity_id == user_id)
                           .order_by(AuditEntry.id)).all()


def _all_user_entries(session) -> list[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == "users")
                           .order_by(AuditEntry.id)).all()


def test_create_hashes_the_password_and_never_logs_the_hash(session):
    dept = factories.department(session, "mkt")
    user = users.create(session, users.UserData(username="liming", display_name="李明",
                                                role="telesales", department_id=dept.id,
                                                email="LiMing@Example.com", locale="en"),
                        "s3cret-pass")
    assert check_password_hash(user.password_hash, "s3cret-pass")
    assert user.role == "telesales" and user.department_id == dept.id and user.active
    assert user.email == "LiMing@example.com"
    users.reset_password(session, user, "another-pass")
    session.flush()
    entries = _all_user_entries(session)
    assert [e.action for e in entries] == ["create", "password_reset"]
    assert entries[0].after["username"] == "liming" and entries[1].entity_id == user.id
    dumped = json.dumps([[e.before, e.after] for e in entries])
    assert "password_hash" not in dumped and user.password_hash not in dumped


def test_duplicate_username_is_a_conflict_naming_the_holder(session):
    holder = factories.user(session, "executor", "wangwei", display_name="王伟")
    with pytest.raises(Conflict) as caught:
        users.create(session, users.UserData(username="WangWei", display_name="Another",
                                             role="executor"), "long enough")
    assert caught.value.field == "username"
    assert "王伟" in str(caught.value) and f"#{holder.id}" in str(caught.value)


def test_short_password_is_refused_with_the_other_field_errors(session):
    with pytest.raises(ValidationFailed) as caught:
        users.create(session, users.UserData(username="newbie", display_name="",
                                             role="executor"), "short")
    assert set(caught.value.errors) == {"password", "display_name"}
    assert session.scalars(select(User).where(User.username == "newbie")).first() is None


def test_admin_cannot_deactivate_or_demote_themselves(session):
    admin = factories.user(session, "admin")
    other = factories.user(session, "admin")
    for change in ({"active": False}, {"role": "general_manager"}):
        data = users.data_of(admin)
        for key, value in change.items():
            setattr(data, key, value)
        with pytest.raises(DomainError) as caught:
            users.update(session, admin, admin, data)
        assert caught.value.field == next(iter(change))
    with pytest.raises(DomainError):
        users.deactivate(session, admin, admin)
    assert admin.active and admin.role == "admin"
    # Another administrator may do both.
    users.deactivate(session, other, admin)
    assert admin.active is False


def test_update_changes_the_editable_fields(session):
    admin = factories.user(session, "admin")
    target = factories.user(session, "executor")
    dept = factories.department(session, "exe")
    data = users.data_of(target)
    data.role, data.department_id, data.display_name, data.locale = (
        "execution_supervisor", dept.id, "张三", "zh_CN")
    users.update(session, admin, target, data)
    session.refresh(target)
    assert (target.role, target.department_id, target.display_name, target.locale) == (
        "execution_supervisor", dept.id, "张三", "zh_CN")
    data.locale = "fr"
    with pytest.raises(ValidationFailed) as caught:
        users.update(session, admin, target, data)
    assert "locale" in caught.value.errors


def test_unlock_clears_the_lock_and_the_failure_count(session):
    user = factories.user(session, "executor", failed_logins=2,
                          locked_until=utcnow() + timedelta(minutes=10))
    assert users.is_locked(user)
    with audit.acting_as(None):
        users.unlock(session, user)
    assert user.locked_until is None and user.failed_logins == 0 and not users.is_locked(user)
    assert "unlock" in [e.action for e in _entries(session, user.id)]


def test_department_code_is_unique(session):
    factories.department(session, "design")
    with pytest.raises(Conflict) as caught:
        users.create_department(session, users.DepartmentData(code="DESIGN", name_zh="设计二部"))
    assert caught.value.field == "code"
    dept = users.create_department(session, users.DepartmentData(code="finance", name_zh="财务部",
                                                                 name_en="Finance"))
    users.update_department(session, dept, users.DepartmentData(code="finance",
                                                                name_zh="财务中心"))
    assert dept.name_zh == "财务中心" and dept.name_en is None
