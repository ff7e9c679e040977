"""A live server on its own SQLite file, and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from crm import create_app, migrate
from crm.db import make_engine, make_session_factory, session_scope

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def live_db(tmp_path_factory):
    """A migrated SQLite file of its own: the server commits for real."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_db, tmp_path_factory):
    url, _ = live_db
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test",
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def db(live_db):
    _, factory = live_db
    return lambda: session_scope(factory)


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()


@pytest.fixture()
def phone_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()
