"""Fixtures: a migrated database (SQLite by default, PostgreSQL with DATABASE_URL),
a session rolled back after each test, and the app bound to that same transaction."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import crm.services  # noqa: F401  (session hooks)
from crm import create_app, migrate
from crm.config import database_url
from crm.db import make_engine, make_session_factory
from tests import factories


def _fresh_postgres_database(url: str) -> str:
    """Create an empty database next to the configured one, so each run starts clean."""
    base = make_url(url)
    name = f"{base.database}_t_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def migrated_database(directory, file_name: str) -> Iterator[str]:
    """A migrated database of its own, for tests whose code commits: a fresh PostgreSQL
    database when DATABASE_URL names one (dropped afterwards), else an SQLite file in
    `directory`. Use with `yield from` in a fixture."""
    configured = os.environ.get("DATABASE_URL")
    if configured and not configured.startswith("sqlite"):
        url = _fresh_postgres_database(database_url({"DATABASE_URL": configured}))
        try:
            migrate.upgrade(url)
            yield url
        finally:
            _drop_postgres_database(url)
        return
    url = f"sqlite:///{directory / file_name}"
    migrate.upgrade(url)
    yield url


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> Iterator[str]:
    yield from migrated_database(tmp_path_factory.mktemp("db"), "test.sqlite3")


@pytest.fixture(scope="session")
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def connection(engine):
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture()
def session(connection):
    factory = make_session_factory(connection)
    factory.configure(join_transaction_mode="create_savepoint")
    s = factory()
    yield s
    s.close()


def _app(connection, db_url, **extra):
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
              "DB_BIND": connection, "WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
              "LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_MINUTES": 15,
              # Tests assert the English msgids; tests/web/test_i18n.py covers the
              # Chinese default (zh_CN) with its own app.
              "BABEL_DEFAULT_LOCALE": "en",
              # The app shares the test's one connection: work a page starts runs in the
              # request (tests/web/test_jobs_admin.py covers the background thread).
              "BACKGROUND_INLINE": True}
    config.update(extra)
    return create_app(config)


@pytest.fixture()
def app(connection, db_url):
    return _app(connection, db_url)


@pytest.fixture()
def csrf_app(connection, db_url):
    """The app with CSRF protection on, as in production."""
    return _app(connection, db_url, WTF_CSRF_ENABLED=True)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make_user(session):
    return lambda role, username=None, **kw: factories.user(session, role, username, **kw)


@pytest.fixture()
def login(client):
    """Sign a user in through the login form and return the client."""

    def _login(user, password: str = factories.PASSWORD, c=None):
        c = c or client
        response = c.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login
