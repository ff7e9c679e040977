"""Catalogue rows: names in two scripts, booths, countries, contact details and row errors."""
from __future__ import annotations

import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from crm.importers.catalogue import iter_catalogue, read_catalogue
from crm.importers.errors import MappingError, RowError, UnreadableFile
from crm.importers.values import (
    BadValue,
    booth_type,
    origin,
    parse_area,
    split_emails,
    split_names,
    split_phones,
)
from tests.importers.conftest import CATALOGUE_HEADER, CATALOGUE_ROWS, FILES, TITLE


def test_real_looking_catalogue_becomes_clean_rows(write_xlsx):
    path = write_xlsx("会刊.xlsx", {"展商名录": [[TITLE], CATALOGUE_HEADER, *CATALOGUE_ROWS]},
                      merges={"展商名录": ["A1:O1"]})

    result = read_catalogue(path)

    assert (result.file, result.sheet, result.header_row) == (str(path), "展商名录", 2)
    assert result.errors == []
    first, bosch, ningbo, taiwan = result.rows
    assert (first.row, first.name_zh, first.name_en) == (
        3, "上海某某汽车配件有限公司", "Shanghai Moumou Auto Parts Co., Ltd.")
    assert (first.hall, first.booth_no, first.area_m2) == ("N1", "N1A01", Decimal(36))
    assert (first.booth_type, first.country, first.origin) == ("special", "CN", "domestic")
    assert (first.contact_name, first.contact_title) == ("张伟", "销售经理")
    assert first.contact_mobile == "13812345678"
    assert first.contact_email == "zhang.wei@moumou.com.cn"
    assert first.phones == ["021-58881234"]
    assert first.website == "www.moumou.com.cn"
    assert first.raw["展商名称"] == "上海某某汽车配件有限公司"
    assert (bosch.name_zh, bosch.name_en) == (None, "Robert Bosch GmbH")
    assert (bosch.area_m2, bosch.booth_type, bosch.country, bosch.origin) == (
        Decimal(36), "raw_space", "DE", "foreign")
    assert bosch.special_build_target and first.special_build_target
    assert not ningbo.special_build_target
    assert ningbo.phones == ["0574-87654321", "0574-87654322"]
    assert ningbo.contact_email is None and ningbo.emails == ["sales@nbmoumou.com"]
    assert (taiwan.country, taiwan.origin, taiwan.booth_type) == ("TW", "foreign", "standard")


def test_csv_in_gbk_with_chinese_headers(write_text):
    path = write_text("展商名录_gbk.csv", [CATALOGUE_HEADER, *CATALOGUE_ROWS], encoding="gbk")

    result = read_catalogue(path)

    assert result.encoding == "GB18030"
    assert [r.name_zh for r in result.rows] == [
        "上海某某汽车配件有限公司", None, "宁波某某模具有限公司", "台湾某某精密股份有限公司"]
    assert result.mapped_headers()["area_m2"] == "面积(㎡)"


def test_xls_catalogue():
    result = read_catalogue(FILES / "catalogue.xls")

    assert [(r.name_zh, r.name_en, r.area_m2, r.country) for r in result.rows] == [
        ("上海某某汽车配件有限公司", None, Decimal(36), "CN"),
        (None, "Bosch Automotive GmbH", Decimal("54.5"), "DE"),
        ("宁波某某模具有限公司", "Ningbo Moumou Mould Co., Ltd.", Decimal(9), "CN")]


def test_merged_header_cells_map_to_phone_and_email(write_xlsx):
    rows = [[TITLE], ["公司名称", "展位号", "联系方式", None], [None, None, "电话", "邮箱"],
            ["上海某某有限公司", "N1A01", "021-58881234", "INFO@Moumou.cn"]]
    path = write_xlsx("merged.xlsx", {"展商": rows},
                      merges={"展商": ["A1:D1", "A2:A3", "B2:B3", "C2:D2"]})

    result = read_catalogue(path)

    assert result.mapping == {"name": 0, "booth_no": 1, "phone": 2, "email": 3}
    assert result.rows[0].phones == ["021-58881234"]
    assert result.rows[0].emails == ["info@moumou.cn"]


def test_row_without_a_name_is_rejected_and_reported(write_text):
    path = write_text("gap.csv", [["公司名称", "展位号"], ["甲公司", "A1"], ["", "A2"], ["无", "A3"],
                                  ["乙公司", "A4"]])

    result = read_catalogue(path)

    assert [r.name_zh for r in result.rows] == ["甲公司", "乙公司"]
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "公司名称", "no company name"), (4, "公司名称", "no company name")]
    assert [r.raw["展位号"] for r in result.rejected] == ["A2", "A3"]
    assert result.errors[0].as_dict() == {"row": 3, "column": "公司名称", "message": "no company name"}


