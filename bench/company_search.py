"""Benchmark the company search and the company page on a firm's whole history.

Fills a fresh database (SQLite file in bench/out/ or the PostgreSQL database
`bench_search`) with --companies companies, --contacts contacts and --participations
participations (default 1,000,000 / 3,000,000 / 5,000,000) plus ~2,000 show editions, then
times, inside the Flask app (test client: request handling and rendering, no network),
searches by Chinese trade name, full Chinese name, English word, pinyin, initials, mobile
and landline, and the company page, as a general manager (sees everything) and as an
executor (row-level filter). Progress goes to stderr; the last line of stdout is one JSON
object with the figures. Targets: p95 ≤ 100 ms per search kind, ≤ 50 ms for the page.

    python bench/company_search.py --db sqlite --companies 100000   # quick
    python bench/company_search.py --db postgres --keep               # full scale, keep the DB
    python bench/company_search.py --db postgres --reuse              # measure the kept DB again
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _data  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.schema import CreateIndex, CreateTable  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

import crm.models  # noqa: E402,F401
from crm import create_app, migrate  # noqa: E402
from crm.db import Base, make_engine  # noqa: E402
from crm.models import Department, Exhibition, Industry, User  # noqa: E402
from crm.services import search  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_search"
PASSWORD = "bench-password"
SEED = 20240601
CHUNK = 5000
TERMS = "company_search_terms"  # keyed by (term, company_id): loaded apart, keyed at the end

# Bulk-loaded tables and the columns we fill (ids come from the database except companies).
COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": ("id", "name_zh", "name_en", "credit_code", "country", "province", "city",
                  "address", "website", "website_domain", "industry_id", "is_key_client",
                  "owner_id", "merged_into_id", "version", "created_at", "updated_at"),
    "company_kinds": ("company_id", "kind"),
    "company_aliases": ("company_id", "name", "script", "source", "seen_at"),
    "company_phones": ("company_id", "raw", "e164", "extension", "kind", "source"),
    "contacts": ("company_id", "name", "title", "department", "mobile", "mobile_e164",
                 "landline", "landline_e164", "landline_ext", "email", "wechat", "source",
                 "version", "created_at", "updated_at"),
    "participations": ("company_id", "exhibition_id", "booth_no", "hall", "area_m2",
                       "booth_type", "origin", "source", "version", "created_at", "updated_at"),
    "company_search_terms": ("company_id", "term"),
    "company_search_texts": ("company_id", "terms"),
}


def _required_extras() -> dict[str, tuple[tuple[str, Any], ...]]:
    """NOT NULL columns of the bulk tables that COLUMNS leaves out, with their Python default.

    Other features add columns; as long as they have a default, the load keeps working.
    """
    extras = {}
    for table, names in COLUMNS.items():
        found = []
        for column in Base.metadata.tables[table].columns:
            if (column.name in names or column.primary_key or column.nullable
                    or column.server_default is not None):
                continue
            default = column.default
            if default is None or not default.is_scalar:
                raise SystemExit(f"bench: {table}.{column.name} is NOT NULL without a default; "
                                 "add it to COLUMNS in bench/company_search.py")
            found.append((column.name, default.arg))
        extras[table] = tuple(found)
    return extras


EXTRAS = _required_extras()
# Searches for one company, by what people type to find it: the p95 target applies to these.
TARGET_KINDS = ["zh_trade", "zh_full", "en_word", "en_full", "pinyin", "initials", "mobile",
                "landline", "submit"]
# Reported for information: a word shared by thousands (a city, a trade word), the first
# keystroke of a live search (one letter or character), and a city plus a trade word.
INFO_KINDS = ["broad", "first_key", "two_words"]
SEARCH_KINDS = TARGET_KINDS + INFO_KINDS


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- who owns what ------------------------------------------------------------------------

def ownership(index: int, owners: list[int]) -> tuple[int | None, bool, int | None]:
    """(owner id, key client, merged into) of company `index`: 12% owned, 1% merged away."""
    rng = random.Random(SEED * 7919 + index)
    owner = rng.choice(owners) if owners and rng.random() < 0.12 else None
    key = owner is not None and rng.random() < 0.15
    merged = rng.randrange(index) + 1 if index > 10 and rng.random() < 0.01 else None
    return owner, key, merged


# --- building rows in worker processes ----------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(world_args: dict, context: dict) -> None:
    _W["world"] = _data.World(SEED, **world_args)
    _W.update(context)


def _stamp(value: datetime, dialect: str) -> str:
    if dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.000000")
    return value.strftime("%Y-%m-%d %H:%M:%S+00")


def _copy_text(rows: list[tuple]) -> bytes:
    """Rows in PostgreSQL's COPY text format."""
    out = []
    for row in rows:
        fields = []
        for v in row:
            if v is None:
                fields.append("\\N")
            elif v is True or v is False:
                fields.append("t" if v else "f")
            else:
                s = str(v)
                if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
                    s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
                fields.append(s)
        out.append("\t".join(fields))
    return ("\n".join(out) + "\n").encode() if out else b""


