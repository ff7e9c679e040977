"""Fixtures for the scheduler tests: a session factory on the test transaction, and a
database of their own for the tests whose processes commit."""
from __future__ import annotations

import os

import pytest

from crm import migrate
from crm.config import database_url
from crm.db import make_engine, make_session_factory
from crm.models import JobDefinition
from tests.conftest import _drop_postgres_database, _fresh_postgres_database


@pytest.fixture()
def factory(connection):
    """Sessions on the test's connection: the runner's commits become savepoints."""
    f = make_session_factory(connection)
    f.configure(join_transaction_mode="create_savepoint")
    return f


@pytest.fixture()
def define(session):
    def _define(name, callable_, cron="0 3 * * *", **fields):
        row = JobDefinition(name=name, callable=callable_, cron=cron, **fields)
        session.add(row)
        session.flush()
        return row

    return _define


@pytest.fixture(scope="module")
def jobs_db(tmp_path_factory):
    """A database of its own: scheduler processes commit, the rolled-back session cannot undo."""
    configured = os.environ.get("DATABASE_URL")
    if configured and not configured.startswith("sqlite"):
        url = _fresh_postgres_database(database_url({"DATABASE_URL": configured}))
        migrate.upgrade(url)
        yield url
        _drop_postgres_database(url)
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('jobs') / 'jobs.sqlite3'}"
    migrate.upgrade(url)
    yield url


@pytest.fixture()
def jobs_engine(jobs_db):
    engine = make_engine(jobs_db)
    yield engine
    engine.dispose()
