"""The audit hook logs creates, updates and deletes with ids, before and after."""
from sqlalchemy import select

from crm.models import AuditEntry, CompanyAlias
from crm.services import audit
from tests import factories


def _entries(session, entity):
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == entity)
                           .order_by(AuditEntry.id)).all()


def test_create_update_delete_are_logged_with_ids_and_actor(session, make_user):
    boss = make_user("general_manager")
    with audit.acting_as(boss.id):
        c = factories.company(session, "杭州测试有限公司")
        c.city = "杭州"
        session.flush()
        alias = session.scalars(select(CompanyAlias).where(CompanyAlias.company_id == c.id)).first()
        session.delete(alias)
        session.flush()
    company_entries = [e for e in _entries(session, "companies") if e.entity_id == c.id]
    assert [e.action for e in company_entries] == ["create", "update"]
    assert company_entries[1].before == {"city": None} and company_entries[1].after == {"city": "杭州"}
    assert all(e.user_id == boss.id for e in company_entries)
    alias_entries = _entries(session, "company_aliases")
    assert alias_entries[-1].action == "delete" and alias_entries[-1].entity_id == alias.id
    assert alias_entries[-1].company_id == c.id


def test_password_hash_never_reaches_the_log(session, make_user):
    user = make_user("executor", "secretive")
    entries = [e for e in _entries(session, "users") if e.entity_id == user.id]
    assert entries and all("password_hash" not in (e.after or {}) for e in entries)


def test_a_phone_dropped_in_an_edit_is_logged_as_deleted(session, make_user):
    from crm.models import CompanyPhone
    from crm.services import companies

    c = factories.company(session, "苏州测试有限公司", phones=["0512-66668888", "13912345678"])
    data = companies.data_of(c)
    data.phones = ["13912345678"]
    companies.update(session, c, data)
    deleted = [e for e in _entries(session, "company_phones") if e.action == "delete"]
    assert len(deleted) == 1 and deleted[0].before["e164"] == "+8651266668888"
    assert session.scalars(select(CompanyPhone).where(CompanyPhone.company_id == c.id)).all()[0].e164 == "+8613912345678"
