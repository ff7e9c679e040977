"""layout_changed: the selectors match nothing any more — the run fails loudly."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Company, CrawlRun, Exhibition, ImportBatch


def test_a_changed_layout_fails_the_run_with_a_nonzero_exit(crawl, crawl_db, site):
    done = crawl("layout_changed")
    assert done.returncode == 1, done.output[-3000:]
    assert "matched nothing" in done.output
    assert site.hits["/layout_changed/list.html"] == 1
    with crawl_db.session() as s:
        run = s.scalars(select(CrawlRun)).one()
        assert (run.source, run.status) == ("layout_changed", "failed")
        assert "div.exhibitor-card" in run.error and "matched nothing" in run.error
        assert run.stats["layout_errors"] and run.stats["items"] == 0
        # Nothing half-written: no show, no batch, no company.
        for model in (Company, Exhibition, ImportBatch):
            assert s.scalar(select(func.count()).select_from(model)) == 0
