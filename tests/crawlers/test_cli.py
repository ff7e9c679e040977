"""`crm crawl SOURCE [--limit N]` runs the same spiders in the command's own process."""
from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from crm.models import CrawlRun, Participation
from tests.crawlers.conftest import ROOT, crawl_env


def crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from crm.cli import main; main()", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)


def test_crm_crawl_with_a_limit_stores_exactly_that_many(crawl_db, sources_dir, site):
    done = crm("crawl", "gbk_directory", "--limit", "3", "--base-url", f"{site.base}/", "--json",
               env=crawl_env(crawl_db, sources_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["status"], report["stored"]) == ("ok", 3)
    assert "stopped at the run's limit of 3 items" in report["warnings"]
    with crawl_db.session() as s:
        assert len(s.scalars(select(Participation)).all()) == 3
        run = s.get(CrawlRun, report["run_id"])
        assert (run.status, run.item_limit, run.stats["stored"]) == ("ok", 3, 3)


def test_a_queued_run_launched_in_the_background_fails_loudly_on_a_changed_layout(
        crawl_db, sources_dir, site, tmp_path):
    """What the UI's Run button does: queue a run, start `crm crawl SOURCE --run-id N`."""
    from crm.db import session_scope
    from crm.services import crawls

    source = sources_dir / "layout_changed.yaml"
    source.write_text(source.read_text("utf-8").replace("http://127.0.0.1:8000/", f"{site.base}/"),
                      "utf-8")
    with session_scope(crawl_db.sessions) as s:
        run = crawls.create_run(s, "layout_changed")
        process = crawls.launch(run, database_url=crawl_db.url, sources_dir=str(sources_dir),
                                log_dir=tmp_path / "logs")
        log_path = run.log_path
    assert process.wait(timeout=90) == 1
    log = open(log_path, encoding="utf-8").read()
    assert f"Crawl run #{run.id} of layout_changed: FAILED" in log
    with crawl_db.session() as s:
        done = s.get(CrawlRun, run.id)
        assert done.status == "failed" and "matched nothing" in done.error
        assert done.started_at and done.finished_at and done.worker and done.pid == process.pid


def test_crm_crawl_names_the_line_and_field_of_an_invalid_source(crawl_db, sources_dir):
    (sources_dir / "broken.yaml").write_text(
        "kind: exhibitors\nexhibition: {name: 某展, year: 2025}\nstart_urls: [http://x/]\n"
        "list:\n  items: div.ex\n  fields:\n    name_zh: {css: h3, xpath: //h3}\n", "utf-8")
    done = crm("crawl", "broken", env=crawl_env(crawl_db, sources_dir))
    assert done.returncode == 2
    assert "line 7, list.fields.name_zh: give exactly one of css, xpath, path or value" in done.stderr
