"""A crawl source's schedule as a job: the job crawls the source and reports, or fails loudly."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.db import session_scope
from crm.models import CrawlRun, Participation
from jobs import crawl as crawl_job


def _point_at(site, sources_dir, name: str) -> None:
    source = sources_dir / f"{name}.yaml"
    source.write_text(source.read_text("utf-8").replace("http://127.0.0.1:8000/", f"{site.base}/"),
                      "utf-8")


def _config(crawl_db, sources_dir, tmp_path) -> dict:
    return {"DATABASE_URL": crawl_db.url, "CRAWL_SOURCES_DIR": str(sources_dir),
            "CRAWL_LOG_DIR": str(tmp_path / "logs")}


def test_the_scheduled_crawl_job_crawls_its_source_and_reports(crawl_db, sources_dir, site,
                                                               tmp_path):
    _point_at(site, sources_dir, "expo_directory")
    config = _config(crawl_db, sources_dir, tmp_path)
    with session_scope(crawl_db.sessions) as s:
        result = crawl_job.run_source(s, "expo_directory", crawl_db.url, config)
    # robots.txt forbids one detail page of this site: stored without it, the run is partial.
    assert result["status"] == "partial" and result["pages"] > 0 and result["items"] > 0
    with crawl_db.session() as s:
        run = s.get(CrawlRun, result["run_id"])
        assert run.source == "expo_directory" and run.status == "partial"
        assert s.scalars(select(Participation)).first() is not None


def test_a_failed_scheduled_crawl_is_a_failed_job_with_the_reason(crawl_db, sources_dir, site,
                                                                  tmp_path):
    _point_at(site, sources_dir, "layout_changed")
    config = _config(crawl_db, sources_dir, tmp_path)
    with session_scope(crawl_db.sessions) as s, pytest.raises(RuntimeError, match="matched nothing"):
        crawl_job.run_source(s, "layout_changed", crawl_db.url, config)
