"""Fixtures for the scheduler tests: a session factory on the test transaction, and a
database of their own for the tests whose processes commit."""
from __future__ import annotations

import pytest

from crm.db import make_engine, make_session_factory
from crm.models import JobDefinition
from tests.conftest import migrated_database


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
    yield from migrated_database(tmp_path_factory.mktemp("jobs"), "jobs.sqlite3")


@pytest.fixture()
def jobs_engine(jobs_db):
    engine = make_engine(jobs_db)
    yield engine
    engine.dispose()