def build_chunk(start: int, stop: int) -> dict[str, Any]:
    """Rows of every bulk table for companies start..stop-1 (ids start+1..stop)."""
    world: _data.World = _W["world"]
    dialect = _W["dialect"]
    industry_ids: dict[str, int] = _W["industry_ids"]
    owners: list[int] = _W["owners"]
    rows: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    for index in range(start, stop):
        c = world.company(index)
        cid = index + 1
        owner, key, merged = ownership(index, owners)
        stamp = _stamp(c.created_at, dialect)
        rows["companies"].append((
            cid, c.name_zh, c.name_en, c.credit_code, "CN", c.city.province, c.city.name_zh,
            c.address, c.website, c.website_domain, industry_ids.get(c.industry_code), key, owner,
            merged, 1, stamp, stamp))
        rows["company_kinds"].append((cid, "exhibitor"))
        aliases = [(c.name_zh, "zh")] + ([(c.name_en, "en")] if c.name_en else []) + [
            (n, "zh") for n in c.former_names]
        for name, script in aliases:
            rows["company_aliases"].append((cid, name, script, "bench", stamp))
        for p in c.phones:
            rows["company_phones"].append((cid, p.raw, p.e164, p.extension, p.kind, "bench"))
        numbers = [p.e164 for p in c.phones]
        for k in c.contacts:
            rows["contacts"].append((cid, k.name, k.title, k.department, k.mobile, k.mobile_e164,
                                     k.landline, k.landline_e164, k.landline_ext, k.email,
                                     k.wechat, "bench", 1, stamp, stamp))
            numbers += [k.mobile_e164, k.landline_e164]
        for p in c.participations:
            rows["participations"].append((cid, p.exhibition_index + 1, p.booth_no, p.hall,
                                           p.area_m2, p.booth_type, p.origin, "bench", 1, stamp,
                                           stamp))
        # What crm.services.search.reindex would store for this company.
        terms = search.company_terms([c.name_zh, c.name_en] + [a for a, _s in aliases], numbers)
        rows["company_search_terms"] += [(cid, term) for term in sorted(terms)]
        if terms:
            rows["company_search_texts"].append((cid, search.joined_terms(terms)))
    for table, extra in EXTRAS.items():
        if extra:
            values = tuple(v for _n, v in extra)
            rows[table] = [row + values for row in rows[table]]
    if dialect == "postgres":
        return {t: _copy_text(r) for t, r in rows.items()}
    return rows


# --- databases ----------------------------------------------------------------------------

def database_url(db: str, name: str) -> str:
    """The SQLite file bench/out/<name>.sqlite3 or the PostgreSQL database <name>."""
    if db == "sqlite":
        return f"sqlite:///{OUT / (name + '.sqlite3')}"
    return f"postgresql+psycopg://{PG_SERVER.split('://', 1)[1]}/{name}"


def create_database(db: str, name: str) -> str:
    drop_database(db, name)
    if db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
    else:
        import psycopg
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(db, name)
    migrate.upgrade(url)
    return url


