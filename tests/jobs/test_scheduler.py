"""The scheduler: the leader lease, the job store surviving a restart, and two processes
firing an every-second job exactly once per fire."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from crm.db import make_session_factory, session_scope
from crm.models import JobDefinition, JobRun, SchedulerLease
from jobs import scheduler as sched

ROOT = Path(__file__).resolve().parents[2]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def clean(jobs_engine):
    """Start from no definitions, runs, stored jobs or lease; leave it so."""
    def wipe():
        with jobs_engine.begin() as conn:
            for table in ("job_runs", "job_definitions", "scheduler_jobs", "scheduler_leases"):
                conn.execute(text(f"DELETE FROM {table}"))
    wipe()
    yield make_session_factory(jobs_engine)
    wipe()


def _define(factory, name, cron, callable_="tests.jobs.sample.tick"):
    with session_scope(factory) as s:
        s.add(JobDefinition(name=name, callable=callable_, cron=cron))


def test_one_lease_holder_until_it_expires_or_is_freed(jobs_engine, clean):
    name = f"t-{uuid.uuid4().hex[:6]}"
    a = sched.Lease(jobs_engine, "a", 0.5, name=name)
    b = sched.Lease(jobs_engine, "b", 0.5, name=name)
    assert a.acquire() is True
    assert b.acquire() is False
    assert a.acquire() is True  # renewed
    time.sleep(0.7)  # a missed its heartbeat
    assert b.acquire() is True
    assert a.acquire() is False  # a lost it
    b.release()
    assert a.acquire() is True  # freed: taken at once
    assert a.current()[0] == "a"


def test_jobs_survive_a_restart_and_a_missed_fire_runs_once(jobs_engine, clean):
    factory = clean
    _define(factory, "hourly", "0 * * * *")
    _define(factory, "every_second", "* * * * * *")
    first = sched.make_scheduler(jobs_engine, factory, {})
    first.start(paused=True)
    sched.sync_jobs(first, factory)
    stored = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=False)
    assert set(sched.scheduled_jobs(jobs_engine)) == {"hourly", "every_second"}

    time.sleep(2.2)  # fires of every_second are missed while no scheduler runs
    second = sched.make_scheduler(jobs_engine, factory, {})
    second.start(paused=True)
    # the new process finds the jobs, with the next fire times kept, before any sync
    assert {job.id: job.next_run_time for job in second.get_jobs()} == stored
    assert sched.sync_jobs(second, factory) == {"added": 0, "rescheduled": 0, "removed": 0}
    started = time.time()
    second.resume()
    try:
        _wait(lambda: _runs(factory, "every_second"), 15, "the missed fire to run")
        late = [r for r in _runs(factory, "every_second") if r.scheduled_for.timestamp() < started]
        assert len(late) == 1  # coalesced: the missed fires ran once
        assert late[0].status == "succeeded"
    finally:
        second.shutdown(wait=True)


def test_a_scheduler_stopping_leaves_the_fires_due_to_the_next_leader(jobs_engine, clean):
    factory = clean
    _define(factory, "every_second", "* * * * * *")
    scheduler = sched.make_scheduler(jobs_engine, factory, {})
    scheduler.start(paused=True)  # as a leader that has just lost its lease
    sched.sync_jobs(scheduler, factory)
    stored = sched.scheduled_jobs(jobs_engine)
    time.sleep(1.5)  # the next fire is due now
    scheduler.shutdown(wait=False)
    # the fire due is still in the store for the next leader, and nothing ran here
    assert sched.scheduled_jobs(jobs_engine) == stored
    assert _runs(factory, "every_second") == []


def _runs(factory, name):
    with session_scope(factory) as s:
        return list(s.scalars(select(JobRun).where(JobRun.job_name == name)
                              .order_by(JobRun.scheduled_for)))


def _pids(runs) -> set[int]:
    """The processes that claimed the runs (a run's worker is "host:pid" from its start)."""
    return {int(r.worker.rpartition(":")[2]) for r in runs}


def _start(jobs_db, log: Path):
    env = {**os.environ, "DATABASE_URL": jobs_db, "SECRET_KEY": "test", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "jobs", "--lease-seconds", "4",
                             "--sync-seconds", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))


def test_two_scheduler_processes_fire_each_job_once(jobs_db, jobs_engine, clean, tmp_path):
    factory = clean
    _define(factory, "tick", "* * * * * *")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_start(jobs_db, logs[0]), _start(jobs_db, logs[1])]
    try:
        def both_up():
            text_ = [log.read_text() for log in logs]
            return (sum("leads: firing jobs" in t for t in text_) == 1
                    and sum(" waits: " in t for t in text_) == 1)

        _wait(both_up, 60, "one leader and one waiting process")
        leader = next(p for p, log in zip(procs, logs) if "leads: firing" in log.read_text())
        follower = next(p for p in procs if p is not leader)
        seen = len(_runs(factory, "tick"))
        _wait(lambda: len(_runs(factory, "tick")) >= seen + 3, 30, "three more fires")
        runs = _runs(factory, "tick")
        assert _pids(runs) == {leader.pid}  # the follower never fired
        assert {r.result["pid"] for r in runs if r.result} == {leader.pid}
        assert len({r.scheduled_for for r in runs}) == len(runs)

        leader.send_signal(signal.SIGTERM)  # a clean stop frees the lease
        assert leader.wait(30) == 0
        _wait(lambda: follower.pid in _pids(_runs(factory, "tick")), 30,
              "the follower to take over")
        runs = _runs(factory, "tick")
        assert _pids(runs) == {leader.pid, follower.pid}
        assert len({r.scheduled_for for r in runs}) == len(runs)  # no fire ran twice
        assert all(r.status == "succeeded" for r in runs if r.finished_at)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    with session_scope(factory) as s:
        assert s.get(SchedulerLease, sched.LEASE_NAME).holder is None  # freed on exit
