"""The crawl pages: sources and runs, starting a run, editing a source with validation."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from crm import create_app
from crm.models import AuditEntry, CrawlRun, CrawlStatus
from crm.services import crawl_sources, crawls

FILES = Path(__file__).resolve().parents[1] / "crawlers" / "files"


@pytest.fixture()
def sources(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in ("expo_directory", "industry_news"):
        shutil.copy(FILES / f"{name}.yaml", folder / f"{name}.yaml")
    return folder


@pytest.fixture()
def app(connection, db_url, sources, tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
                       "DB_BIND": connection, "WTF_CSRF_ENABLED": False,
                       "BABEL_DEFAULT_LOCALE": "en", "CRAWL_SOURCES_DIR": str(sources),
                       "CRAWL_LOG_DIR": str(tmp_path / "logs")})


@pytest.fixture()
def launched(monkeypatch):
    """Runs the UI starts, instead of starting `crm crawl` processes."""
    calls = []
    monkeypatch.setattr(crawls, "launch", lambda run, **kw: calls.append((run.id, run.source, kw)))
    return calls


def test_only_the_supervisor_gm_and_admin_manage_crawls(make_user, login, client):
    login(make_user("telesales"))
    assert client.get("/crawls/").status_code == 403
    for role in ("market_supervisor", "general_manager", "admin"):
        client.post("/logout")
        login(make_user(role))
        page = client.get("/crawls/")
        assert page.status_code == 200, role
        assert 'href="/crawls/"' in page.get_data(as_text=True)  # in the navigation


def test_sources_are_listed_with_their_last_run_and_report(session, make_user, login, client):
    older = crawls.create_run(session, "expo_directory", kind="exhibitors")
    crawls.finish_run(session, older.id, CrawlStatus.FAILED, {"pages": 1})
    last = crawls.create_run(session, "expo_directory", kind="exhibitors")
    crawls.finish_run(session, last.id, CrawlStatus.PARTIAL,
                      {"pages": 6, "items": 5, "new": 3, "linked": 2, "review": 0,
                       "dropped": {"no company name": 1}})
    login(make_user("market_supervisor"))
    body = client.get("/crawls/").get_data(as_text=True)
    row = body.split('id="source-expo_directory"', 1)[1].split("</tr>", 1)[0]
    assert f"#{last.id}" in row and 'data-status="partial"' in row
    assert "6 pages · 5 items · 3 new · 2 linked · 0 to review · 1 dropped" in row
    news_row = body.split('id="source-industry_news"', 1)[1].split("</tr>", 1)[0]
    assert "Never run" in news_row


def test_starting_a_run_queues_it_and_launches_crm_crawl(session, make_user, login, client,
                                                         launched):
    boss = make_user("market_supervisor")
    login(boss)
    response = client.post("/crawls/expo_directory/run", data={"limit": "50"})
    assert response.status_code == 302
    run = session.scalars(select(CrawlRun)).one()
    assert (run.source, run.kind, run.status, run.user_id, run.item_limit) == (
        "expo_directory", "exhibitors", "queued", boss.id, 50)
    assert response.headers["Location"].endswith(f"/crawls/runs/{run.id}")
    assert [(i, s) for i, s, _kw in launched] == [(run.id, "expo_directory")]
    page = client.get(f"/crawls/runs/{run.id}").get_data(as_text=True)
    assert 'data-status="queued"' in page and 'hx-trigger="every 3s"' in page
    # A second start while it is queued or running is refused.
    client.post("/crawls/expo_directory/run", data={})
    assert len(launched) == 1
    assert "already being crawled" in client.get("/crawls/").get_data(as_text=True)
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity == "crawl_runs")).one()


def test_the_run_page_shows_the_report_and_stops_polling_when_finished(session, make_user,
                                                                        login, client):
    run = crawls.create_run(session, "expo_directory", kind="exhibitors")
    crawls.finish_run(session, run.id, CrawlStatus.FAILED,
                      {"pages": 1, "items": 0, "layout_errors": ["http://x/: matched nothing"],
                       "failed_pages": {"HTTP 500": 2}, "dropped": {"missing title": 1}},
                      error="Layout changed? http://x/: matched nothing")
    login(make_user("general_manager"))
    page = client.get(f"/crawls/runs/{run.id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "Layout changed? http://x/: matched nothing" in page
    assert "HTTP 500" in page and "missing title" in page
    assert "every 3s" not in page


def test_editing_shows_errors_by_line_and_field_and_keeps_the_file(sources, make_user, login,
                                                                  client):
    login(make_user("market_supervisor"))
    page = client.get("/crawls/expo_directory/edit").get_data(as_text=True)
    original = (sources / "expo_directory.yaml").read_text("utf-8")
    assert "中国国际汽车零部件博览会" in page
    broken = original.replace("  year: 2025", "  year: last year").replace(
        "    name_zh: h3.name::text", "    name_zh: {css: h3, xpath: //h3}")
    response = client.post("/crawls/expo_directory/edit",
                           data={"text": broken, "sha": crawl_sources.text_sha(original)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-line="6" data-field="exhibition.year"' in body
    assert 'data-line="13" data-field="list.fields.name_zh"' in body
    assert "give exactly one of css, xpath, path or value" in body
    assert "last year" in body  # what was typed stays in the editor
    assert (sources / "expo_directory.yaml").read_text("utf-8") == original


def test_a_valid_edit_is_saved_and_audited_and_a_stale_one_refused(session, sources, make_user,
                                                                  login, client):
    login(make_user("admin"))
    original = (sources / "expo_directory.yaml").read_text("utf-8")
    edited = original.replace("max_pages: 20", "max_pages: 30")
    response = client.post("/crawls/expo_directory/edit",
                           data={"text": edited, "sha": crawl_sources.text_sha(original)})
    assert response.status_code == 302
    assert (sources / "expo_directory.yaml").read_text("utf-8") == edited
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "crawl_sources")).one()
    assert entry.after["source"] == "expo_directory"
    stale = client.post("/crawls/expo_directory/edit",
                        data={"text": original, "sha": crawl_sources.text_sha(original)})
    assert stale.status_code == 422
    assert "Someone else saved this source" in stale.get_data(as_text=True)
    assert (sources / "expo_directory.yaml").read_text("utf-8") == edited


def test_a_new_source_starts_from_a_template_and_must_be_valid(sources, make_user, login, client):
    login(make_user("market_supervisor"))
    page = client.get("/crawls/new?kind=venue_calendar").get_data(as_text=True)
    assert "kind: venue_calendar" in page
    template = crawl_sources.template_text("venue_calendar")
    bad = client.post("/crawls/new", data={"name": "necc_calendar",
                                           "text": template.replace("venue: ", "venu: ")})
    assert bad.status_code == 422 and not (sources / "necc_calendar.yaml").exists()
    assert 'data-field="venu"' in bad.get_data(as_text=True)
    good = client.post("/crawls/new", data={"name": "necc_calendar", "text": template})
    assert good.status_code == 302
    assert (sources / "necc_calendar.yaml").read_text("utf-8") == template
    clash = client.post("/crawls/new", data={"name": "necc_calendar", "text": template})
    assert clash.status_code == 422 and "already exists" in clash.get_data(as_text=True)