def test_five_thousand_character_name_is_an_error_not_cut(write_text):
    long_name = "上海" + "某" * 4994 + "有限公司"
    assert len(long_name) == 5000
    path = write_text("long.csv", [["公司名称", "展位号"], [long_name, "A1"], ["乙公司", "A2"]])

    result = read_catalogue(path)

    assert [r.name_zh for r in result.rows] == ["乙公司"]
    (error,) = result.errors
    assert (error.row, error.column, error.fatal) == (2, "公司名称", True)
    assert "5,000 characters" in error.message
    assert result.rejected[0].raw["公司名称"] == long_name


def test_name_cells_in_both_scripts_are_split(write_text):
    path = write_text("mixed.csv", [
        ["Company Name", "Booth"],
        ["上海某某有限公司 Shanghai Moumou Co., Ltd.", "A1"],
        ["Ningbo Moumou Mould Co., Ltd.\n宁波某某模具有限公司", "A2"],
        ["3M中国有限公司", "A3"],
        ["Siemens AG", "A4"],
        ["ABB（中国）有限公司 ABB (China) Ltd.", "A5"],
    ])

    rows = read_catalogue(path).rows

    assert [(r.name_zh, r.name_en) for r in rows] == [
        ("上海某某有限公司", "Shanghai Moumou Co., Ltd."),
        ("宁波某某模具有限公司", "Ningbo Moumou Mould Co., Ltd."),
        ("3M中国有限公司", None),
        (None, "Siemens AG"),
        ("ABB（中国）有限公司", "ABB (China) Ltd."),
    ]


def test_bad_values_are_reported_and_the_row_kept(write_text):
    path = write_text("bad.csv", [
        ["公司名称", "面积", "邮箱", "网址", "统一社会信用代码", "地址"],
        ["甲公司", "12x", "good@moumou.cn; not-an-email", "moumou", "91310000MA1FL0QX6X", "上" * 501],
    ])

    result = read_catalogue(path)

    (row,) = result.rows
    assert row.area_m2 is None and row.website is None and row.credit_code is None
    assert row.address is None
    assert row.emails == ["good@moumou.cn"]
    assert [(e.column, e.message, e.fatal) for e in result.errors] == [
        ("面积", "area '12x' is not a number", False),
        ("地址", "address is 501 characters long; at most 500 are allowed", False),
        ("网址", "website 'moumou' is not a web address", False),
        ("统一社会信用代码",
         "credit code '91310000MA1FL0QX6X' is not a valid unified social credit code", False),
        ("邮箱", "e-mail 'not-an-email' is not a valid address", False),
    ]


def test_valid_credit_code_is_kept_upper_case(write_text):
    path = write_text("code.csv", [["公司名称", "信用代码"], ["甲公司", "91310000ma1fl0qx6f"]])

    assert read_catalogue(path).rows[0].credit_code == "91310000MA1FL0QX6F"


def test_unknown_country_and_booth_type_are_kept_as_notes(write_text):
    path = write_text("notes.csv", [["公司名称", "国家", "展位类型", "备注"],
                                    ["甲公司", "Atlantis", "双开口", "老客户"]])

    (row,) = read_catalogue(path).rows

    assert (row.country, row.booth_type, row.origin) == (None, None, None)
    assert row.notes == "老客户\ncountry: Atlantis\nbooth type: 双开口"


def test_province_in_the_country_column_means_china(write_text):
    path = write_text("prov.csv", [["公司名称", "国家/地区"], ["甲公司", "广东省"]])

    (row,) = read_catalogue(path).rows

    assert (row.country, row.province, row.origin) == ("CN", "广东", "domestic")


def test_origin_column_wins_over_country(write_text):
    path = write_text("origin.csv", [["公司名称", "国家", "国内外"], ["甲贸易公司", "中国", "代理"],
                                     ["乙公司", "中国", "境外"]])

    assert [r.origin for r in read_catalogue(path).rows] == ["agent", "foreign"]


def test_mobiles_without_a_contact_person_are_company_phones(write_text):
    path = write_text("mob.csv", [["公司名称", "电话", "手机"],
                                  ["甲公司", "021-12345678", "13800001111、13900002222"]])

    (row,) = read_catalogue(path).rows

    assert row.phones == ["021-12345678", "13800001111", "13900002222"]
    assert row.contact_mobile is None


