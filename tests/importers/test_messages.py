"""Row messages are kept in English and shown in Chinese: every template is translated and
each message made from one is found again with its values."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.support import Translations

from crm.importers import messages

CATALOGUE = Path(__file__).resolve().parents[2] / "crm" / "translations"


@pytest.fixture(scope="module")
def zh():
    return Translations.load(str(CATALOGUE), ["zh_Hans_CN"]).ugettext


@pytest.mark.parametrize("template", messages.TEMPLATES)
def test_every_row_message_reads_back_in_chinese(template, zh):
    values = {name: f"v{i}：含 ' 引号" for i, name in
              enumerate(re.findall(r"%\((\w+)\)s", template))}
    english = messages.say(template, **values)
    chinese = messages.localize(english, zh)
    assert chinese == zh(template) % values
    assert chinese != english and re.search(r"[\u4e00-\u9fff]", chinese)


def test_a_message_of_no_template_is_shown_as_it_is(zh):
    assert messages.localize("something else went wrong", zh) == "something else went wrong"
    assert messages.localize(None, zh) is None


@pytest.mark.parametrize("template", messages.FILE_TEMPLATES)
def test_every_file_message_reads_back_in_chinese_after_the_file_name(template, zh):
    values = {name: f"v{i}" for i, name in enumerate(re.findall(r"%\((\w+)\)s", template))}
    if "what" in values:
        values["what"] = messages.KINDS[3]  # a PDF document
    english = "2026 会刊: final.xlsx: " + messages.say(template, **values)
    chinese = messages.localize(english, zh)
    expected = dict(values, what=zh(values["what"])) if "what" in values else values
    assert chinese == "2026 会刊: final.xlsx: " + zh(template) % expected
    assert chinese != english


def test_kinds_and_missing_columns_are_translated(zh):
    for text in messages.KINDS + (messages.NO_NAME_COLUMN, messages.NO_PERSON_COLUMN,
                                  messages.NO_COMPANY_COLUMN):
        assert zh(text) != text
