"""Resolving chunk N+1 while chunk N is written (a second connection, a writer thread)
decides and stores exactly what working chunk by chunk in one connection does."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm import migrate
from crm.db import make_engine
from crm.models import Company, CompanyMatchProfile, CompanySearchTerm, CompanySearchText
from crm.services import ingest, search
from tests import factories
from tests.conftest import _drop_postgres_database, _fresh_postgres_database
from tests.services.test_ingest import row, source

TRADES = ["瑞丰", "恒泰", "金鼎", "华晨", "宏达", "天成", "鑫源", "永盛", "博远", "嘉禾",
          "凯旋", "明辉"]
PINYIN = ["Ruifeng", "Hengtai", "Jinding", "Huachen", "Hongda", "Tiancheng", "Xinyuan",
          "Yongsheng", "Boyuan", "Jiahe", "Kaixuan", "Minghui"]


@pytest.fixture()
def engine(db_url, tmp_path):
    """A database of its own: the import reads committed companies on a second connection."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'pipeline.sqlite3'}"
    else:
        url = _fresh_postgres_database(db_url)
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if not db_url.startswith("sqlite"):
        _drop_postgres_database(url)


def catalogue() -> list:
    """Rows spread over chunks: known companies seen again under English names, new
    companies at two booths, rows linking to what an earlier chunk made."""
    rows = []
    for i, (trade, py) in enumerate(zip(TRADES, PINYIN)):
        rows.append(row(0, f"上海{trade}机械有限公司", booth_no=f"A{i}"))
        rows.append(row(0, None, name_en=f"Shanghai {py} Machinery Co., Ltd.",
                        phones=[f"021-5888{i:04d}"]))
        rows.append(row(0, f"苏州{trade}电子科技有限公司", booth_no=f"B{i}",
                        phones=[f"0512-6666{i:04d}"]))
        rows.append(row(0, f"苏州{trade}电子科技有限公司", name_en=f"Suzhou {py} Electronics",
                        booth_no=f"C{i}"))
        rows.append(row(0, f"上海{trade}机械有限公司", contact_name="王伟",
                        contact_mobile=f"1381234{i:04d}"))
    order = sorted(range(len(rows)), key=lambda k: (k * 7) % len(rows))
    for n, k in enumerate(order, start=2):
        rows[k].row = n
    return sorted(rows, key=lambda r: r.row)


def run(session: Session, writers: set[str]) -> tuple[list, dict]:
    """Import the catalogue; return each row's outcome and the stored profiles, by name."""
    original = ingest._Ingest._send

    def spy(self, prepared):
        writers.add(threading.current_thread().name)
        return original(self, prepared)

    ingest._Ingest._send = spy
    try:
        show = ingest.exhibition_for(session, "上海国际工业博览会", 2026)
        report = ingest.ingest_catalogue(session, catalogue(), exhibition=show,
                                         source=source(), chunk_size=7)
    finally:
        ingest._Ingest._send = original
    session.flush()
    name = {cid: zh or en for cid, zh, en in session.execute(
        select(Company.id, Company.name_zh, Company.name_en))}
    outcomes = [(o.row, o.action, name.get(o.company_id), name.get(o.candidate_id), o.score)
                for o in report.outcomes]
    profiles = {name[cid]: data for cid, data in session.execute(
        select(CompanyMatchProfile.company_id, CompanyMatchProfile.data))}
    profiles["search terms"] = sorted((name[cid], term) for term, cid in session.execute(
        select(CompanySearchTerm.term, CompanySearchTerm.company_id)))
    # Each company's search text lists exactly its term rows (companies linked in
    # several chunks had theirs replaced each time).
    texts = {cid: search.split_terms(text) for cid, text in session.execute(
        select(CompanySearchText.company_id, CompanySearchText.terms))}
    rows: dict[int, set[str]] = {}
    for term, cid in session.execute(select(CompanySearchTerm.term, CompanySearchTerm.company_id)):
        rows.setdefault(cid, set()).add(term)
    assert texts == rows
    return outcomes, profiles


def test_pipelined_import_equals_the_one_connection_import(engine):
    with Session(engine) as s:
        for i, trade in enumerate(TRADES[:8]):
            factories.company(s, f"上海{trade}机械有限公司", city="上海",
                              phones=[f"021-5888{i:04d}"])
        s.commit()

    pipelined: set[str] = set()
    with Session(engine) as s:  # bound to the engine: a second connection resolves
        outcomes, profiles = run(s, pipelined)
        s.rollback()
    single: set[str] = set()
    with engine.connect() as conn, Session(bind=conn) as s:  # one connection only
        expected, expected_profiles = run(s, single)
        s.rollback()

    assert any(name.startswith("ingest-write") for name in pipelined)
    assert single == {threading.current_thread().name}
    assert outcomes == expected
    assert profiles == expected_profiles
    actions = [o[1] for o in outcomes]
    assert actions.count("linked") >= 30 and actions.count("created") >= 4
    # The English rows of known companies reached the stored profile of the company.
    ruifeng = profiles["上海瑞丰机械有限公司"]
    assert any(n[0] == "Shanghai Ruifeng Machinery Co., Ltd." for n in ruifeng["n"])
