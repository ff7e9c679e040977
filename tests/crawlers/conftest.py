"""Crawler tests: a real HTTP server on 127.0.0.1 serving files/, a fresh database per test,
and spiders run end to end in a subprocess (Twisted's reactor starts once per process).

The server serves files/<site>/… as they are, plus the hostile parts no static file can
be: a page that answers 500 before it answers 200, a redirect loop, a huge page, endless
pagination, slow pages, and a JSON directory answering by offset.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm import migrate
from crm.config import database_url
from crm.db import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).resolve().parent / "files"
ROBOTS = b"User-agent: *\nDisallow: /expo_directory/private/\n"


class Site:
    """What the server saw, and the behaviours a test can switch on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.delay = 0.0  # seconds before each answer (scale-out test)
        self.gate = threading.Event()  # pages wait until it is set (robots.txt does not)
        self.gate.set()

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
        self.delay = 0.0
        self.gate.set()

    def hit(self, path: str) -> int:
        with self.lock:
            self.hits[path] += 1
            return self.hits[path]


class Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        path = url.path
        count = self.site.hit(self.path)
        if path == "/robots.txt":
            return self._send(200, ROBOTS, "text/plain")
        self.site.gate.wait(timeout=60)
        if self.site.delay:
            time.sleep(self.site.delay)
        # 500 first, then 200 (the retry with backoff must get through).
        if path.startswith("/flaky_directory/") and count == 1 and not path.endswith("3.html"):
            return self._send(500, b"<h1>Internal Server Error</h1>")
        # A redirect loop: a → b → a …
        if path == "/hostile_directory/loop/a":
            return self._send(302, b"", None, {"Location": "/hostile_directory/loop/b"})
        if path == "/hostile_directory/loop/b":
            return self._send(302, b"", None, {"Location": "/hostile_directory/loop/a"})
        # A huge page, streamed without a length (a hostile or broken server).
        if path == "/hostile_directory/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(100):  # 6.5 MB, far over the test's DOWNLOAD_MAXSIZE
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        # Endless pagination: every page links to the next.
        if path.startswith("/hostile_directory/page/"):
            n = int(path.rsplit("/", 1)[1])
            extra = ""
            if n == 1:
                extra = ('<div class="ex"><h3>巨页测试有限公司</h3><span class="booth">H1</span>'
                         '<a class="more" href="/hostile_directory/huge">详情</a></div>'
                         '<div class="ex"><h3>循环跳转测试有限公司</h3><span class="booth">H2</span>'
                         '<a class="more" href="/hostile_directory/loop/a">详情</a></div>')
            body = (f'<html><body><div class="ex"><h3>无尽分页第{n}号有限公司</h3>'
                    f'<span class="booth">P{n}</span></div>{extra}'
                    f'<a class="next" href="/hostile_directory/page/{n + 1}">下一页</a></body></html>')
            return self._send(200, body.encode())
        # A JSON directory answering by offset, the way many directories load their lists.
        if path == "/json_directory/api/exhibitors":
            rows = json.loads((FILES / "json_directory" / "exhibitors.json").read_text("utf-8"))
            offset = int(parse_qs(url.query).get("offset", ["0"])[0])
            body = {"code": 0, "data": {"total": len(rows), "rows": rows[offset:offset + 2]}}
            return self._send(200, json.dumps(body, ensure_ascii=False).encode(),
                              "application/json; charset=utf-8")
        # The scale-out site: 3 list pages of 10 exhibitors, each with a detail page.
        if path.startswith("/scale_directory/list-"):
            n = int(path.rsplit("-", 1)[1].split(".")[0])
            items = "".join(f'<li class="ex"><a href="/scale_directory/detail/{k}.html">'
                            f'分布式测试第{k}号有限公司</a></li>' for k in range(n * 10 - 9, n * 10 + 1))
            more = f'<a class="next" href="/scale_directory/list-{n + 1}.html">下一页</a>' if n < 3 else ""
            return self._send(200, f"<html><body><ul>{items}</ul>{more}</body></html>".encode())
        if path.startswith("/scale_directory/detail/"):
            k = int(path.rsplit("/", 1)[1].split(".")[0])
            return self._send(200, f'<html><body><p class="booth">S{k:03d}</p></body></html>'.encode())
        # Page-numbered lists: ?page=N maps to list-N.html (a page past the end is empty).
        file = FILES / path.lstrip("/")
        if "page" in parse_qs(url.query):
            file = file.parent / f"{file.stem}-{parse_qs(url.query)['page'][0]}{file.suffix}"
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() or FILES not in file.resolve().parents:
            return self._send(404, b"<h1>Not found</h1>")
        data = file.read_bytes()
        if file.suffix == ".json":
            return self._send(200, data, "application/json")
        # Encodings are declared in the pages' <meta>, as Chinese sites do, not in the header.
        return self._send(200, data, "text/html")


