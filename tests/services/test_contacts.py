"""The rules of a valid contact: phones normalised, e-mail checked, duplicates named."""
import pytest

from crm.services import contacts
from crm.services.errors import Conflict, NotFound, StaleEdit, ValidationFailed
from tests import factories


def test_phones_are_normalised_into_e164_and_extension(session, make_user):
    user = make_user("admin")
    c = factories.company(session)
    contact = contacts.create(session, user, c.id, contacts.ContactData(
        name=" 王  芳 ", mobile="13912345678", landline="(010) 8888 6666 ext. 12",
        email="wf@Example.com"))
    assert contact.name == "王 芳"
    assert contact.mobile_e164 == "+8613912345678"
    assert (contact.landline_e164, contact.landline_ext) == ("+861088886666", "12")
    assert contact.mobile == "13912345678" and contact.email == "wf@example.com"


def test_foreign_company_numbers_use_its_country(session, make_user):
    user = make_user("admin")
    c = factories.company(session, name_en="Messe Demo GmbH", country="DE")
    contact = contacts.create(session, user, c.id, contacts.ContactData(
        name="Jonas", mobile="0151 23456789"))
    assert contact.mobile_e164 == "+4915123456789"


def test_bad_fields_are_all_reported(session, make_user):
    user = make_user("admin")
    c = factories.company(session)
    with pytest.raises(ValidationFailed) as caught:
        contacts.create(session, user, c.id, contacts.ContactData(
            name="", mobile="abc", landline="12", email="a@", wechat="w" * 101))
    assert set(caught.value.errors) == {"name", "mobile", "landline", "email", "wechat"}


def test_duplicate_mobile_or_email_in_the_same_company_conflicts(session, make_user):
    user = make_user("admin")
    c, other = factories.company(session), factories.company(session)
    first = contacts.create(session, user, c.id, contacts.ContactData(
        name="甲", mobile="13800000001", email="jia@demo.cn"))
    with pytest.raises(Conflict) as caught:
        contacts.create(session, user, c.id, contacts.ContactData(name="乙", mobile="+86 138 0000 0001"))
    assert caught.value.field == "mobile" and f"甲 (#{first.id})" in str(caught.value)
    with pytest.raises(Conflict) as caught:
        contacts.create(session, user, c.id, contacts.ContactData(name="丙", email="JIA@demo.cn"))
    assert caught.value.field == "email"
    contacts.create(session, user, other.id, contacts.ContactData(name="甲", mobile="13800000001"))
    contacts.update(session, first, contacts.data_of(first))  # itself is no duplicate


def test_invisible_company_contacts_are_not_found(session, make_user):
    me, other = make_user("telesales"), make_user("telesales")
    theirs = factories.company(session, owner_id=other.id)
    contact = factories.contact(session, theirs, "秘密")
    with pytest.raises(NotFound):
        contacts.visible_contact(session, me, contact.id)
    with pytest.raises(NotFound):
        contacts.create(session, me, theirs.id, contacts.ContactData(name="新人"))
    assert contacts.find(session, me, contacts.ContactFilters(query="秘密")).total == 0
    assert contacts.find(session, other, contacts.ContactFilters(query="秘密")).total == 1


def test_stale_edit_and_delete_are_refused(session, make_user):
    c = factories.company(session)
    contact = factories.contact(session, c, "老王")
    with pytest.raises(StaleEdit):
        contacts.update(session, contact, contacts.ContactData(name="新王"),
                        expected_version=contact.version + 1)
    with pytest.raises(StaleEdit):
        contacts.delete(session, contact, expected_version=contact.version + 1)