def drop_database(db: str, name: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(OUT / (name + ".sqlite3")) + suffix).unlink(missing_ok=True)
    else:
        import psycopg
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_reference(url: str, world: _data.World) -> dict[str, Any]:
    """Industries, departments, users and show editions; returns what the loader needs."""
    engine = make_engine(url)
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with engine.begin() as conn:
        industry_ids: dict[str, int] = {}
        for order, ind in enumerate(world.industries):
            industry_ids[ind.code] = conn.execute(insert(Industry).values(
                code=ind.code, name_zh=ind.name_zh, name_en=ind.name_en,
                parent_id=industry_ids.get(ind.parent) if ind.parent else None,
                sort_order=order, active=True).returning(Industry.id)).scalar_one()
        departments = {}
        for code, zh in (("market", "市场拓展部"), ("execution", "业务执行部")):
            departments[code] = conn.execute(insert(Department).values(code=code, name_zh=zh)
                                             .returning(Department.id)).scalar_one()
        now = datetime.now().astimezone()
        users = [("gm", "general_manager", None), ("admin", "admin", None),
                 ("msup", "market_supervisor", "market"), ("esup", "execution_supervisor", "execution")]
        users += [(f"exec{i:02d}", "executor", "execution") for i in range(1, 31)]
        users += [(f"tele{i:02d}", "telesales", "market") for i in range(1, 16)]
        ids = {}
        for username, role, dept in users:
            ids[username] = conn.execute(insert(User).values(
                username=username, display_name=username.upper(), password_hash=hashed, role=role,
                department_id=departments.get(dept), active=True, failed_logins=0,
                created_at=now, updated_at=now).returning(User.id)).scalar_one()
        rows = []
        for i, ex in enumerate(world.exhibitions()):
            rows.append({"id": i + 1, "name_zh": ex.name_zh, "name_en": ex.name_en, "year": ex.year,
                         "starts_on": ex.starts_on, "ends_on": ex.ends_on, "city": ex.city,
                         "halls": ex.halls, "industry_id": industry_ids.get(ex.industry_code),
                         "version": 1, "created_at": now, "updated_at": now})
        conn.execute(insert(Exhibition), rows)
    engine.dispose()
    owners = [v for k, v in ids.items() if k.startswith(("exec", "tele"))]
    return {"industry_ids": industry_ids, "owners": owners, "users": ids,
            "exhibitions": len(rows)}


def _all_columns() -> dict[str, tuple[str, ...]]:
    return {t: names + tuple(n for n, _v in EXTRAS.get(t, ())) for t, names in COLUMNS.items()}


def _big_indexes():
    for table in COLUMNS:
        yield from sorted(Base.metadata.tables[table].indexes, key=lambda i: i.name)


class SqliteWriter:
    def __init__(self, url: str) -> None:
        self.path = url.removeprefix("sqlite:///")
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                       "foreign_keys=OFF", "threads=2"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.sql = {t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
                    for t, c in _all_columns().items()}

    def drop_indexes(self) -> None:
        for index in _big_indexes():
            self.conn.execute(f"DROP INDEX IF EXISTS {index.name}")
        # The terms table is its own (term, company_id) B-tree: load a plain table, then
        # copy it over in key order (create_indexes).
        self.conn.execute(f"DROP TABLE {TERMS}")
        self.conn.execute(f"CREATE TABLE {TERMS} (company_id INTEGER, term TEXT)")

    def write(self, chunk: dict[str, list[tuple]]) -> None:
        self.conn.execute("BEGIN")
        for table, rows in chunk.items():
            if rows:
                self.conn.executemany(self.sql[table], rows)
        self.conn.execute("COMMIT")

    def create_indexes(self) -> None:
        from sqlalchemy.dialects import sqlite
        t = time.perf_counter()
        self.conn.execute(f"ALTER TABLE {TERMS} RENAME TO load_terms")
        self.conn.execute(str(CreateTable(Base.metadata.tables[TERMS]).compile(
            dialect=sqlite.dialect())))
        self.conn.execute(f"INSERT INTO {TERMS} (term, company_id) SELECT term, company_id "
                          "FROM load_terms ORDER BY term, company_id")
        self.conn.execute("DROP TABLE load_terms")
        log(f"  {TERMS} in key order: {time.perf_counter() - t:.0f} s")
        for index in _big_indexes():
            t = time.perf_counter()
            self.conn.execute(str(CreateIndex(index).compile(dialect=sqlite.dialect())))
            log(f"  index {index.name}: {time.perf_counter() - t:.0f} s")

    def analyze(self) -> None:
        self.conn.execute("PRAGMA analysis_limit=1000")
        self.conn.execute("ANALYZE")

    def close(self) -> None:
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


