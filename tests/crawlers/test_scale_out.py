"""Scale-out: two worker processes on one scrapy-redis queue crawl the site exactly once."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from crm.models import Company, CrawlRun, Participation
from tests.crawlers.conftest import ROOT, TEST_SETTINGS, crawl_env

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture()
def redis_server():
    redis = pytest.importorskip("redis")
    server = redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); the scale-out test needs "
                    "a Redis server (redis-server on 127.0.0.1:6379)")
    yield server
    server.close()


def test_two_workers_share_one_queue_and_fetch_every_page_once(crawl_db, sources_dir, site,
                                                               redis_server):
    job = f"test-{uuid.uuid4().hex[:8]}"
    # Slow enough that both workers get their share even when the machine is busy: each
    # polls the shared queue about once a second, and a worker takes two pages at a time.
    site.delay = 0.3
    env = crawl_env(crawl_db, sources_dir, REDIS_URL=REDIS_URL)
    command = [sys.executable, "-m", "scrapy", "crawl", "scale_directory",
               "-a", f"base_url={site.base}/", "-s", f"CRAWL_JOB={job}",
               "-s", "CRAWL_REDIS_IDLE_CLOSE=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    for key, value in TEST_SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    workers = []
    site.gate.clear()  # hold the pages until both workers are up
    try:
        for _ in range(2):
            workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True))
        _wait_for_runs(crawl_db, 2)
        site.gate.set()
        outputs = [w.communicate(timeout=90)[0] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        for key in redis_server.scan_iter(f"expolead:{job}:*"):
            redis_server.delete(key)
    assert [w.returncode for w in workers] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    pages = {p: n for p, n in site.hits.items() if p.startswith("/scale_directory/")}
    expected = {f"/scale_directory/list-{n}.html" for n in (1, 2, 3)} | {
        f"/scale_directory/detail/{k}.html" for k in range(1, 31)}
    assert set(pages) == expected
    assert set(pages.values()) == {1}, {p: n for p, n in pages.items() if n != 1}
    with crawl_db.session() as s:
        runs = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.job for r in runs] == [job, job]
        assert [r.status for r in runs] == ["ok", "ok"]
        # Both workers fetched pages; between them, every exhibitor once.
        assert all(r.stats["pages"] > 0 for r in runs), "\n".join(o[-6000:] for o in outputs)
        assert sum(r.stats["pages"] for r in runs) == 33
        assert sum(r.stats["stored"] for r in runs) == 30
        booths = sorted(p.booth_no for p in s.scalars(select(Participation)))
        assert booths == [f"S{k:03d}" for k in range(1, 31)]
        assert len(s.scalars(select(Company)).all()) == 30


def _wait_for_runs(db, count: int, timeout: float = 60) -> None:
    """Until `count` workers have opened their crawl runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as s:
            if len(s.scalars(select(CrawlRun.id)).all()) >= count:
                return
        time.sleep(0.2)
    raise AssertionError(f"{count} workers did not start within {timeout} s")
