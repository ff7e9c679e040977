"""Business-card lists: a person, a company, and how to reach them."""
from __future__ import annotations

import pytest

from crm.importers.contacts import iter_contacts, read_contacts
from crm.importers.errors import MappingError

CARDS_HEADER = ["姓名", "公司", "职务", "部门", "手机", "电话", "邮箱", "微信", "地址", "网址"]
CARDS = [
    ["张伟", "上海某某汽车配件有限公司 Shanghai Moumou Auto Parts Co., Ltd.", "销售总监", "销售部",
     "138 1234 5678", "021-58881234 转 808", "Zhang.Wei@moumou.com.cn", "zhangwei_sh",
     "上海市嘉定区墨玉路185号", "www.moumou.com.cn"],
    ["Anna Müller", "Robert Bosch GmbH", "Marketing Manager", "", "+49 171 2345678 / +49 170 1112223",
     "", "anna.mueller@de.bosch.com, anna@bosch.com", "", "", "bosch.com"],
]


def test_business_cards_become_contact_rows(write_xlsx):
    path = write_xlsx("名片.xlsx", {"名片": [CARDS_HEADER, *CARDS]})

    result = read_contacts(path)

    assert result.errors == []
    zhang, anna = result.rows
    assert (zhang.row, zhang.name, zhang.company_zh, zhang.company_en) == (
        2, "张伟", "上海某某汽车配件有限公司", "Shanghai Moumou Auto Parts Co., Ltd.")
    assert (zhang.title, zhang.department, zhang.wechat) == ("销售总监", "销售部", "zhangwei_sh")
    assert (zhang.mobile, zhang.landline) == ("138 1234 5678", "021-58881234 转 808")
    assert zhang.email == "zhang.wei@moumou.com.cn"
    assert zhang.website == "www.moumou.com.cn"
    assert (anna.company_zh, anna.company_en) == (None, "Robert Bosch GmbH")
    assert (anna.mobile, anna.other_phones) == ("+49 171 2345678", ["+49 170 1112223"])
    assert (anna.email, anna.other_emails) == ("anna.mueller@de.bosch.com", ["anna@bosch.com"])
    assert anna.raw["职务"] == "Marketing Manager"


def test_english_card_headers(write_text):
    path = write_text("cards.csv", [["Name", "Company", "Title", "Mobile", "E-mail", "WeChat"],
                                    ["Li Lei", "Moumou Ltd.", "CEO", "13900001111", "li@moumou.cn",
                                     "lilei"]])

    (card,) = read_contacts(path).rows

    assert (card.name, card.company_en, card.title, card.mobile, card.email, card.wechat) == (
        "Li Lei", "Moumou Ltd.", "CEO", "13900001111", "li@moumou.cn", "lilei")


def test_card_without_person_or_company_is_rejected(write_text):
    path = write_text("cards.csv", [["姓名", "公司", "手机"], ["", "某某公司", "13900001111"],
                                    ["李雷", "", "13900002222"], ["韩梅梅", "某某公司", "bad"]])

    result = read_contacts(path)

    assert [c.name for c in result.rows] == ["韩梅梅"]
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "姓名", "no name for the person"), (3, "公司", "no company name"),
        (4, "手机", "'bad' is not a phone number (it has no digits)")]
    assert result.rows[0].mobile is None


def test_list_without_a_company_column_is_a_mapping_error(write_text):
    path = write_text("people.csv", [["姓名", "手机"], ["李雷", "13900001111"]])

    with pytest.raises(MappingError) as caught:
        read_contacts(path)

    assert "no company column" in caught.value.message
    assert caught.value.found == ["姓名", "手机"]


def test_list_without_a_person_column_is_a_mapping_error(write_text):
    path = write_text("firms.csv", [["公司", "电话"], ["某某公司", "021-12345678"]])

    with pytest.raises(MappingError, match="person's name"):
        read_contacts(path)


def test_streaming_contacts(write_text):
    path = write_text("cards.csv", [CARDS_HEADER, *CARDS])

    with iter_contacts(path) as stream:
        names = [card.name for card in stream]

    assert names == ["张伟", "Anna Müller"]
