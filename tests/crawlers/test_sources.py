"""Source files: validated with errors that name the line and the field; every spider listed."""
from __future__ import annotations

import subprocess
import sys

import pytest

from crm.services import crawl_sources
from crm.services.crawl_sources import SourceInvalid, parse_source
from crm.services.errors import StaleEdit
from tests.crawlers.conftest import FILES, ROOT

BROKEN = """\
kind: exhibitors
exhibition:
  name: 某某展
  year: 20255
start_urls:
  - /list
list:
  items: div.ex
  fields:
    name_zh: h3::text
    booth_no: {css: .booth::text, regex: "展位(\\\\d"}
    boothh: .b::text
    hall: {css: .hall::text, xpath: //dd}
pagination:
  next: a.next::attr(href)
  pages: {param: page}
colour: blue
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(SourceInvalid) as caught:
        parse_source("broken", text)
    return [str(e) for e in caught.value.errors]


def test_each_error_names_its_line_and_field():
    assert errors_of(BROKEN) == [
        "line 4, exhibition.year: Must be greater than or equal to 1950 and less than or equal "
        "to 2100.",
        "line 5, start_urls: relative start URLs need base_url",
        "line 11, list.fields.booth_no.regex: not a valid regular expression (missing ), "
        "unterminated subpattern at position 2)",
        "line 12, list.fields.boothh: unknown field for kind exhibitors; known: address, area_m2, "
        "booth_no, booth_type, city, contact_department, contact_name, contact_title, country, "
        "credit_code, email, fax, hall, industry, mobile, name, name_en, name_zh, notes, origin, "
        "pavilion, phone, products, province, website, wechat",
        "line 13, list.fields.hall: give exactly one of css, xpath, path or value",
        "line 14, pagination: give exactly one of next, pages or offset",
        "line 17, colour: Unknown field.",
    ]


def test_bad_selectors_and_json_paths_are_caught_before_a_crawl():
    text = ("kind: news\nstart_urls: [http://x/]\njson:\n  items: 'data.[['\n  fields:\n"
            "    title: {path: title}\n    link: {xpath: '//a[@'}\n")
    found = errors_of(text)
    assert found[0].startswith("line 4, json.items: not a valid JSON path (JMESPath:")
    assert found[1].startswith("line 7, json.fields.link.xpath: not a valid XPath expression")


def test_yaml_syntax_errors_and_missing_sections_name_the_line():
    assert errors_of("kind: exhibitors\nstart_urls: [http://x/\n") == [
        "line 3, (yaml): expected ',' or ']', but got '<stream end>'"]
    assert errors_of("kind: venue_calendar\nstart_urls: [http://x/]\nlist:\n  items: li\n"
                     "  fields:\n    name_zh: h4::text\n    dates: time::text\n") == [
        "line 1, venue: a venue calendar names its venue (as in the venue list)"]


def test_every_fixture_source_is_valid_and_named_like_its_test_and_files():
    for path in FILES.glob("*.yaml"):
        config = parse_source(path.stem, path.read_text("utf-8"), path)
        assert (FILES / path.stem).is_dir() or path.stem in ("hostile_directory", "scale_directory")
        assert (FILES.parent / f"test_{path.stem}.py").exists() or path.stem == "scale_directory"
        assert config.kind in crawl_sources.KINDS


def test_templates_for_new_sources_are_valid():
    for kind in crawl_sources.KINDS:
        config = parse_source(f"new_{kind}", crawl_sources.template_text(kind))
        assert config.kind == kind


def test_saving_refuses_invalid_text_and_stale_edits(tmp_path):
    good = (FILES / "gbk_directory.yaml").read_text("utf-8")
    crawl_sources.save_source("mine", good, tmp_path, create=True)
    with pytest.raises(SourceInvalid):
        crawl_sources.save_source("mine", good.replace("kind: exhibitors", "kind: people"),
                                  tmp_path, expected_sha=crawl_sources.text_sha(good))
    assert crawl_sources.read_text("mine", tmp_path) == good
    with pytest.raises(StaleEdit):
        crawl_sources.save_source("mine", good + "# edited\n", tmp_path, expected_sha="0" * 64)
    crawl_sources.save_source("mine", good + "# edited\n", tmp_path,
                              expected_sha=crawl_sources.text_sha(good))
    assert crawl_sources.read_text("mine", tmp_path).endswith("# edited\n")
    with pytest.raises(SourceInvalid):
        crawl_sources.save_source("../etc", good, tmp_path, create=True)


def test_scrapy_list_shows_every_source_as_a_spider(tmp_path):
    env_dir = tmp_path / "sources"
    env_dir.mkdir()
    for name in ("expo_directory", "industry_news"):
        (env_dir / f"{name}.yaml").write_text((FILES / f"{name}.yaml").read_text("utf-8"), "utf-8")
    import os

    env = {**os.environ, "CRAWL_SOURCES_DIR": str(env_dir)}
    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["expo_directory", "industry_news"]
