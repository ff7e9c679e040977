"""The scheduler process (`crm jobs start`): one leader fires jobs, however many are started.

- **Leader lease.** A row of `scheduler_leases` holds the leader's id and an expiry. A
  process takes it with one conditional UPDATE (…WHERE the lease is free or expired) and
  renews it every third of its length; that is atomic on SQLite and PostgreSQL alike. A
  process that is not the leader waits and takes over when the lease expires (or at
  once when the leader stops cleanly and frees it). A leader that cannot renew stops
  firing. So `crm jobs start` may be started twice, or by every web worker: one fires.
- **APScheduler** (3.x, BackgroundScheduler) runs only in the leader, with its job store
  (SQLAlchemyJobStore, table `scheduler_jobs`) in the same database: next fire times
  survive a restart, and a fire missed while no scheduler ran is made up once
  (coalesce) when it is less than `misfire_grace_time` late.
- **Definitions** are synced from `job_definitions` (and scheduled crawl sources) on
  start and every `sync_seconds`: enabled jobs are added or rescheduled, others removed.
- **Each fire** goes through jobs.runner.run_job with its scheduled time: the unique
  (job name, scheduled time) of the run record means a fire never runs twice, even in the
  moment two processes both believe they lead.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.db import session_scope, utcnow
from crm.models import SchedulerLease
from crm.services import jobs as job_service
from jobs import runner

log = logging.getLogger("jobs.scheduler")
LEASE_NAME = "scheduler"
JOBSTORE_TABLE = "scheduler_jobs"


class Lease:
    """The leader lease: at most one holder whose expiry has not passed."""

    def __init__(self, engine: Engine, holder: str, seconds: float, name: str = LEASE_NAME):
        self.engine, self.holder, self.seconds, self.name = engine, holder, seconds, name
        self.table = SchedulerLease.__table__

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, or renew it if held; tell if we hold it."""
        now = utcnow()
        expires = now + timedelta(seconds=self.seconds)
        t = self.table
        with self.engine.begin() as conn:
            renewed = conn.execute(update(t).where(t.c.name == self.name, t.c.holder == self.holder)
                                   .values(expires_at=expires)).rowcount
            if renewed:
                return True
            taken = conn.execute(
                update(t).where(t.c.name == self.name,
                                or_(t.c.holder.is_(None), t.c.expires_at.is_(None),
                                    t.c.expires_at < now))
                .values(holder=self.holder, expires_at=expires, acquired_at=now)).rowcount
            if taken:
                return True
            exists = conn.scalar(select(t.c.name).where(t.c.name == self.name))
        if exists is not None:
            return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t).values(name=self.name, holder=self.holder,
                                              expires_at=expires, acquired_at=now))
            return True
        except IntegrityError:
            return False  # another process made the row first: it leads

    def release(self) -> None:
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.name == self.name, t.c.holder == self.holder)
                         .values(holder=None, expires_at=None))

    def current(self) -> tuple[str | None, datetime | None]:
        t = self.table
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.holder, t.c.expires_at)
                               .where(t.c.name == self.name)).first()
        return (row.holder, row.expires_at) if row else (None, None)


def fire(name: str) -> None:
    """The job function APScheduler stores; RecordingExecutor runs jobs.runner instead."""
    raise RuntimeError(f"job {name} must run through jobs.scheduler.RecordingExecutor")


class RecordingExecutor(ThreadPoolExecutor):
    """Run each fire through jobs.runner.run_job with its scheduled time."""

    def __init__(self, factory: sessionmaker[Session], config: Mapping[str, Any],
                 max_workers: int = 4):
        super().__init__(max_workers)
        self.factory, self.config = factory, config

    def _do_submit_job(self, job, run_times):
        name = job.kwargs.get("name", job.id)

        def work() -> list[JobExecutionEvent]:
            events = []
            for run_time in run_times:
                late = datetime.now(timezone.utc) - run_time
                if job.misfire_grace_time is not None and late > timedelta(
                        seconds=job.misfire_grace_time):
                    events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id,
                                                    job._jobstore_alias, run_time))
                    log.warning("job %s due at %s was missed by %s", name, run_time, late)
                    continue
                try:
                    run = runner.run_job(self.factory, name, scheduled_for=run_time,
                                         config=self.config)
                except Exception as exc:  # noqa: BLE001 - the database is away: go on
                    log.exception("job %s could not be recorded", name)
                    events.append(JobExecutionEvent(EVENT_JOB_ERROR, job.id, job._jobstore_alias,
                                                    run_time, exception=exc))
                    continue
                events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, job._jobstore_alias,
                                                run_time, retval=run and run.status))
            return events

        def done(future) -> None:
            exc = future.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(work).add_done_callback(done)


