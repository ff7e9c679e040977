"""The market-expansion supervisor tunes the matching thresholds in the admin pages."""
from sqlalchemy import select

from crm.models import AuditEntry
from crm.services import settings
from crm.services.matching import MatchSettings


def test_supervisor_changes_the_link_threshold(session, make_user, login, client):
    login(make_user("market_supervisor"))
    assert "matching.link_threshold" in client.get("/admin/settings").get_data(as_text=True)
    response = client.post("/admin/settings", data={"key": "matching.link_threshold", "value": "93"})
    assert response.status_code == 302
    assert MatchSettings.load(session).link == 93
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity == "settings")).first()


def test_out_of_range_value_is_refused_and_named(session, make_user, login, client):
    login(make_user("admin"))
    response = client.post("/admin/settings", data={"key": "matching.link_threshold", "value": "abc"})
    assert response.status_code == 422
    assert 'data-field="matching.link_threshold"' in response.get_data(as_text=True)
    assert settings.get(session, "matching.link_threshold") == MatchSettings().link


def test_executor_may_not_change_settings(make_user, login, client):
    login(make_user("executor"))
    assert client.get("/admin/settings").status_code == 403
