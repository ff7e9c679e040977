"""Suggesting and loading column mappings from Chinese and English headers."""
from __future__ import annotations

import pytest

from crm.importers.errors import MappingError
from crm.importers.mapping import (
    FIELDS,
    column_index,
    column_letter,
    load_mapping_file,
    resolve_mapping,
    suggest_mapping,
)
from tests.importers.conftest import CATALOGUE_HEADER


def test_every_canonical_field_is_defined():
    assert set(FIELDS) == {
        "name_zh", "name_en", "name", "booth_no", "hall", "area_m2", "booth_type", "origin",
        "country", "province", "city", "address", "website", "phone", "mobile", "fax", "email",
        "contact_name", "contact_title", "contact_department", "wechat", "credit_code",
        "industry", "pavilion", "products", "notes"}


def test_chinese_catalogue_headers():
    assert suggest_mapping(CATALOGUE_HEADER) == {
        "name": 1, "name_en": 2, "hall": 3, "booth_no": 4, "area_m2": 5, "booth_type": 6,
        "country": 7, "contact_name": 8, "contact_title": 9, "phone": 10, "mobile": 11,
        "email": 12, "website": 13, "address": 14}


def test_english_catalogue_headers():
    headers = ["No.", "Exhibitor", "Stand No.", "Hall", "Area (sqm)", "Country", "Contact",
               "Tel", "Mobile", "E-mail", "Website", "Address", "Products", "Remarks"]

    assert suggest_mapping(headers) == {
        "name": 1, "booth_no": 2, "hall": 3, "area_m2": 4, "country": 5, "contact_name": 6,
        "phone": 7, "mobile": 8, "email": 9, "website": 10, "address": 11, "products": 12,
        "notes": 13}


@pytest.mark.parametrize(("header", "field"), [
    ("公司名称", "name"), ("展商名称", "name"), ("参展商", "name"), ("单位名称", "name"),
    ("企业名称", "name"), ("Company Name", "name"), ("COMPANY  NAME", "name"),
    ("*公司名称", "name"), ("参展企业名称（全称）", "name"),
    ("公司名称（中文）", "name_zh"), ("公司名称(英文)", "name_en"), ("Company Name (EN)", "name_en"),
    ("Exhibitor Name (Chinese)", "name_zh"), ("中文名称", "name_zh"), ("英文名称", "name_en"),
    ("展位号\nBooth No.", "booth_no"), ("展位", "booth_no"), ("Stand", "booth_no"),
    ("馆号", "hall"), ("展位面积（㎡）", "area_m2"), ("面积/m²", "area_m2"), ("sqm", "area_m2"),
    ("展台类型", "booth_type"), ("Booth Type", "booth_type"), ("国别", "country"),
    ("国家/地区", "country"), ("省份", "province"), ("City", "city"), ("统一社会信用代码", "credit_code"),
    ("职务", "contact_title"), ("部门", "contact_department"), ("微信号", "wechat"),
    ("WeChat", "wechat"), ("展团", "pavilion"), ("国家馆", "pavilion"), ("主要展品", "products"),
    ("电子邮件", "email"), ("E-mail", "email"), ("Cell", "mobile"), ("联系人电话", "phone"),
    ("联系人手机号码", "mobile"), ("网站", "website"), ("URL", "website"), ("传真", "fax"),
    ("联系方式 » 电话", "phone"), ("联系方式 » 邮箱", "email"), ("电话/传真", "phone"),
    ("Compnay Name", "name"), ("Adress", "address"), ("Webiste", "website"),
])
def test_single_header(header, field):
    assert suggest_mapping(["序号", header]) == {field: 1}


def test_traditional_chinese_headers():
    headers = ["公司名稱", "展位號", "電話", "電子郵件", "網址", "聯繫人", "國家/地區", "展位類型"]

    assert suggest_mapping(headers) == {
        "name": 0, "booth_no": 1, "phone": 2, "email": 3, "website": 4, "contact_name": 5,
        "country": 6, "booth_type": 7}


def test_unknown_headers_are_not_mapped():
    assert suggest_mapping(["序号", "备用列", "Column 7", "", "展位费"]) == {}


def test_never_two_fields_on_one_column_nor_one_field_twice():
    mapping = suggest_mapping(["公司名称", "电话", "电话", "联系电话", "Tel"])

    assert mapping == {"name": 0, "phone": 1}
    assert len(set(mapping.values())) == len(mapping)


def test_chinese_and_english_name_columns_are_told_apart_by_their_content():
    headers = ["公司名称", "Company Name"]

    assert suggest_mapping(headers) == {"name_zh": 0, "name_en": 1}
    assert suggest_mapping(headers, sample=[["Bosch GmbH", "博世有限公司"]] * 3) == {
        "name_en": 0, "name_zh": 1}


def test_for_business_cards_name_means_the_person():
    headers = ["Name", "Company", "Title", "Mobile", "E-mail"]

    assert suggest_mapping(headers, purpose="contacts") == {
        "contact_name": 0, "name": 1, "contact_title": 2, "mobile": 3, "email": 4}
    assert suggest_mapping(headers)["name"] == 0


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert [column_index(s) for s in ("A", "Z", "AA", "ZZ", "AAA")] == [0, 25, 26, 701, 702]


# ---- saved mappings -------------------------------------------------------------------------

def test_load_mapping_file(tmp_path):
    path = tmp_path / "organizer.yaml"
    path.write_text("# 某主办方的名录格式\nname_zh: 参展企业\nbooth_no: C\narea_m2: 5\nnotes:\n",
                    encoding="utf-8")

    assert load_mapping_file(path) == {"name_zh": "参展企业", "booth_no": "C", "area_m2": "5",
                                       "notes": ""}


@pytest.mark.parametrize(("text", "line", "words"), [
    ("name: 公司名称\nboth_no: 展位号\n", 2, "unknown field 'both_no'; did you mean 'booth_no'?"),
    ("name: 公司名称\nname: 单位\n", 2, "field 'name' is mapped twice"),
    ("name: 公司名称\nname_en: 公司名称\n", 2, "column '公司名称' is already mapped to 'name'"),
    ("name: [a, b]\n", 1, "'name' must name one column"),
    ("name: 0\n", 1, "column numbers start at 1"),
    ("name: 公司名称\n  booth_no: : x\n", 2, "not valid YAML"),
])
def test_mapping_file_errors_name_the_line_and_field(tmp_path, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)

    assert caught.value.line == line
    assert f"bad.yaml, line {line}" in caught.value.message
    assert words in caught.value.message


def test_resolve_mapping_by_header_letter_and_number():
    headers, columns = ["公司名称", "展位号", "面积"], [1, 3, 4]  # columns A and C were empty

    assert resolve_mapping({"name": "公司名称", "booth_no": "D", "area_m2": "5", "notes": None},
                           headers, columns) == {
        "name": 0, "booth_no": 1, "area_m2": 2, "notes": None}
    assert resolve_mapping({"name_zh": 0}, headers, columns) == {"name_zh": 0}


def test_resolve_mapping_names_a_missing_header_and_those_found():
    with pytest.raises(MappingError) as caught:
        resolve_mapping({"name": "参展企业"}, ["公司", "展位号"], [0, 1], file="x.csv")

    assert caught.value.missing == ["name"]
    assert "'参展企业'" in caught.value.message and "'展位号'" in caught.value.message
    assert caught.value.message.startswith("x.csv:")
