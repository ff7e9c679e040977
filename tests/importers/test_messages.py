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
