"""Chinese first, English on request; the committed catalogue covers every msgid in crm/."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from crm import config as settings
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "crm" / "translations"
# Flask-Babel resolves zh_CN to zh_Hans_CN and looks for that directory.
PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
# The same keywords as scripts/i18n.sh passes to pybabel extract.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


@pytest.fixture(scope="module")
def po():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


# --- The pages --------------------------------------------------------------------------

@pytest.fixture()
def app(app):
    """The app with the shipped default language (the other tests pin English)."""
    app.config["BABEL_DEFAULT_LOCALE"] = settings.from_environment(
        {"SECRET_KEY": "x"})["BABEL_DEFAULT_LOCALE"]
    return app


def test_chinese_is_the_shipped_default():
    assert settings.from_environment({"SECRET_KEY": "x"})["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_login_page_is_chinese_by_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert "登录" in body
    assert "Sign in" not in body
    assert 'lang="zh-CN"' in body


def test_language_switch_to_english_and_back(client):
    assert client.get("/lang/en?next=/login").status_code == 302
    body = client.get("/login").get_data(as_text=True)
    assert "Sign in" in body and "登录" not in body
    client.get("/lang/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_signed_in_pages_and_labels_are_chinese(make_user, login, client):
    login(make_user("market_supervisor"))
    body = client.get("/companies/new").get_data(as_text=True)
    assert "统一社会信用代码" in body      # a form label (lazy_gettext)
    assert "参展商" in body                # an enum label from crm/web/labels.py
    assert "退出" in body                  # the layout


def test_domain_error_is_shown_in_chinese(make_user, login, client):
    login(make_user("market_supervisor"))
    response = client.post("/companies/new", data={
        "name_zh": "深圳测试科技有限公司", "credit_code": "91310000123456789X",
        "country": "CN", "kinds": ["exhibitor"]})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "统一社会信用代码无效（校验位不符）。" in body
    assert "Not a valid unified social credit code" not in body


def test_domain_error_parameters_are_filled_after_translation(session, make_user, login, client):
    holder = factories.company(session, "上海已有展览有限公司", credit_code="91310000MA1FL1234Q")
    login(make_user("market_supervisor"))
    response = client.post("/companies/new", data={
        "name_zh": "上海重复展览有限公司", "credit_code": "91310000MA1FL1234Q",
        "country": "CN", "kinds": ["exhibitor"]})
    body = response.get_data(as_text=True)
    assert f"统一社会信用代码 91310000MA1FL1234Q 已属于 上海已有展览有限公司（#{holder.id}）。" in body


def test_domain_error_stays_english_for_english_users(make_user, login, client):
    login(make_user("market_supervisor"))
    client.get("/lang/en")
    body = client.post("/companies/new", data={
        "name_zh": "深圳测试科技有限公司", "credit_code": "91310000123456789X",
        "country": "CN", "kinds": ["exhibitor"]}).get_data(as_text=True)
    assert "Not a valid unified social credit code (check digit)." in body


# --- The catalogue ----------------------------------------------------------------------

def test_catalogue_is_fully_translated(po):
    untranslated = [m.id for m in po if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"
    assert len([m for m in po if m.id]) > 300


def test_catalogue_keeps_every_placeholder(po):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check()]
    assert not problems, problems[:10]
    # Babel lets a translation drop a placeholder; ours must keep each one, and add none
    # (a stray % breaks the formatting done after translation).
    for m in po:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(_key(m.id))), (m.id, text)
            assert text.count("%") == _key(m.id).count("%"), (m.id, text)


def test_compiled_mo_matches_the_po(po):
    with MO.open("rb") as f:
        compiled = read_mo(f)
    expected = {_key(m.id): m.string for m in po if m.id and not m.fuzzy}
    actual = {_key(m.id): m.string for m in compiled if m.id}
    assert actual == expected, "run scripts/i18n.sh (pybabel compile) and commit the .mo"


def test_every_msgid_in_the_source_is_in_the_catalogue(po):
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    crm = str(ROOT / "crm")

    def only_crm(path: str) -> bool:
        name = os.path.basename(path)
        return (path == crm or path.startswith(crm + os.sep)) and not name.startswith(".") \
            and name != "__pycache__"

    found = {}
    for filename, _line, msgid, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS,
            directory_filter=only_crm):
        key = _key(msgid)
        if key:
            found.setdefault(key, filename)
    assert len(found) > 300, "the extractor found too little; is babel.cfg still valid?"
    known = {_key(m.id) for m in po if m.id}
    missing = {key: found[key] for key in found if key not in known}
    assert not missing, ("msgids not in the zh_CN catalogue (add the Chinese to "
                         f"scripts/translate_zh.py and run scripts/i18n.sh): {missing}")


def test_every_simple_page_renders_in_chinese(app, make_user, login, client):
    """Each GET page without parameters renders in Chinese (no format error, no English)."""
    login(make_user("admin"))
    urls = sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not rule.rule.startswith(("/api", "/static"))})
    assert len(urls) > 5
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200 and response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert 'lang="zh-CN"' in body and "退出" in body, url
