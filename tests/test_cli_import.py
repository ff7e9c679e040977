"""`crm import`, `crm dedupe` and `crm companies export` through Click's runner."""
from __future__ import annotations

import csv
import json
import threading
import uuid

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.cli import main
from crm.db import make_engine
from crm.services import writing_turn
from tests.conftest import migrated_database

HEADER = ["展位号", "公司名称", "英文名称", "电话", "邮箱", "网址", "联系人", "手机"]
ROWS = [
    ["5.1A01", "上海瑞丰汽车零部件有限公司", "Shanghai Ruifeng Auto Parts Co., Ltd.",
     "021-58881234", "sales@ruifeng-auto.com", "www.ruifeng-auto.com", "王伟", "13812345678"],
    ["5.1B02", "宁波恒泰精密机械有限公司", "", "0574-87654321", "", "", "", ""],
    ["5.1A02", "瑞丰汽车零部件（上海）有限公司", "", "", "", "", "", ""],
]


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    """A database of its own: the CLI commits, which the rolled-back test session cannot undo."""
    yield from migrated_database(tmp_path_factory.mktemp("cli"), "cli.sqlite3")


@pytest.fixture()
def crm(cli_db, tmp_path):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), env={"DATABASE_URL": cli_db,
                                                    "SECRET_KEY": "test"},
                             catch_exceptions=False)
    return invoke


