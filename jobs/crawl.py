"""A crawl source's `schedule` as a job: start `crm crawl SOURCE --run-id N`, wait, report.

A source file may say `schedule: nightly` (or weekly, daily, or a cron expression); the
scheduler makes it a job named `crawl:<source>` (crm.services.jobs.sync_crawl_schedules).
The crawl runs in its own process, exactly as when started from the Crawls page.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from crm.services import crawl_sources, crawls


def schedules(directory: str | None = None) -> dict[str, str | None]:
    """{source: its schedule} for every valid source (None: not scheduled or disabled)."""
    out: dict[str, str | None] = {}
    for info in crawl_sources.list_sources(directory):
        if info.config is None:
            continue
        enabled = info.config.get("enabled", True)
        out[info.name] = info.config.get("schedule") if enabled else None
    return out


def run_source(session: Session, source: str, database_url: str | None,
               config: Mapping[str, Any]) -> dict[str, Any]:
    """Crawl `source` now and wait for it; a source already being crawled is skipped."""
    directory = config.get("CRAWL_SOURCES_DIR")
    source_config = crawl_sources.load_source(source, directory)
    active = crawls.run_is_active(session, source)
    if active is not None:
        return {"skipped": f"run #{active.id} is still going"}
    run = crawls.create_run(session, source, kind=source_config.kind)
    session.commit()  # the crawl process reads the run
    process = crawls.launch(run, database_url=database_url or config["DATABASE_URL"],
                            sources_dir=directory,
                            log_dir=config.get("CRAWL_LOG_DIR", "instance/crawls"))
    session.commit()  # the log path
    process.wait()
    session.expire_all()
    run = crawls.get_run(session, run.id)
    if run.status in ("queued", "running"):
        crawls.fail_queued(session, run.id,
                           f"The crawl process ended with code {process.returncode}.")
    stats = run.stats or {}
    result = {"run_id": run.id, "status": run.status,
              **{k: stats.get(k, 0) for k in ("pages", "items", "new", "linked", "review")}}
    if run.status == "failed":
        raise RuntimeError(f"crawl run #{run.id} of {source} failed: {run.error or ''}".strip())
    return result