@pytest.fixture(scope="session")
def site_server():
    site = Site()
    handler = type("BoundHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def site(site_server):
    """The site's state (hits, delays), reset for the test, and its base URL."""
    state, base = site_server
    state.reset()
    state.base = base
    return state


# --- a database the crawler subprocess can see --------------------------------------------

def _is_postgres() -> bool:
    configured = os.environ.get("DATABASE_URL")
    return bool(configured) and not configured.startswith("sqlite")


def _admin_engine():
    base = make_url(database_url({"DATABASE_URL": os.environ["DATABASE_URL"]}))
    return base, make_engine(base.set(database="postgres").render_as_string(hide_password=False),
                             isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def crawl_template(tmp_path_factory):
    """A migrated empty database to copy for each test (a file, or a PostgreSQL template)."""
    if _is_postgres():
        base, admin = _admin_engine()
        name = f"{base.database}_crawl_tmpl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("crawl") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    yield str(path)


@dataclass
class CrawlDB:
    url: str
    engine: object
    sessions: object
    admin_name: str | None = None  # the PostgreSQL database to drop afterwards

    def session(self):
        return self.sessions()

    def drop(self) -> None:
        self.engine.dispose()
        if self.admin_name:
            _base, admin = _admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.admin_name}" WITH (FORCE)'))
            admin.dispose()


def new_database(template: str, folder: Path) -> CrawlDB:
    """A copy of the migrated template: a file on SQLite, a database on PostgreSQL."""
    name = None
    if _is_postgres():
        base, admin = _admin_engine()
        name = f"{base.database}_crawl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        path = folder / f"crawl-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    return CrawlDB(url, engine, make_session_factory(engine), name)


@pytest.fixture()
def crawl_db(crawl_template, tmp_path):
    """A fresh database for one test, committed to by the crawler process."""
    db = new_database(crawl_template, tmp_path)
    yield db
    db.drop()


# --- running a spider -----------------------------------------------------------------------

# Fast and deterministic on a local server: no politeness delays, quick backoff.
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "RETRY_BACKOFF_BASE": "0.05",
    "DOWNLOAD_MAXSIZE": str(1024 * 1024),
    "DOWNLOAD_WARNSIZE": "0",
    "CRAWL_BATCH_SECONDS": "60",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Finished:
    returncode: int
    output: str


@pytest.fixture()
def sources_dir(tmp_path):
    """A sources folder holding copies of the fixture sources (files/*.yaml)."""
    folder = tmp_path / "sources"
    folder.mkdir()
    for path in FILES.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def crawl_env(db: CrawlDB, sources: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CRAWL_HTTPCACHE")}
    env.update({"DATABASE_URL": db.url, "CRAWL_SOURCES_DIR": str(sources),
                "PYTHONPATH": str(ROOT), **extra})
    return env


def scrapy_crawl(name: str, db: CrawlDB, sources: Path, base: str, *extra: str,
                 env: dict[str, str] | None = None, timeout: float = 60) -> Finished:
    """`scrapy crawl NAME -a base_url=…` from the repository root, as a person would."""
    command = [sys.executable, "-m", "scrapy", "crawl", name, "-a", f"base_url={base}/"]
    for key, value in TEST_SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    command += list(extra)
    done = subprocess.run(command, cwd=ROOT, env=env or crawl_env(db, sources),
                          capture_output=True, text=True, timeout=timeout)
    return Finished(done.returncode, done.stdout + done.stderr)


@pytest.fixture()
def crawl(crawl_db, sources_dir, site):
    """Run a source end to end against the local site; return its exit status and log."""

    def run(name: str, *extra: str, **kw) -> Finished:
        return scrapy_crawl(name, crawl_db, sources_dir, site.base, *extra, **kw)

    return run


# --- the fixture sites, crawled once for the session ------------------------------------------

FIXTURE_SOURCES = ("expo_directory", "json_directory", "gbk_directory", "flaky_directory",
                   "hostile_directory", "organizer_shows", "venue_calendar", "industry_news")


@dataclass
class Outcome:
    """One source crawled: its database, status, report and the server's hits meanwhile."""

    db: CrawlDB
    status: str | None
    run_id: int | None
    report: dict
    error: str | None
    hits: Counter
    log: str


@pytest.fixture(scope="session")
def fixture_crawls(crawl_template, site_server, tmp_path_factory):
    """Every fixture source crawled end to end, all in one Scrapy process, each into a
    fresh database seeded as tests/crawlers/seeds.py says."""
    import crm.services.matching  # noqa: F401  (session hooks for the seeds: match keys too)
    from crm.db import session_scope
    from tests.crawlers.seeds import SEEDS

    state, base = site_server
    state.reset()
    folder = tmp_path_factory.mktemp("fixture_crawls")
    sources = folder / "sources"
    sources.mkdir()
    for path in FILES.glob("*.yaml"):
        shutil.copy(path, sources / path.name)
    dbs = {name: new_database(crawl_template, folder) for name in FIXTURE_SOURCES}
    for name, db in dbs.items():
        if name in SEEDS:
            with session_scope(db.sessions) as s:
                SEEDS[name](s)
    jobs = [{"name": name, "database_url": db.url, "base_url": f"{base}/",
             "settings": TEST_SETTINGS} for name, db in dbs.items()]
    jobs_file, results_file = folder / "jobs.json", folder / "results.json"
    jobs_file.write_text(json.dumps(jobs), "utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CRAWL_HTTPCACHE")}
    env.update({"CRAWL_SOURCES_DIR": str(sources), "PYTHONPATH": str(ROOT)})
    done = subprocess.run([sys.executable, str(Path(__file__).parent / "run_sources.py"),
                           str(jobs_file), str(results_file)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    log = done.stdout + done.stderr
    assert done.returncode == 0 and results_file.exists(), log[-5000:]
    results = json.loads(results_file.read_text("utf-8"))
    hits = Counter(state.hits)
    outcomes = {name: Outcome(db, results[name]["status"], results[name]["run_id"],
                              results[name]["report"], results[name]["error"], hits, log)
                for name, db in dbs.items()}
    yield outcomes
    for db in dbs.values():
        db.drop()