def scalar(url: str, sql: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def xlsx(path, rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.title = "展商名录"
    sheet.append(["2025 上海国际汽车零部件博览会 展商名录"])  # a title row above the header
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    book.save(path)
    return str(path)


def show_name() -> str:
    return f"测试展{uuid.uuid4().hex[:6]}"


def test_import_catalogue_prints_json_and_a_report(crm, cli_db, tmp_path):
    file = xlsx(tmp_path / "会刊.xlsx", ROWS)
    report = tmp_path / "report.csv"
    result = crm("import", "catalogue", file, "--exhibition", show_name(), "--year", "2025",
                 "--json", "--report", str(report))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(data) == {"rows", "created", "linked", "review", "errors", "exhibition_id"}
    assert (data["rows"], data["created"], data["linked"], data["review"]) == (3, 2, 1, 0)
    assert data["errors"] == [] and data["exhibition_id"]
    lines = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert lines[0][:5] == ["row", "action", "company_id", "candidate_id", "score"]
    assert [(line[0], line[1]) for line in lines[1:]] == [
        ("3", "created"), ("4", "created"), ("5", "linked")]
    assert lines[3][2] == lines[1][2]  # row 5 is row 3's company
    # The same file again changes nothing.
    companies = scalar(cli_db, "SELECT count(*) FROM companies")
    again = crm("import", "catalogue", file, "--exhibition", "x", "--year", "2025", "--json")
    again_data = json.loads(again.stdout.strip().splitlines()[-1])
    assert again_data["created"] == 0 and again_data["linked"] == 3
    assert scalar(cli_db, "SELECT count(*) FROM companies") == companies


def test_import_reads_gbk_csv(crm, cli_db, tmp_path):
    path = tmp_path / "展商.csv"
    with open(path, "w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerow(["8.1C01", "杭州宏瑞包装材料有限公司", "", "0571-88886666", "", "", "", ""])
    result = crm("import", "catalogue", str(path), "--exhibition", show_name(), "--year",
                 "2024", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["created"] == 1
    assert scalar(cli_db, "SELECT count(*) FROM companies WHERE name_zh = '杭州宏瑞包装材料有限公司'") == 1


def test_all_or_nothing_writes_nothing_and_hands_back_the_rejected_rows(crm, cli_db, tmp_path):
    rows = ROWS + [["9.9Z99", "", "", "010-12345678", "", "", "", ""]]
    file = xlsx(tmp_path / "bad.xlsx", [[r[0], r[1].replace("上海", "苏州"), *r[2:]] for r in rows])
    before = scalar(cli_db, "SELECT count(*) FROM companies")
    rejected = tmp_path / "rejected.xlsx"
    result = crm("import", "catalogue", file, "--exhibition", show_name(), "--year", "2025",
                 "--json", "--all-or-nothing", "--rejected", str(rejected))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert [e["row"] for e in data["errors"]] == [6]
    assert data["created"] == 0 and data["exhibition_id"] is None
    assert scalar(cli_db, "SELECT count(*) FROM companies") == before
    sheet = load_workbook(rejected).active
    values = list(sheet.values)
    assert values[0][:3] == ("row", "column", "message") and values[1][0] == 6
    assert "010-12345678" in values[1]


def test_dry_run_writes_nothing(crm, cli_db, tmp_path):
    file = xlsx(tmp_path / "dry.xlsx", [["1A", "西安秦晋文化传媒有限公司", "", "", "", "", "", ""]])
    before = scalar(cli_db, "SELECT count(*) FROM companies")
    result = crm("import", "catalogue", file, "--exhibition", show_name(), "--year", "2025",
                 "--dry-run")
    assert result.exit_code == 0 and "Would import 1 rows" in result.stdout
    assert scalar(cli_db, "SELECT count(*) FROM companies") == before


@pytest.fixture()
def another_writer(cli_db):
    """A transaction holding the writing turn, as a running import or revert would."""
    engine = make_engine(cli_db)
    holder = Session(engine)
    writing_turn.take(holder)
    yield holder
    holder.rollback()
    holder.close()
    engine.dispose()


def test_an_import_waits_for_another_writer_and_then_runs(crm, cli_db, tmp_path,
                                                           another_writer):
    file = xlsx(tmp_path / "wait.xlsx", ROWS[:2])
    show = show_name()
    done: dict = {}
    worker = threading.Thread(target=lambda: done.update(result=crm(
        "import", "catalogue", file, "--exhibition", show, "--year", "2025", "--json")))
    worker.start()
    worker.join(1.5)
    assert worker.is_alive()  # waiting for the turn
    another_writer.rollback()
    worker.join(60)
    result = done["result"]
    assert result.exit_code == 0, result.output
    assert "Waiting for another import or revert to finish" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["rows"] == 2
    assert scalar(cli_db, f"SELECT count(*) FROM exhibitions WHERE name_zh = '{show}'") == 1


def test_an_import_that_waits_too_long_exits_1_and_writes_nothing(crm, cli_db, tmp_path,
                                                                  another_writer, monkeypatch):
    monkeypatch.setattr(writing_turn, "WAIT_SECONDS", 1)
    file = xlsx(tmp_path / "late.xlsx", ROWS[:1])
    show = show_name()
    result = crm("import", "catalogue", file, "--exhibition", show, "--year", "2025")
    assert result.exit_code == 1
    assert "Another import or revert is writing to the company database" in result.stderr
    assert "Traceback" not in result.output
    assert scalar(cli_db, f"SELECT count(*) FROM exhibitions WHERE name_zh = '{show}'") == 0


def test_dedupe_waits_for_the_turn_too(crm, another_writer, monkeypatch):
    monkeypatch.setattr(writing_turn, "WAIT_SECONDS", 1)
    result = crm("dedupe", "--json")
    assert result.exit_code == 1
    assert "Waiting for another import or revert to finish" in result.stderr
    assert "Another import or revert is writing" in result.stderr
    another_writer.rollback()
    assert crm("dedupe", "--json").exit_code == 0


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, b""])
def test_a_file_that_cannot_be_read_exits_2_naming_it(crm, tmp_path, content):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(content)
    result = crm("import", "catalogue", str(path), "--exhibition", "x", "--year", "2025")
    assert result.exit_code == 2
    assert "catalogue.xlsx" in result.stderr


def test_a_missing_file_or_name_column_exits_2(crm, tmp_path):
    result = crm("import", "catalogue", str(tmp_path / "nope.xlsx"), "--exhibition", "x",
                 "--year", "2025")
    assert result.exit_code == 2 and "nope.xlsx" in result.stderr
    file = xlsx(tmp_path / "nonames.xlsx", [["1", "2"]], header=["展位号", "面积"])
    result = crm("import", "catalogue", file, "--exhibition", "x", "--year", "2025")
    assert result.exit_code == 2 and "nonames.xlsx" in result.stderr


def test_contacts_dedupe_and_export(crm, cli_db, tmp_path):
    file = xlsx(tmp_path / "cards.xlsx", [
        ["张敏", "上海瑞丰汽车零部件有限公司", "采购经理", "13912345678", "zm@ruifeng-auto.com"],
        ["刘洋", "瑞峰汽车零部件有限公司", "总经理", "13700001111", ""],  # 瑞丰? no place: review
    ], header=["姓名", "公司", "职务", "手机", "邮箱"])
    result = crm("import", "contacts", file, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["rows"] == 2 and data["exhibition_id"] is None
    assert scalar(cli_db, "SELECT count(*) FROM contacts WHERE name = '张敏'") == 1
    result = crm("dedupe", "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["companies"] >= 2 and "review_added" in counts
    assert scalar(cli_db, "SELECT count(*) FROM review_items") >= 1
    again = json.loads(crm("dedupe", "--json").stdout.strip().splitlines()[-1])
    assert again["review_added"] == 0
    out = tmp_path / "companies.csv"
    result = crm("companies", "export", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    ruifeng = [r for r in rows if r["name_zh"] == "上海瑞丰汽车零部件有限公司"]
    assert ruifeng and "瑞丰汽车零部件（上海）有限公司" in ruifeng[0]["aliases"]
