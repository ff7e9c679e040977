"""Benchmark the telesales call queue on PostgreSQL: claim + outcome under 32 workers.

Builds a fresh database `bench_calls` (migrated with crm.migrate) holding --items companies
queued in one shared-pool call list (the most contended case: every worker claims from the
same list), 32 telesales users with API tokens and the shipped call outcomes. Then it runs
three modes, each for --seconds on a freshly reset queue, with --workers concurrent
workers spread over --procs processes (threads within each; every worker has its own
connection and session and commits each claim and each outcome):

  service   crm.services.calls.claim_next + commit, then log_outcome + commit — the
            real rules: held-claim check, settings, list order, do-not-call join, the
            conditional UPDATE (FOR UPDATE SKIP LOCKED), the Call row, and what the
            outcome triggers (leads, mailing tasks, retries, callbacks).
  http      the same through the JSON API: POST /api/v1/calls/claims and
            POST /api/v1/calls/claims/<id>/outcome with bearer tokens, against live
            werkzeug servers (HTTP/1.1 keep-alive, threaded) in --servers processes.
  sql       the ceiling: a bare psycopg loop with the same claim UPDATE … SKIP LOCKED and
            an UPDATE + INSERT for the outcome, no ORM, no rules.

Outcomes follow a realistic mix (30% no answer, 22% not interested, 12% meeting …).
Afterwards every mode is checked for double claims: no item claimed twice in the run, no
two calls for one claim. Progress goes to stderr; the last line of stdout is one JSON
object. Targets: service ≥ 1,000 claim+outcome/s, claim p99 ≤ 25 ms, zero double claims.

    python bench/call_queue.py                       # 200,000 items, 32 workers, 20 s a mode
    python bench/call_queue.py --items 20000 --seconds 10 --modes service,sql
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_calls"
OUTCOMES = {"no_answer": 30, "busy": 8, "not_interested": 22, "call_back": 8,
            "send_materials": 12, "meeting_possible": 12, "requirements_sent": 6,
            "wrong_number": 2}
TARGETS = {"service_ops_per_s": 1000, "claim_p99_ms": 25}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def url_for(database: str) -> str:
    return f"{PG_SERVER}/{database}"


# --- build ------------------------------------------------------------------------------

def build(items: int, workers: int) -> dict[str, Any]:
    """Create and fill the benchmark database; return its facts (users, tokens, list)."""
    import psycopg

    from crm import migrate
    from crm.db import make_engine, make_session_factory
    from crm.models import CallList, Department, Role, User
    from crm.services import auth, calls, workdays

    started = time.perf_counter()
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    url = url_for(PG_DATABASE)
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        calls.seed_outcomes(s)
        workdays.seed_calendar(s)
        market = Department(code="market", name_zh="市场拓展部")
        s.add(market)
        users = [User(username=f"tele{i:02d}", display_name=f"电话销售{i:02d}",
                      role=Role.TELESALES.value, password_hash="-", department=market)
                 for i in range(workers)]
        s.add_all(users)
        pool = CallList(name="基准测试共享池")
        s.add(pool)
        s.flush()
        tokens = [auth.issue_token(s, u, "bench") for u in users]
        facts = {"user_ids": [u.id for u in users], "tokens": tokens, "list_id": pool.id}
        s.commit()
    engine.dispose()
    now = datetime.now(timezone.utc).isoformat()
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            with cur.copy("COPY companies (id, name_zh, country, is_key_client, do_not_call, "
                          "version, created_at, updated_at) FROM STDIN") as copy:
                for i in range(1, items + 1):
                    copy.write_row((i, f"基准测试展商{i:06d}有限公司", "CN", i % 20 == 0, False,
                                    1, now, now))
            with cur.copy("COPY company_kinds (company_id, kind) FROM STDIN") as copy:
                for i in range(1, items + 1):
                    copy.write_row((i, "exhibitor"))
            with cur.copy("COPY call_items (list_id, company_id, status, priority, attempts) "
                          "FROM STDIN") as copy:
                order = list(range(1, items + 1))
                random.Random(5).shuffle(order)
                for rank, company_id in enumerate(order, start=1):
                    copy.write_row((facts["list_id"], company_id, "queued", rank, 0))
            cur.execute("SELECT setval(pg_get_serial_sequence('companies', 'id'), %s)", (items,))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    facts["build_s"] = round(time.perf_counter() - started, 1)
    return facts


def reset(list_id: int) -> None:
    """Put every item back in the queue and forget the calls, leads and tasks of a run
    (CASCADE: and whatever later features hang off them, e.g. design requests)."""
    import psycopg

    with psycopg.connect(url_for(PG_DATABASE)) as conn:
        conn.execute("TRUNCATE calls, leads, lead_assignments, lead_conflicts, mailing_tasks, "
                     "client_attributions, audit_log CASCADE")
        conn.execute("UPDATE call_items SET status = 'queued', attempts = 0, claimed_by_id = NULL, "
                     "claimed_at = NULL, claim_expires_at = NULL, ready_at = NULL, "
                     "callback_at = NULL, callback_user_id = NULL, last_outcome = NULL, "
                     "done_at = NULL, skip_reason = NULL WHERE list_id = %s", (list_id,))
        conn.commit()
    with psycopg.connect(url_for(PG_DATABASE), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) call_items")
        conn.execute("VACUUM (ANALYZE) calls")


# --- workers ----------------------------------------------------------------------------

def _pick(rng: random.Random) -> str:
    codes = list(OUTCOMES)
    return rng.choices(codes, [OUTCOMES[c] for c in codes])[0]


def _service_worker(user_id: int, seed: int, deadline: float, start: threading.Barrier,
                    out: dict) -> None:
    from crm.models import User
    from crm.services import calls

    factory = out["factory"]
    rng = random.Random(seed)
    s = factory()
    user = s.get(User, user_id)
    s.commit()
    claims, outcomes, taken, errors = [], [], [], 0
    start.wait()
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            claim = calls.claim_next(s, user)
            s.commit()
        except Exception:  # noqa: BLE001 - counted, the run goes on
            s.rollback()
            errors += 1
            continue
        t1 = time.perf_counter()
        if claim is None:
            break
        code = _pick(rng)
        callback = (datetime.now(timezone.utc) + timedelta(days=2)) if code == "call_back" else None
        try:
            calls.log_outcome(s, claim.item_id, user, code, "基准测试", callback_at=callback,
                              attempt=claim.attempt)
            s.commit()
        except Exception:  # noqa: BLE001
            s.rollback()
            errors += 1
            continue
        t2 = time.perf_counter()
        claims.append(t1 - t0)
        outcomes.append(t2 - t1)
        taken.append((claim.item_id, claim.attempt, t2))
    s.close()
    out["results"].append({"claims": claims, "outcomes": outcomes, "taken": taken,
                           "errors": errors})


class _Http:
    """A keep-alive HTTP/1.1 client for one worker."""

    def __init__(self, port: int, token: str) -> None:
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[int, Any]:
        self.conn.request("POST", path, json.dumps(body), self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)


def _http_worker(port: int, token: str, seed: int, deadline: float, start: threading.Barrier,
                 out: dict) -> None:
    rng = random.Random(seed)
    client = _Http(port, token)
    claims, outcomes, taken, errors = [], [], [], 0
    start.wait()
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        status, claim = client.post("/api/v1/calls/claims", {})
        t1 = time.perf_counter()
        if status == 204:
            break
        if status != 200:
            errors += 1
            continue
        code = _pick(rng)
        body = {"outcome": code, "note": "基准测试", "attempt": claim["attempt"]}
        if code == "call_back":
            body["callback_at"] = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
        status, _ = client.post(f"/api/v1/calls/claims/{claim['item_id']}/outcome", body)
        t2 = time.perf_counter()
        if status != 201:
            errors += 1
            continue
        claims.append(t1 - t0)
        outcomes.append(t2 - t1)
        taken.append((claim["item_id"], claim["attempt"], t2))
    out["results"].append({"claims": claims, "outcomes": outcomes, "taken": taken,
                           "errors": errors})


CLAIM_SQL = """
UPDATE call_items SET status = 'claimed', claimed_by_id = %(u)s, claimed_at = now(),
       claim_expires_at = now() + interval '15 minutes', ready_at = now() + interval '15 minutes',
       attempts = attempts + 1
 WHERE id = (SELECT id FROM call_items WHERE list_id = %(l)s AND status = 'queued'
              ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED)
   AND status = 'queued'
