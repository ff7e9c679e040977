"""Bulk writes (COPY on PostgreSQL, executemany on SQLite) store exactly what the ORM would:
awkward text, NULLs, JSON and times survive the trip."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from crm.models import CompanyAlias, ImportBatch, ImportRowResult
from crm.services import bulk
from tests import factories

AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "\\N", "ctrl\x01char\x02",
           "carriage\rreturn", "上海瑞丰（集团）", "plain"]


def test_awkward_text_and_nulls_survive_a_bulk_insert(session):
    company = factories.company(session, "上海瑞丰机械有限公司")
    seen = datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
    rows = [{"company_id": company.id, "name": name, "script": "en", "source": name,
             "source_url": None if i % 2 else f"https://example.com/{i}", "seen_at": seen}
            for i, name in enumerate(AWKWARD)]
    bulk.insert_rows(session.connection(), CompanyAlias.__table__, rows)
    stored = session.execute(
        select(CompanyAlias.name, CompanyAlias.source, CompanyAlias.source_url,
               CompanyAlias.seen_at)
        .where(CompanyAlias.company_id == company.id).order_by(CompanyAlias.id)).all()
    stored = [r for r in stored if r.name in AWKWARD]
    assert [r.name for r in stored] == AWKWARD
    assert [r.source for r in stored] == AWKWARD
    assert [r.source_url for r in stored] == [None if i % 2 else f"https://example.com/{i}"
                                              for i in range(len(AWKWARD))]
    assert {r.seen_at for r in stored} == {seen}


def test_json_and_defaults_survive_a_bulk_insert(session):
    batch = ImportBatch(kind="catalogue", file_name="会刊.xlsx", sha256="ab" * 32,
                        status="done", rows_total=2)
    session.add(batch)
    session.flush()
    filled = {"address": 'Room 1\\2, "A" tower\tnorth', "kinds": ["exhibitor"]}
    bulk.insert_rows(session.connection(), ImportRowResult.__table__, [
        {"batch_id": batch.id, "row": 2, "action": "linked", "name": "甲", "filled": filled},
        {"batch_id": batch.id, "row": 3, "action": "error", "name": None, "filled": None,
         "message": "No company name."}])
    rows = session.execute(select(ImportRowResult.row, ImportRowResult.filled,
                                  ImportRowResult.message)
                           .where(ImportRowResult.batch_id == batch.id)
                           .order_by(ImportRowResult.row)).all()
    assert rows[0].filled == filled
    assert rows[1].filled is None and rows[1].message == "No company name."
    # A NULL, not JSON null: the revert looks for rows that filled something.
    assert session.scalars(select(ImportRowResult.row).where(
        ImportRowResult.batch_id == batch.id, ImportRowResult.filled.is_not(None))).all() == [2]


def test_copy_text_escapes_only_what_needs_it():
    assert bulk.copy_text([("a", 1, None)]) == b"a\t1\t\\N\n"
    assert bulk.copy_text([("a\tb", "c\\d")]) == b"a\\tb\tc\\\\d\n"
    # A value holding the encoder's own stand-in characters keeps them as text.
    assert bulk.copy_text([("x\x01y", None)]) == b"x\x01y\t\\N\n"


def test_ready_made_copy_lines_are_refused_when_a_value_needs_escaping():
    plain = bulk.text_batch("t", ("term", "company_id"), ["hengtai\t7\n", "恒泰\t7\n"])
    assert plain is not None and plain.data == "hengtai\t7\n恒泰\t7\n".encode()
    for awkward in (["a\tb\t7\n"], ["back\\slash\t7\n"], ["no line end\t7"]):
        assert bulk.text_batch("t", ("term", "company_id"), awkward) is None


def test_many_rows_go_in_whole_and_in_order(session):
    company = factories.company(session, "上海恒泰机械有限公司")
    names = [f"别名{i:04d}" for i in range(1234)]  # several multi-row statements and a rest
    bulk.insert_rows(session.connection(), CompanyAlias.__table__,
                     [{"company_id": company.id, "name": n, "script": "zh", "source": "t"}
                      for n in names])
    stored = session.scalars(select(CompanyAlias.name).where(
        CompanyAlias.company_id == company.id, CompanyAlias.source == "t")
        .order_by(CompanyAlias.id)).all()
    assert stored == names


def test_staged_rows_are_held_back_until_the_batch_finishes(session):
    from sqlalchemy import inspect
    from crm.models import CompanySearchTerm
    a = factories.company(session, "上海瑞丰机械有限公司")
    b = factories.company(session, "苏州恒泰电子有限公司")
    conn = session.connection()
    staged = bulk.Staged(CompanySearchTerm.__tablename__, ("term", "company_id"),
                         ("term", "company_id"))
    dialect = conn.dialect.name
    staged.start(conn)
    for rows in ([("zz-staged", a.id), ("aa-staged", b.id)], [("mm-staged", a.id)]):
        bulk.send(conn, bulk.plain_batch(dialect, staged.holding, staged.columns, rows))
    held = lambda: session.scalars(select(CompanySearchTerm.term).where(  # noqa: E731
        CompanySearchTerm.term.like("%-staged"))).all()
    assert held() == []  # held back until the batch finishes
    staged.finish(conn)  # every row, then the holding table goes
    assert sorted(held()) == ["aa-staged", "mm-staged", "zz-staged"]
    assert staged.holding not in inspect(conn).get_temp_table_names()


def test_collecting_rarely_holds_the_collector_back_and_puts_it_back_after_the_last_job():
    import gc

    before = gc.get_threshold()
    with bulk.collecting_rarely():
        assert gc.get_threshold() == bulk.BULK_GC_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what existed is not walked again
        with pytest.raises(RuntimeError):
            with bulk.collecting_rarely():  # a second job ending (here by an error)...
                raise RuntimeError("a failed import")
        assert gc.get_threshold() == bulk.BULK_GC_THRESHOLDS  # ...leaves the first's
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_staged_rows_held_as_lists_go_in_one_row_per_element(session):
    import json

    from crm.models import CompanySearchTerm
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        pytest.skip("lists are read with SQLite's json_each")
    staged = bulk.Staged(CompanySearchTerm.__tablename__, ("term", "company_id"),
                         ("term", "company_id"), listed="term")
    staged.start(conn)
    bulk.send(conn, bulk.plain_batch("sqlite", staged.holding, ("term", "company_id"),
                                     [(json.dumps(["b-listed", "a-listed"]), 7),
                                      (json.dumps(["恒泰-listed"]), 8)]))
    staged.finish(conn)
    held = session.execute(select(CompanySearchTerm.term, CompanySearchTerm.company_id).where(
        CompanySearchTerm.term.like("%-listed"))).all()
    assert sorted(held) == [("a-listed", 7), ("b-listed", 7), ("恒泰-listed", 8)]