class PostgresWriter:
    def __init__(self, url: str) -> None:
        import psycopg
        self.conn = psycopg.connect(f"{PG_SERVER}/{url.rsplit('/', 1)[1]}")
        # Foreign keys are checked by triggers; the generator keeps them consistent.
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET maintenance_work_mem = '1GB'")
        self.conn.execute("SET max_parallel_maintenance_workers = 2")
        self.conn.commit()

    def drop_indexes(self) -> None:
        for index in _big_indexes():
            self.conn.execute(f"DROP INDEX IF EXISTS {index.name}")
        self.conn.execute(f"ALTER TABLE {TERMS} DROP CONSTRAINT pk_{TERMS}")
        self.conn.commit()

    def write(self, chunk: dict[str, bytes]) -> None:
        with self.conn.cursor() as cur:
            for table, data in chunk.items():
                if data:
                    columns = ", ".join(_all_columns()[table])
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
                        cp.write(data)
        self.conn.commit()

    def create_indexes(self) -> None:
        from sqlalchemy.dialects import postgresql
        self.conn.execute("SELECT setval(pg_get_serial_sequence('companies', 'id'), "
                          "(SELECT max(id) FROM companies))")
        self.conn.execute("SELECT setval(pg_get_serial_sequence('exhibitions', 'id'), "
                          "(SELECT max(id) FROM exhibitions))")
        self.conn.commit()
        t = time.perf_counter()
        self.conn.execute(f"ALTER TABLE {TERMS} ADD CONSTRAINT pk_{TERMS} "
                          "PRIMARY KEY (term, company_id)")
        self.conn.commit()
        log(f"  primary key of {TERMS}: {time.perf_counter() - t:.0f} s")
        for index in _big_indexes():
            t = time.perf_counter()
            self.conn.execute(str(CreateIndex(index).compile(dialect=postgresql.dialect())))
            self.conn.commit()
            log(f"  index {index.name}: {time.perf_counter() - t:.0f} s")

    def analyze(self) -> None:
        # VACUUM sets the visibility map, so index-only scans need not visit the heap.
        self.conn.autocommit = True
        self.conn.execute("VACUUM (ANALYZE)")

    def close(self) -> None:
        self.conn.close()


def build(args, url: str) -> dict[str, float]:
    world_args = {"contacts_per_company": args.contacts / max(args.companies, 1),
                  "participations_per_company": args.participations / max(args.companies, 1)}
    world = _data.World(SEED, **world_args)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ref = seed_reference(url, world)
    writer = SqliteWriter(url) if args.db == "sqlite" else PostgresWriter(url)
    writer.drop_indexes()
    context = {"dialect": args.db, "industry_ids": ref["industry_ids"], "owners": ref["owners"]}
    chunks = [(s, min(s + CHUNK, args.companies)) for s in range(0, args.companies, CHUNK)]
    pending: collections.deque = collections.deque()
    done = 0
    with get_context("fork").Pool(args.workers, _init_worker, (world_args, context)) as pool:
        for start, stop in chunks:
            pending.append(pool.apply_async(build_chunk, (start, stop)))
            while len(pending) > args.workers * 2:
                writer.write(pending.popleft().get())
                done += CHUNK
                if done % (CHUNK * 20) == 0:
                    rate = done / (time.perf_counter() - t0)
                    log(f"  {done:,} companies loaded ({rate:,.0f}/s)")
        while pending:
            writer.write(pending.popleft().get())
    timings["load_s"] = time.perf_counter() - t0
    log(f"rows loaded in {timings['load_s']:.0f} s; creating indexes")
    t = time.perf_counter()
    writer.create_indexes()
    timings["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    writer.analyze()
    timings["analyze_s"] = time.perf_counter() - t
    writer.close()
    timings["build_s"] = time.perf_counter() - t0
    log(f"built in {timings['build_s']:.0f} s (indexes {timings['index_s']:.0f} s, "
        f"analyze {timings['analyze_s']:.0f} s)")
    return timings


def row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("companies", "contacts", "participations", "exhibitions",
                            "company_aliases", "company_phones", "company_search_terms")}
    engine.dispose()
    return counts


# --- measuring ----------------------------------------------------------------------------