class LeaderScheduler(BackgroundScheduler):
    """APScheduler's BackgroundScheduler, firing only while it runs.

    Its loop wakes once more when it is shut down and, no longer paused, would take the
    jobs due that moment: their submission fails on the stopped executor, yet their next
    fire time is moved on in the shared job store, so the next leader would never run that
    fire. A leader that lost its lease (paused) or is stopping fires nothing more.
    """

    def _process_jobs(self):
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def make_scheduler(engine: Engine, factory: sessionmaker[Session], config: Mapping[str, Any], *,
                   misfire_grace_seconds: int = 600) -> BackgroundScheduler:
    """An APScheduler 3 scheduler keeping its jobs in this database (not started)."""
    return LeaderScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={"default": RecordingExecutor(factory, config)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": misfire_grace_seconds},
        timezone=ZoneInfo(job_service.DEFAULT_TIMEZONE),
    )


def sync_jobs(scheduler, factory: sessionmaker[Session],
              crawl_schedules: dict[str, str | None] | None = None) -> dict[str, int]:
    """Make the scheduler's jobs match the enabled definitions; return what changed."""
    with session_scope(factory) as s:
        if crawl_schedules is not None:
            job_service.sync_crawl_schedules(s, crawl_schedules)
        wanted = {d.name: d for d in job_service.definitions(s) if d.enabled}
    changes = {"added": 0, "rescheduled": 0, "removed": 0}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
            changes["removed"] += 1
    for name, definition in wanted.items():
        try:
            trigger = job_service.trigger_for(definition.cron, definition.timezone)
        except Exception:  # noqa: BLE001 - a bad row is logged, the others still run
            log.error("job %s has an invalid cron %r; not scheduled", name, definition.cron)
            continue
        job = scheduler.get_job(name)
        if job is None:
            scheduler.add_job("jobs.scheduler:fire", trigger=trigger, id=name, name=name,
                              kwargs={"name": name}, replace_existing=True)
            changes["added"] += 1
        elif repr(job.trigger) != repr(trigger):
            job.reschedule(trigger)
            changes["rescheduled"] += 1
    return changes


