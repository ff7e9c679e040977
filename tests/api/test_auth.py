"""Bearer tokens are the only way into the API; the session cookie never is."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import ApiToken
from crm.services import auth
from tests import factories


def test_missing_token_is_401_json_with_a_challenge(client):
    response = client.get("/api/v1/companies")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_and_wrong_scheme_are_401(client, api_as):
    caller = api_as("admin")
    assert client.get("/api/v1/companies",
                      headers={"Authorization": "Bearer el_not-a-token"}).status_code == 401
    assert client.get("/api/v1/companies",
                      headers={"Authorization": f"Basic {caller.token}"}).status_code == 401
    assert caller.get("/api/v1/companies").status_code == 200


def test_revoked_token_and_inactive_user_are_401(session, api_as):
    caller = api_as("admin")
    assert caller.get("/api/v1/companies").status_code == 200
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.user_id == caller.user.id)).one()
    auth.revoke_token(session, caller.user, token_id)
    session.flush()
    assert caller.get("/api/v1/companies").status_code == 401

    other = api_as("admin")
    other.user.active = False
    session.flush()
    assert other.get("/api/v1/companies").status_code == 401


def test_session_cookie_does_not_authenticate_the_api(make_user, login, client):
    login(make_user("admin"))
    assert client.get("/companies/").status_code == 200
    response = client.post("/api/v1/companies", json={"name_zh": "上海饼干有限公司"})
    assert response.status_code == 401


def test_api_writes_need_no_csrf_token_but_pages_still_do(csrf_app, session, make_user):
    user = make_user("admin")
    token = auth.issue_token(session, user, "test")
    client = csrf_app.test_client()
    response = client.post("/api/v1/companies", json={"name_zh": "上海免签有限公司"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    assert client.post("/login", data={"username": user.username,
                                       "password": factories.PASSWORD}).status_code == 400


def test_token_marks_its_last_use(session, api_as):
    caller = api_as("telesales")
    caller.get("/api/v1/exhibitions")
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == caller.user.id)).one()
    session.refresh(row)
    assert row.last_used_at is not None


def test_token_command_prints_a_working_token(app, session, make_user):
    user = make_user("executor", "cli_exec")
    from crm.cli import main

    result = app.test_cli_runner().invoke(main, ["users", "token", "cli_exec", "--name", "laptop"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("el_")
    assert auth.user_for_token(session, token).id == user.id
    missing = app.test_cli_runner().invoke(main, ["users", "token", "nobody"])
    assert missing.exit_code != 0