def pick_queries(args, world: _data.World, owners: dict[str, int]) -> dict[str, list[str]]:
    """N queries per kind, each derived from a random company that was loaded."""
    rng = random.Random(SEED + 99)
    owner_ids = [v for k, v in owners.items() if k.startswith(("exec", "tele"))]
    queries: dict[str, list[str]] = {k: [] for k in SEARCH_KINDS}
    cities = [c.short for c in world.cities[:40]]
    words = [w for w, _e, _i in _data.TRADE_WORDS[:30]] + [e.split()[0].lower()
                                                           for _w, e, _i in _data.TRADE_WORDS[:30]]
    while min(len(v) for v in queries.values()) < args.queries:
        index = rng.randrange(args.companies)
        if ownership(index, owner_ids)[2] is not None:
            continue  # merged away: not findable by design
        c = world.company(index)
        queries["zh_trade"].append(c.trade)
        queries["zh_full"].append(c.name_zh)
        if c.brand_en:
            queries["en_word"].append(c.brand_en.lower() if rng.random() < 0.5 else c.brand_en)
            queries["en_full"].append(c.name_en)
        queries["pinyin"].append(c.trade_pinyin)
        queries["initials"].append(c.core_initials)
        mobiles = [k.mobile_e164[3:] for k in c.contacts if k.mobile_e164]
        if mobiles:
            queries["mobile"].append(rng.choice(mobiles))
        landlines = [p.raw for p in c.phones if p.kind == "landline"]
        if landlines:
            queries["landline"].append(rng.choice(landlines))
        queries["broad"].append(rng.choice(cities + words))
        queries["first_key"].append(rng.choice([c.trade[0], c.trade_pinyin[0]]))
        queries["two_words"].append(f"{c.city.short} {c.trade_word}")
        queries["submit"].append(rng.choice([c.trade, c.trade_pinyin, c.name_zh]))
    # The information-only kinds are slower by nature: fewer of them keep the run short.
    few = max(10, args.queries // 5)
    return {k: v[:few if k in INFO_KINDS else args.queries] for k, v in queries.items()}


def pick_pages(args, owners: dict[str, int], user: str) -> list[int]:
    rng = random.Random(SEED + 7)
    owner_ids = [v for k, v in owners.items() if k.startswith(("exec", "tele"))]
    me = owners[user]
    out = []
    while len(out) < args.queries:
        index = rng.randrange(args.companies)
        owner, _key, merged = ownership(index, owner_ids)
        if merged is None and (user == "gm" or owner in (None, me)):
            out.append(index + 1)
    return out


def stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {}

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 1)

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": round(values[-1], 1),
            "mean": round(statistics.fmean(values), 1), "n": len(values)}