RETURNING id, company_id, attempts"""
DONE_SQL = """
UPDATE call_items SET status = 'done', done_at = now(), last_outcome = %(o)s,
       claim_expires_at = NULL, ready_at = NULL
 WHERE id = %(i)s AND status = 'claimed' AND claimed_by_id = %(u)s"""
CALL_SQL = """
INSERT INTO calls (company_id, user_id, outcome, bucket, reached, note, at, item_id, list_id, attempt)
VALUES (%(c)s, %(u)s, %(o)s, 'none', true, '基准测试', now(), %(i)s, %(l)s, %(a)s)"""


def _sql_worker(user_id: int, list_id: int, seed: int, deadline: float,
                start: threading.Barrier, out: dict) -> None:
    import psycopg

    rng = random.Random(seed)
    conn = psycopg.connect(url_for(PG_DATABASE))
    claims, outcomes, taken, errors = [], [], [], 0
    start.wait()
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        row = conn.execute(CLAIM_SQL, {"u": user_id, "l": list_id}).fetchone()
        conn.commit()
        t1 = time.perf_counter()
        if row is None:
            break
        item_id, company_id, attempt = row
        code = _pick(rng)
        done = conn.execute(DONE_SQL, {"o": code, "i": item_id, "u": user_id})
        if done.rowcount != 1:
            conn.rollback()
            errors += 1
            continue
        conn.execute(CALL_SQL, {"c": company_id, "u": user_id, "o": code, "i": item_id,
                                "l": list_id, "a": attempt})
        conn.commit()
        t2 = time.perf_counter()
        claims.append(t1 - t0)
        outcomes.append(t2 - t1)
        taken.append((item_id, attempt, t2))
    conn.close()
    out["results"].append({"claims": claims, "outcomes": outcomes, "taken": taken,
                           "errors": errors})


def run_process(mode: str, slots: list[int], facts: dict, seconds: float, ports: list[int],
                ready, results) -> None:
    """One worker process: a thread per slot; all processes start together (a barrier)."""
    # Threads give the GIL back after I/O sooner than the default 5 ms switch interval.
    sys.setswitchinterval(0.001)
    out: dict[str, Any] = {"results": []}
    if mode == "service":
        import crm.services  # noqa: F401  (session hooks, as in the app)
        from crm.db import make_engine, make_session_factory

        engine = make_engine(url_for(PG_DATABASE), pool_size=len(slots) + 2, max_overflow=0)
        out["factory"] = make_session_factory(engine)
    ready.wait()  # every process imported and connected
    end = time.perf_counter() + seconds
    barrier = threading.Barrier(len(slots))
    threads = []
    for slot in slots:
        user_id, token = facts["user_ids"][slot], facts["tokens"][slot]
        if mode == "service":
            target, args = _service_worker, (user_id, slot, end, barrier, out)
        elif mode == "http":
            target, args = _http_worker, (ports[slot % len(ports)], token, slot, end, barrier, out)
        else:
            target, args = _sql_worker, (user_id, facts["list_id"], slot, end, barrier, out)
        threads.append(threading.Thread(target=target, args=args))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out["results"])


# --- HTTP servers -----------------------------------------------------------------------

def serve(port: int, ready) -> None:
    """A `crm run`-like server: the app under werkzeug, threaded, HTTP/1.1 keep-alive."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from crm import create_app

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *args, **kwargs) -> None:
            pass

    app = create_app({"DATABASE_URL": url_for(PG_DATABASE), "SECRET_KEY": "bench-calls",
                      "BABEL_DEFAULT_LOCALE": "en"})
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=Handler)
    ready.set()
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- measuring --------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summarize_latency(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"p50": round(pct(ms, 50), 2), "p95": round(pct(ms, 95), 2),
            "p99": round(pct(ms, 99), 2), "max": round(max(ms), 2) if ms else 0.0,
            "mean": round(statistics.fmean(ms), 2) if ms else 0.0, "n": len(ms)}


