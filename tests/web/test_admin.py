import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from crm.models import AuditEntry, Company, Industry, User
from tests import factories

NEW_USER = {"username": "zhaolei", "display_name": "赵磊", "role": "executor",
            "department_id": "", "email": "", "locale": "", "password": "long enough 1"}


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("role", ["general_manager", "executor", "market_supervisor", "finance"])
def test_only_admin_reaches_user_pages(session, make_user, login, client, role):
    target = make_user("telesales")
    login(make_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{target.id}/edit").status_code == 403
    assert client.post("/admin/users/new", data=NEW_USER).status_code == 403
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 403
    assert _count(session, User, User.username == "zhaolei") == 0
    session.refresh(target)
    assert target.active


def test_admin_lists_users_with_role_and_lock_state(session, make_user, login, client):
    make_user("market_supervisor", "mkt_boss", display_name="钱主管", department_code="mkt")
    make_user("executor", "locked_one",
              locked_until=datetime(2099, 1, 1, tzinfo=timezone.utc))
    login(make_user("admin"))
    body = client.get("/admin/users").get_data(as_text=True)
    assert "钱主管" in body and "Market-expansion supervisor" in body
    assert "Locked until 2099-01-01" in body


def test_admin_creates_a_user_who_can_sign_in(session, make_user, login, client, app):
    login(make_user("admin"))
    response = client.post("/admin/users/new", data=NEW_USER)
    assert response.status_code == 302
    created = session.scalars(select(User).where(User.username == "zhaolei")).one()
    assert created.role == "executor" and created.display_name == "赵磊"
    login(created, "long enough 1", c=app.test_client())
    dumped = json.dumps([[e.before, e.after] for e in session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "users"))])
    assert "zhaolei" in dumped
    assert "password_hash" not in dumped and created.password_hash not in dumped