class SchedulerProcess:
    """The loop of `crm jobs start`: hold the lease, run APScheduler while leading."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], config: Mapping[str, Any],
                 *, holder: str | None = None, lease_seconds: float = 30,
                 sync_seconds: float = 60, crawl_schedules=None, echo=None):
        self.engine, self.factory, self.config = engine, factory, config
        self.lease = Lease(engine, holder or runner.worker_id(), lease_seconds)
        self.heartbeat = max(0.2, lease_seconds / 3)
        self.sync_seconds = sync_seconds
        self.crawl_schedules = crawl_schedules  # a callable returning {source: cron}
        self.echo = echo or (lambda message: log.info(message))
        self.scheduler: BackgroundScheduler | None = None
        self.stop_event = threading.Event()
        self.leading = threading.Event()
        self._synced_at = 0.0

    def sync(self) -> None:
        crawl = None
        if self.crawl_schedules is not None:
            try:
                crawl = self.crawl_schedules()
            except Exception:  # noqa: BLE001 - unreadable sources must not stop the jobs
                log.exception("crawl schedules could not be read")
        changes = sync_jobs(self.scheduler, self.factory, crawl)
        self._synced_at = time.monotonic()
        if any(changes.values()):
            self.echo(f"Jobs synced: {changes['added']} added, {changes['rescheduled']} "
                      f"rescheduled, {changes['removed']} removed.")

    def _lead(self) -> None:
        interrupted = runner.fail_interrupted_runs(self.factory)
        if interrupted:
            self.echo(f"{interrupted} run(s) left running by a stopped process marked failed.")
        self.scheduler = make_scheduler(self.engine, self.factory, self.config)
        self.scheduler.start(paused=True)
        self.sync()
        self.scheduler.resume()
        self.echo(f"{self.lease.holder} leads: firing jobs.")

    def _follow(self, reason: str) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            self.echo(f"{self.lease.holder} stopped firing jobs: {reason}.")

    def beat(self) -> bool:
        """Take or renew the lease; on losing it, pause firing at once. Tell if leading."""
        try:
            leading = self.lease.acquire()
        except Exception:  # noqa: BLE001 - the database is away: do not fire blind
            log.exception("the scheduler lease could not be renewed")
            leading = False
        if leading:
            self.leading.set()
        else:
            self.leading.clear()
            scheduler = self.scheduler
            if scheduler is not None:
                try:
                    scheduler.pause()
                except Exception:  # noqa: BLE001 - shutting down already
                    pass
        return leading

    def _heartbeat(self) -> None:
        # Its own thread, so a slow sync or a busy job never lets the lease lapse.
        while not self.stop_event.is_set():
            self.beat()
            self.stop_event.wait(self.heartbeat)

    def step(self) -> bool:
        """Start or stop firing as the lease says; sync the definitions when due."""
        leading = self.leading.is_set()
        if leading and self.scheduler is None:
            self._lead()
        elif not leading and self.scheduler is not None:
            self._follow("the lease was lost")
        elif leading and time.monotonic() - self._synced_at >= self.sync_seconds:
            try:
                self.sync()
            except Exception:  # noqa: BLE001
                log.exception("jobs could not be synced")
        return leading

    def run(self) -> None:
        """Loop until stop() (or Ctrl-C), then stop firing and free the lease."""
        waiting_said = False
        self.beat()
        beater = threading.Thread(target=self._heartbeat, name="lease-heartbeat", daemon=True)
        beater.start()
        try:
            while not self.stop_event.is_set():
                leading = self.step()
                if not leading and not waiting_said:
                    holder, expires = self.lease.current()
                    self.echo(f"{self.lease.holder} waits: {holder} leads until {expires}.")
                waiting_said = not leading
                self.stop_event.wait(min(self.heartbeat, 1.0))
        finally:
            self.stop_event.set()
            beater.join(timeout=5)
            self._follow("stopped")
            try:
                self.lease.release()
            except Exception:  # noqa: BLE001
                log.exception("the lease could not be freed; it expires by itself")

    def stop(self) -> None:
        self.stop_event.set()


def scheduled_jobs(engine: Engine) -> dict[str, datetime | None]:
    """{job name: next fire time} as the job store holds them (also when no scheduler runs)."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)
    with engine.connect() as conn:
        rows = conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    return {row.id: (datetime.fromtimestamp(row.next_run_time, timezone.utc)
                     if row.next_run_time is not None else None) for row in rows}


def serve(config: Mapping[str, Any], *, engine: Engine | None = None,
          factory: sessionmaker[Session] | None = None, lease_seconds: float = 30,
          sync_seconds: float = 60, echo=None) -> None:
    """Run the scheduler process until SIGINT/SIGTERM (Ctrl-C); free the lease on the way out."""
    import signal

    from crm.db import make_engine, make_session_factory
    from jobs import crawl

    engine = engine or make_engine(config["DATABASE_URL"])
    factory = factory or make_session_factory(engine)
    process = SchedulerProcess(
        engine, factory, config, lease_seconds=lease_seconds, sync_seconds=sync_seconds,
        crawl_schedules=lambda: crawl.schedules(config.get("CRAWL_SOURCES_DIR")), echo=echo)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: process.stop())
    process.echo(f"Scheduler {process.lease.holder} started (Ctrl-C stops it).")
    process.run()
    process.echo("Scheduler stopped.")