def check_doubles(list_id: int, taken: list[tuple[int, int, float]]) -> dict[str, int]:
    """Count items claimed twice in the run, and calls sharing one claim, in the database."""
    import psycopg

    seen: dict[int, int] = {}
    for item_id, _attempt, _ in taken:
        seen[item_id] = seen.get(item_id, 0) + 1
    twice_in_run = sum(1 for n in seen.values() if n > 1)
    with psycopg.connect(url_for(PG_DATABASE)) as conn:
        shared = conn.execute("SELECT count(*) FROM (SELECT item_id, attempt FROM calls "
                              "WHERE list_id = %s GROUP BY 1, 2 HAVING count(*) > 1) x",
                              (list_id,)).fetchone()[0]
        reclaimed = conn.execute("SELECT count(*) FROM call_items WHERE list_id = %s "
                                 "AND attempts > 1", (list_id,)).fetchone()[0]
        calls = conn.execute("SELECT count(*) FROM calls WHERE list_id = %s",
                             (list_id,)).fetchone()[0]
    return {"items_claimed_twice": twice_in_run, "calls_sharing_a_claim": shared,
            "items_with_attempts_gt_1": reclaimed, "calls_in_db": calls}


def run_mode(mode: str, args, facts: dict) -> dict[str, Any]:
    reset(facts["list_id"])
    ctx = get_context("spawn")
    servers, ports = [], []
    if mode == "http":
        for _ in range(args.servers):
            port, ready = free_port(), ctx.Event()
            proc = ctx.Process(target=serve, args=(port, ready), daemon=True)
            proc.start()
            if not ready.wait(60):
                raise RuntimeError("the HTTP server did not start")
            servers.append(proc)
            ports.append(port)
        time.sleep(0.5)
    slots = list(range(args.workers))
    groups = [g for g in (slots[i::args.procs] for i in range(args.procs)) if g]
    log(f"{mode}: {args.workers} workers in {len(groups)} processes for {args.seconds} s")
    ready, queue = ctx.Barrier(len(groups)), ctx.Queue()
    procs = [ctx.Process(target=run_process,
                         args=(mode, g, facts, args.seconds, ports, ready, queue))
             for g in groups]
    for proc in procs:
        proc.start()
    results = [r for _ in procs for r in queue.get(timeout=args.seconds + 600)]
    for proc in procs:
        proc.join(30)
    for proc in servers:
        proc.terminate()
        proc.join(10)
    claims = [v for r in results for v in r["claims"]]
    outcomes = [v for r in results for v in r["outcomes"]]
    taken = [t for r in results for t in r["taken"]]
    errors = sum(r["errors"] for r in results)
    if taken:
        first_done = min(t for _, _, t in taken)
        elapsed = max(t for _, _, t in taken) - first_done
    else:
        elapsed = 0.0
    ops = len(taken)
    doubles = check_doubles(facts["list_id"], taken)
    figures = {"ops": ops, "ops_per_s": round(ops / args.seconds, 1),
               "claim_ms": summarize_latency(claims), "outcome_ms": summarize_latency(outcomes),
               "pair_ms_p50": round(pct([a + b for a, b in zip(claims, outcomes)], 50) * 1000, 2),
               "errors": errors, "double_claims": doubles["items_claimed_twice"]
               + doubles["calls_sharing_a_claim"], "checks": doubles,
               "active_window_s": round(elapsed, 1)}
    log(f"{mode}: {figures['ops_per_s']} claim+outcome/s, claim p99 "
        f"{figures['claim_ms']['p99']} ms, doubles {figures['double_claims']}, errors {errors}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2,
                        help="worker processes, threads inside (default: one per CPU)")
    parser.add_argument("--servers", type=int, default=2, help="HTTP server processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per mode")
    parser.add_argument("--modes", default="service,http,sql")
    parser.add_argument("--reuse", action="store_true", help="reuse a built bench_calls")
    args = parser.parse_args()
    facts_file = ROOT / "bench" / "out" / "call_queue_facts.json"
    facts_file.parent.mkdir(parents=True, exist_ok=True)
    if args.reuse and facts_file.exists():
        facts = json.loads(facts_file.read_text())
    else:
        log(f"building {args.items} queued items for {args.workers} telesales …")
        facts = build(args.items, args.workers)
        facts_file.write_text(json.dumps(facts))
        log(f"built in {facts['build_s']} s")
    results: dict[str, Any] = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        results[mode] = run_mode(mode, args, facts)
    service = results.get("service", {})
    summary = {
        "bench": "call_queue", "db": "postgresql", "items": args.items,
        "workers": args.workers, "procs": args.procs, "servers": args.servers,
        "seconds_per_mode": args.seconds, "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2), "build_s": facts.get("build_s"),
        "modes": results,
        "targets_met": {
            "service_ge_1000_per_s": service.get("ops_per_s", 0) >= TARGETS["service_ops_per_s"],
            "claim_p99_le_25ms": bool(service) and
            service["claim_ms"]["p99"] <= TARGETS["claim_p99_ms"],
            "zero_double_claims": all(r["double_claims"] == 0 for r in results.values()),
        },
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