def test_duplicate_username_shows_the_conflict_naming_the_user(session, make_user, login, client):
    make_user("telesales", "zhaolei", display_name="赵磊老员工")
    login(make_user("admin"))
    response = client.post("/admin/users/new", data=dict(NEW_USER, username="ZhaoLei"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-field="username"' in body and "赵磊老员工" in body
    assert _count(session, User, func.lower(User.username) == "zhaolei") == 1


def test_short_password_is_refused_naming_the_field(session, make_user, login, client):
    login(make_user("admin"))
    response = client.post("/admin/users/new", data=dict(NEW_USER, password="short"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-field="password"' in body and "At least 8 characters" in body
    assert 'value="zhaolei"' in body
    assert _count(session, User, User.username == "zhaolei") == 0


def test_edit_and_password_reset(session, make_user, login, client, app):
    target = make_user("telesales", "sunli")
    dept = factories.department(session, "exe")
    login(make_user("admin"))
    response = client.post(f"/admin/users/{target.id}/edit", data={
        "display_name": "孙丽", "role": "executor", "department_id": str(dept.id),
        "email": "sunli@example.com", "locale": "en", "active": "y"})
    assert response.status_code == 302
    session.refresh(target)
    assert (target.role, target.department_id, target.locale) == ("executor", dept.id, "en")
    short = client.post(f"/admin/users/{target.id}/password", data={"pw-password": "1234"})
    assert short.status_code == 422 and 'data-field="pw-password"' in short.get_data(as_text=True)
    assert client.post(f"/admin/users/{target.id}/password",
                       data={"pw-password": "brand new pass"}).status_code == 302
    login(target, "brand new pass", c=app.test_client())


def _fail_logins(c, username, times):
    for _ in range(times):
        assert c.post("/login", data={"username": username, "password": "wrong!"}).status_code == 401


def test_three_wrong_passwords_lock_the_account(session, make_user, client):
    user = make_user("executor", "lockme")
    _fail_logins(client, "lockme", 3)
    response = client.post("/login", data={"username": "lockme", "password": factories.PASSWORD})
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    session.refresh(user)
    assert user.locked_until is not None


def test_unlock_lets_a_locked_user_sign_in_again(session, make_user, login, app):
    user = make_user("executor", "lockme")
    outsider = app.test_client()
    _fail_logins(outsider, "lockme", 3)
    admin_client = login(make_user("admin"), c=app.test_client())
    assert "Unlock" in admin_client.get("/admin/users").get_data(as_text=True)
    assert admin_client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0
    login(user, c=outsider)


def test_deactivated_user_cannot_sign_in_and_is_kept(session, make_user, login, app):
    user = make_user("executor", "leaver")
    their_client = login(user, c=app.test_client())
    admin_client = login(make_user("admin"), c=app.test_client())
    assert admin_client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    # The open session ends and a new sign-in is refused; the row stays for history.
    assert their_client.get("/companies/").status_code == 302
    response = app.test_client().post("/login", data={"username": "leaver",
                                                      "password": factories.PASSWORD})
    assert response.status_code == 401
    session.refresh(user)
    assert user.active is False


def test_admin_cannot_deactivate_or_demote_self(session, make_user, login, client):
    admin = make_user("admin", "root")
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 303
    assert "cannot deactivate your own account" in client.get("/").get_data(as_text=True)
    own = {"display_name": "Root", "role": "admin", "department_id": "", "email": "",
           "locale": ""}
    response = client.post(f"/admin/users/{admin.id}/edit", data=own)  # active unticked
    assert response.status_code == 422 and 'data-field="active"' in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}/edit",
                           data=dict(own, role="general_manager", active="y"))
    assert response.status_code == 422 and 'data-field="role"' in response.get_data(as_text=True)
    session.refresh(admin)
    assert admin.active and admin.role == "admin"


def test_departments_are_created_with_unique_codes(session, make_user, login, client):
    factories.department(session, "design")
    login(make_user("admin"))
    response = client.post("/admin/departments/new", data={"code": "design", "name_zh": "设计二部"})
    assert response.status_code == 422 and 'data-field="code"' in response.get_data(as_text=True)
    assert client.post("/admin/departments/new", data={
        "code": "finance", "name_zh": "财务部", "name_en": "Finance"}).status_code == 302
    assert "财务部" in client.get("/admin/departments").get_data(as_text=True)


def test_taxonomy_is_edited_by_admin_and_market_supervisor_only(session, make_user, login, app):
    executor = login(make_user("executor"), c=app.test_client())
    assert executor.get("/admin/industries").status_code == 403
    sup = login(make_user("market_supervisor"), c=app.test_client())
    assert sup.post("/admin/industries/new", data={
        "code": "auto", "name_zh": "汽车", "name_en": "Automotive", "sort_order": "10",
        "active": "y"}).status_code == 302
    auto = session.scalars(select(Industry).where(Industry.code == "auto")).one()
    response = sup.post("/admin/industries/new", data={"code": "car", "name_zh": "汽车",
                                                       "active": "y"})
    assert response.status_code == 422 and 'data-field="name_zh"' in response.get_data(as_text=True)
    assert sup.post("/admin/industries/new", data={
        "code": "auto_parts", "name_zh": "汽车零部件", "parent_id": str(auto.id),
        "active": "y"}).status_code == 302
    assert sup.post(f"/admin/industries/{auto.id}/deactivate").status_code == 303  # child active
    session.refresh(auto)
    assert auto.active
    assert "汽车零部件" in sup.get("/admin/industries").get_data(as_text=True)


def test_index_links_only_to_allowed_sections(make_user, login, app):
    sup = login(make_user("execution_supervisor"), c=app.test_client())
    body = sup.get("/admin/").get_data(as_text=True)
    assert "/admin/audit" in body and "/admin/users" not in body and "/admin/industries" not in body
    admin = login(make_user("admin"), c=app.test_client())
    body = admin.get("/admin/").get_data(as_text=True)
    assert all(p in body for p in ("/admin/audit", "/admin/users", "/admin/industries"))
    assert login(make_user("executor"), c=app.test_client()).get("/admin/").status_code == 403


def _probe(session, label, **kw):
    session.add(AuditEntry(action="probe", entity=kw.pop("entity", "companies"),
                           after={"label": label}, **kw))
    session.flush()


def test_audit_filters_by_entity_user_and_shanghai_date(session, make_user, login, client):
    gm = make_user("general_manager")
    actor = make_user("telesales", "actor")
    _probe(session, "LBL-users", entity="users", entity_id=7, user_id=actor.id,
           at=datetime(2025, 5, 1, 16, 30, tzinfo=timezone.utc))  # 2 May, 00:30 in Shanghai
    _probe(session, "LBL-first", entity="companies", entity_id=7, user_id=actor.id,
           at=datetime(2025, 5, 1, 15, 30, tzinfo=timezone.utc))  # 1 May, 23:30 in Shanghai
    _probe(session, "LBL-other", entity="companies", entity_id=8,
           at=datetime(2025, 5, 1, 16, 30, tzinfo=timezone.utc))
    login(gm)

    def shown(**args):
        body = client.get("/admin/audit", query_string=dict(args, action="probe")).get_data(as_text=True)
        return sorted(re.findall(r"label: (LBL-\w+)", body))

    assert shown() == ["LBL-first", "LBL-other", "LBL-users"]
    assert shown(entity="users") == ["LBL-users"]
    assert shown(entity="companies", entity_id=7) == ["LBL-first"]
    assert shown(user=actor.id) == ["LBL-first", "LBL-users"]
    assert shown(date_from="2025-05-02", date_to="2025-05-02") == ["LBL-other", "LBL-users"]
    assert shown(date_to="2025-05-01") == ["LBL-first"]
    bad = client.get("/admin/audit", query_string={"date_from": "not a date"})
    assert bad.status_code == 200 and 'data-field="date_from"' in bad.get_data(as_text=True)


def test_supervisor_does_not_see_another_departments_client(session, make_user, login, client):
    sup = make_user("market_supervisor", department_code="mkt")
    colleague = make_user("telesales", department_code="mkt")
    stranger = make_user("executor", department_code="exe")
    factories.company(session, "本部客户有限公司", owner_id=colleague.id)
    factories.company(session, "他部客户有限公司", owner_id=stranger.id)
    login(sup)
    body = client.get("/admin/audit", query_string={"entity": "companies"}).get_data(as_text=True)
    assert "本部客户有限公司" in body
    assert "他部客户有限公司" not in body
    assert login(make_user("executor"), c=client.application.test_client()).get(
        "/admin/audit").status_code == 403


def _csrf_token(c, path):
    body = c.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def test_forged_posts_without_csrf_token_are_refused(session, make_user, csrf_app):
    make_user("market_supervisor", "csrfuser")
    c = csrf_app.test_client()
    forged = c.post("/login", data={"username": "csrfuser", "password": factories.PASSWORD})
    assert forged.status_code == 400
    assert c.get("/companies/").status_code == 302  # not signed in
    token = _csrf_token(c, "/login")
    assert c.post("/login", data={"username": "csrfuser", "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    response = c.post("/companies/new", data={"name_zh": "伪造请求有限公司", "country": "CN",
                                              "kinds": ["exhibitor"]})
    assert response.status_code == 400
    assert _count(session, Company, Company.name_zh == "伪造请求有限公司") == 0


def test_admin_forms_render_with_current_values(session, make_user, login, client):
    dept = factories.department(session, "exe")
    target = make_user("executor", "formcheck", display_name="周平", department_code="exe",
                       locked_until=datetime(2099, 1, 1, tzinfo=timezone.utc))
    industry = Industry(code="pkg", name_zh="包装", sort_order=5)
    session.add(industry)
    session.flush()
    login(make_user("admin"))
    new_form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="password"' in new_form and "Execution supervisor" in new_form
    edit = client.get(f"/admin/users/{target.id}/edit").get_data(as_text=True)
    assert 'value="周平"' in edit and "Locked after failed sign-ins" in edit
    assert f'<option selected value="{dept.id}">' in edit
    assert 'value="exe"' in client.get(f"/admin/departments/{dept.id}/edit").get_data(as_text=True)
    assert 'value="包装"' in client.get(f"/admin/industries/{industry.id}/edit").get_data(as_text=True)
    assert client.get("/admin/departments/new").status_code == 200
    assert client.get("/admin/industries/new").status_code == 200