class Probe:
    """Per request: statements executed, and time spent inside companies.find (the service)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        from crm.services import companies
        self.statements = 0
        self.find_seconds = 0.0
        event.listen(engine, "before_cursor_execute", self._count)
        original = companies.find

        def timed_find(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.find_seconds += time.perf_counter() - t

        companies.find = timed_find  # the view calls companies.find through the module

    def _count(self, *_args) -> None:
        self.statements += 1

    def reset(self) -> None:
        self.statements, self.find_seconds = 0, 0.0


_ROW = re.compile(r'<tr>\s*<td class="wrap"><a href="/companies/\d+')


def measure(args, url: str, owners: dict[str, int]) -> dict[str, Any]:
    world = _data.World(SEED, contacts_per_company=args.contacts / max(args.companies, 1),
                        participations_per_company=args.participations / max(args.companies, 1))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    probe = Probe(app.extensions["db_bind"])
    queries = pick_queries(args, world, owners)
    series: dict = collections.defaultdict(
        lambda: collections.defaultdict(lambda: collections.defaultdict(list)))
    zero_hits: dict[str, dict[str, int]] = {}
    loads = [os.getloadavg()[0]]
    for user in ("gm", "exec01"):
        client = app.test_client()
        response = client.post("/login", data={"username": user, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        role = "gm" if user == "gm" else "executor"
        plan = [(kind, q) for kind, qs in queries.items() for q in qs]
        plan += [("page", f"/companies/{cid}") for cid in pick_pages(args, owners, user)]
        random.Random(SEED + len(user)).shuffle(plan)
        for kind, q in plan[:30]:  # warm-up: connections, templates, caches
            client.get(q) if kind == "page" else client.get("/companies/", query_string={"q": q})
        zero: collections.Counter = collections.Counter()
        log(f"measuring {len(plan)} requests as {role}")
        for kind, q in plan:
            probe.reset()
            wall, cpu = time.perf_counter(), time.thread_time()
            if kind == "page":
                response = client.get(q)
            else:
                # The live search (htmx) asks for the rows only; `submit` is the whole page.
                headers = {} if kind == "submit" else {"HX-Request": "true"}
                response = client.get("/companies/", query_string={"q": q}, headers=headers)
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            assert response.status_code == 200, (kind, q, response.status_code)
            record = series[role][kind]
            record["wall"].append(wall * 1000)
            record["cpu"].append(cpu * 1000)
            record["find"].append(probe.find_seconds * 1000)
            record["statements"].append(probe.statements)
            if kind != "page" and not _ROW.search(response.get_data(as_text=True)):
                zero[kind] += 1
        zero_hits[role] = dict(zero)
        loads.append(os.getloadavg()[0])
    return {"series": series, "zero_hits": zero_hits, "load": loads}


def report(args, counts, timings, raw) -> dict[str, Any]:
    series = raw["series"]
    roles = list(series)

    def pooled(kinds, measure="wall"):
        return [v for role in roles for k in kinds for v in series[role][k][measure]]

    def p50_p95(kinds, measure):
        s = stats(pooled(kinds, measure))
        return [s.get("p50"), s.get("p95")]

    search_ms = {kind: stats(pooled([kind])) for kind in SEARCH_KINDS}
    search_ms["overall"] = stats(pooled(TARGET_KINDS))
    search_ms["overall_with_info_kinds"] = stats(pooled(SEARCH_KINDS))
    page_ms = {role: stats(series[role]["page"]["wall"]) for role in roles}
    page_ms["overall"] = stats(pooled(["page"]))
    worst = max(search_ms[k]["p95"] for k in TARGET_KINDS)
    return {
        "db": args.db, "companies": counts["companies"], "contacts": counts["contacts"],
        "participations": counts["participations"],
        "search_ms": search_ms, "page_ms": page_ms,
        "targets_met": {"search_p95_le_100": worst <= 100,
                        "page_p95_le_50": page_ms["overall"]["p95"] <= 50},
        "worst_search_p95_ms": worst,
        "build_s": round(timings.get("build_s", 0), 1),
        "build_phases_s": {k: round(v, 1) for k, v in timings.items()},
        "rows": counts,
        "search_ms_by_role": {role: {k: stats(series[role][k]["wall"]) for k in SEARCH_KINDS}
                              for role in roles},
        # CPU time of the request in this process (with SQLite that includes the database's
        # work, with PostgreSQL it does not): what a request costs when the machine is busy.
        "cpu_ms_p50_p95": {k: p50_p95([k], "cpu") for k in SEARCH_KINDS + ["page"]},
        # Time inside crm.services.companies.find: the search itself, without the view.
        "find_ms_p50_p95": {k: p50_p95([k], "find") for k in SEARCH_KINDS},
        "statements_max": {k: max(pooled([k], "statements")) for k in SEARCH_KINDS + ["page"]},
        "zero_hit_queries": raw["zero_hits"],
        "load_average": [round(x, 1) for x in raw["load"]],
        "queries_per_kind_and_role": args.queries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=3_000_000)
    parser.add_argument("--participations", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=200, help="per kind and role")
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--tag", default="", help="suffix of the database name, to keep several")
    parser.add_argument("--reuse", action="store_true",
                        help="measure a database kept by an earlier --keep run (no build)")
    args = parser.parse_args(argv)

    name = PG_DATABASE + (f"_{args.tag}" if args.tag else "")
    url = database_url(args.db, name)
    params = OUT / f"{name}_{args.db}.json"
    timings: dict[str, float] = {}
    if args.reuse:
        # The generator must see the same parameters to derive the same queries.
        built = json.loads(params.read_text())
        args.companies, args.contacts, args.participations = (
            built["companies"], built["contacts"], built["participations"])
        timings = built.get("timings", {})
        log(f"reusing {url} built with {built}")
    else:
        log(f"building {args.companies:,} companies in {url}")
        url = create_database(args.db, name)
        timings = build(args, url)
        params.write_text(json.dumps({"companies": args.companies, "contacts": args.contacts,
                                      "participations": args.participations,
                                      "timings": timings}))
    counts = row_counts(url)
    log(f"rows: {counts}")
    engine = make_engine(url)
    with engine.connect() as conn:
        # In id order: `ownership` picks owners by position in the list the loader had.
        owners = dict(conn.execute(select(User.username, User.id).order_by(User.id)).all())
    engine.dispose()
    raw = measure(args, url, owners)
    result = report(args, counts, timings, raw)
    if not args.keep and not args.reuse:
        drop_database(args.db, name)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
