"""Imports, crawl batches, reverts, dedupe and merges write the company database one at a
time (`crm.services.writing_turn`): a second one waits for the first and then sees what it
made, instead of making the same companies again; one that waits too long changes nothing."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from crm.db import make_engine, make_session_factory
from crm.models import Company, CompanyAlias, User
from crm.services import ingest, merging, writing_turn
from crm.services.errors import Conflict
from tests import factories
from tests.conftest import migrated_database
from tests.services.test_ingest import row, source


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    """A database of its own: the two writers commit, each on its own connection."""
    for url in migrated_database(tmp_path_factory.mktemp("turn"), "turn.sqlite3"):
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def _catalogue(name: str) -> list:
    return [row(2, name, booth_no="A1", phones=["021-58881234"]),
            row(3, f"{name[:-6]}贸易有限公司", booth_no="A2")]


def _companies_named(factory, name: str) -> int:
    with factory() as s:
        return s.scalar(select(func.count(func.distinct(CompanyAlias.company_id)))
                        .where(CompanyAlias.name == name))


def test_a_second_import_waits_for_the_first_and_links_to_what_it_made(factory):
    name = f"上海{uuid.uuid4().hex[:4]}机械有限公司"
    first = factory()
    made = ingest.ingest_catalogue(first, _catalogue(name), exhibition=None, source=source())
    assert made.created == 2

    second: dict = {}

    def import_again():
        with factory() as s:
            second["report"] = ingest.ingest_catalogue(s, _catalogue(name), exhibition=None,
                                                       source=source())
            s.commit()
        second["done_at"] = time.monotonic()

    worker = threading.Thread(target=import_again)
    worker.start()
    time.sleep(1.5)
    assert "done_at" not in second  # it waits while the first import is not committed
    committed_at = time.monotonic()
    first.commit()
    first.close()
    worker.join(30)
    assert second["done_at"] >= committed_at
    report = second["report"]
    assert (report.created, report.linked) == (0, 2)  # it saw what the first one made
    assert _companies_named(factory, name) == 1


def test_a_writer_that_waits_too_long_changes_nothing(factory, monkeypatch):
    monkeypatch.setattr(writing_turn, "WAIT_SECONDS", 1)
    held = factory()
    writing_turn.take(held)
    name = f"宁波{uuid.uuid4().hex[:4]}精密有限公司"
    waited: list[bool] = []
    try:
        with factory() as s, pytest.raises(Conflict, match="Another import or revert"):
            writing_turn.take(s, lambda: waited.append(True))
            ingest.ingest_catalogue(s, _catalogue(name), exhibition=None, source=source())
    finally:
        held.rollback()
        held.close()
    assert _companies_named(factory, name) == 0
    assert waited == [True]
    # the turn is free again: the same import now goes through
    with factory() as s:
        assert ingest.ingest_catalogue(s, _catalogue(name), exhibition=None,
                                       source=source()).created == 2
        s.commit()
    assert _companies_named(factory, name) == 1


def test_a_revert_waits_for_an_import_in_progress(factory):
    name = f"苏州{uuid.uuid4().hex[:4]}电子有限公司"
    with factory() as s:
        batch_id = ingest.ingest_catalogue(s, _catalogue(name), exhibition=None,
                                           source=source()).batch_id
        s.commit()
    importing = factory()
    other = f"杭州{uuid.uuid4().hex[:4]}电子有限公司"
    ingest.ingest_catalogue(importing, _catalogue(other), exhibition=None, source=source())
    outcome: dict = {}

    def revert():
        with factory() as s:
            outcome["report"] = ingest.revert_batch(s, batch_id)
            s.commit()

    worker = threading.Thread(target=revert)
    worker.start()
    time.sleep(1.0)
    assert "report" not in outcome
    importing.commit()
    importing.close()
    worker.join(30)
    assert outcome["report"].companies_removed == 2
    assert _companies_named(factory, name) == 0
    assert _companies_named(factory, other) == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Company)) >= 2


def test_a_merge_is_refused_while_an_import_writes_and_goes_through_after(factory,
                                                                        monkeypatch):
    monkeypatch.setattr(writing_turn, "SHORT_WAIT_SECONDS", 0.5)
    tag = uuid.uuid4().hex[:4]
    with factory() as s:
        a = factories.company(s, f"上海{tag}汽配有限公司").id
        b = factories.company(s, f"上海{tag}汽车配件有限公司").id
        s.commit()
    importing = factory()
    writing_turn.take(importing)
    try:
        with factory() as s, pytest.raises(writing_turn.TurnNotTaken):
            merging.merge(s, a, b)
    finally:
        importing.rollback()
        importing.close()
    with factory() as s:
        assert s.get(Company, b).merged_into_id is None  # nothing of the merge was written
        record = merging.merge(s, a, b)
        s.commit()
        assert s.get(Company, b).merged_into_id == a
        merging.undo_merge(s, record.id)
        s.commit()
        assert s.get(Company, b).merged_into_id is None


def test_filing_a_report_with_referrals_waits_briefly_for_an_import(factory, monkeypatch):
    from crm.services import visits

    monkeypatch.setattr(writing_turn, "SHORT_WAIT_SECONDS", 0.5)
    now = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
    tag = uuid.uuid4().hex[:4]
    with factory() as s:
        executor = factories.user(s, "executor", f"turn_exec_{tag}")
        company = factories.company(s, f"上海{tag}远航机械有限公司")
        factories.lead(s, company, status="accepted", executor=executor)
        company.owner_id = executor.id
        visit_id = visits.plan_visit(s, executor, company.id, now - timedelta(hours=2),
                                     "浦东新区张江路 88 号", now=now).id
        s.commit()
    referral = f"宁波{tag}博远汽车零部件有限公司"
    report = visits.ReportData(
        project_lead_name="王建国", project_lead_role="市场总监",
        project_lead_contact="13812345678", situation="明年参加三个展", rating="a",
        budget_min="200000", budget_max="350000", booth_area_m2="108", next_step="发方案",
        next_step_due=date(2026, 12, 2),
        referrals=[visits.ReferralData(referral, "陈经理", "13700002222")])

    def file(s):
        visit = s.get(visits.Visit, visit_id)
        return visits.file_report(s, visit, s.get(User, visit.executor_id), report, now=now)

    importing = factory()
    writing_turn.take(importing)
    started = time.monotonic()
    try:
        # SQLite: the report's own draft write already meets the import's write lock
        with factory() as s, pytest.raises((writing_turn.TurnNotTaken, OperationalError)) as no:
            file(s)
    finally:
        importing.rollback()
        importing.close()
    assert isinstance(no.value, writing_turn.TurnNotTaken) or writing_turn.is_busy(no.value)
    assert time.monotonic() - started < 30  # told, not kept waiting for the import
    assert _companies_named(factory, referral) == 0
    with factory() as s:
        assert len(file(s).referral_leads) == 1
        s.commit()
    assert _companies_named(factory, referral) == 1