def test_control_characters_and_full_width_spaces_are_cleaned(tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_text("公司名称,展位号\n\u3000某某\x07公司\u3000,Ｎ１Ａ０１\n", encoding="utf-8")

    (row,) = read_catalogue(path).rows

    assert (row.name_zh, row.booth_no) == ("某某公司", "N1A01")


def test_no_name_column_is_a_mapping_error_naming_what_was_found(write_text):
    path = write_text("nonames.csv", [["展位号", "面积"], ["A1", "9"]])

    with pytest.raises(MappingError) as caught:
        read_catalogue(path)

    error = caught.value
    assert isinstance(error, UnreadableFile)
    assert error.file == str(path)
    assert error.missing == ["name_zh", "name_en", "name"]
    assert error.found == ["展位号", "面积"]
    assert "nonames.csv" in error.message and "公司名称" in error.message
    assert "'展位号', '面积'" in error.message


def test_given_mapping_wins_and_suggestions_fill_the_rest(write_text):
    path = write_text("given.csv", [["参展企业", "单位简称", "展位号", "备注"],
                                    ["上海某某有限公司", "某某", "A1", "老客户"]])

    result = read_catalogue(path, mapping={"name": "B", "notes": None})

    assert result.mapping == {"name": 1, "booth_no": 2}
    assert result.rows[0].name_zh == "某某" and result.rows[0].notes is None


def test_given_mapping_with_two_fields_on_one_column_is_refused(write_text):
    path = write_text("twice.csv", [["公司名称", "展位号"], ["甲", "A1"]])

    with pytest.raises(MappingError, match="both mapped to column '公司名称'"):
        read_catalogue(path, mapping={"name_zh": "公司名称", "name_en": "A"})


def test_streaming_catalogue_yields_rejected_rows_too(write_text):
    path = write_text("stream.csv", [["公司名称", "展位号"], ["甲公司", "A1"], ["", "A2"]])

    with iter_catalogue(path) as stream:
        assert stream.mapping == {"name": 0, "booth_no": 1}
        rows = list(stream)

    assert [(r.row, r.rejected) for r in rows] == [(2, False), (3, True)]
    assert rows[1].errors == [RowError(3, "公司名称", "no company name", fatal=True)]


def test_streaming_catalogue_keeps_memory_bounded(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("公司名称,展位号,面积,电话,邮箱\n")
        fh.write("".join(f"上海某某{i}有限公司,N{i},36,021-{50000000 + i},a{i}@moumou.cn\n"
                         for i in range(20_000)))
    tracemalloc.start()
    try:
        with iter_catalogue(path) as stream:
            count = sum(1 for row in stream if not row.rejected)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 20_000
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


# ---- values ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["36", "36.0", "36㎡", "36 m2", "36m²", "6x6", "6×6", "6*6",
                                  "6m x 6m", "３６", "36平方米"])
def test_area_forms(text):
    assert parse_area(text) == Decimal(36)


@pytest.mark.parametrize("text", ["12x", "三十六", "36-40", "abc", "1e9"])
def test_bad_area(text):
    with pytest.raises(BadValue, match="area"):
        parse_area(text)


@pytest.mark.parametrize(("text", "kind"), [
    ("特装", "special"), ("特装展位", "special"), ("光地", "raw_space"), ("Raw space", "raw_space"),
    ("Space only", "raw_space"), ("标摊", "standard"), ("标准展位", "standard"),
    ("Shell scheme", "standard"), ("特裝", "special"), ("双开口", None)])
def test_booth_types(text, kind):
    assert booth_type(text) == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("国内", "domestic"), ("国外", "foreign"), ("境外", "foreign"), ("海外", "foreign"),
    ("代理", "agent"), ("贸易商", "agent"), ("日本", "foreign"), ("China", "domestic"),
    ("香港", "foreign"), ("國外", "foreign"), ("德國", "foreign"), ("???", None)])
def test_origins(text, kind):
    assert origin(text) == kind


def test_names_phones_and_emails_split():
    assert split_names("某某有限公司（Moumou Co., Ltd.）") == ("某某有限公司", "Moumou Co., Ltd.")
    assert split_names("上海大众 VW") == ("上海大众 VW", None)
    assert split_phones("021-12345678/8001， 138 0013 8000") == ["021-12345678/8001",
                                                                  "138 0013 8000"]
    assert split_phones("无") == []
    assert split_emails("Sales@X.com；mailto:b@y.cn。 bad@") == (["sales@x.com", "b@y.cn"],
                                                                ["bad@"])


def test_importers_never_touch_the_database():
    code = ("import sys, crm.importers.catalogue, crm.importers.contacts, crm.importers.mapping\n"
            "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'crm.models', "
            "'crm.services', 'crm.db', 'crm.web'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parents[2])

    assert done.stdout.strip() == "[]"
