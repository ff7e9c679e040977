"""Carry out one run of a job and record it: start, end, status, result or error.

A job's callable is a service function named by its dotted path (resolved now, so a
missing module is a failed run, not a crash). It gets a session first and, by parameter
name, any of `now` (UTC), `today` (the Asia/Shanghai date of the fire), `scheduled_for`,
`config` (the app settings) and `database_url`, plus the definition's `kwargs`. The
runner commits the session when the callable returns and rolls it back when it raises.

The run record is inserted first, in its own transaction, with a unique
(job_name, scheduled_for): a fire that another process already started is skipped.
"""
from __future__ import annotations

import importlib
import inspect
import json
import logging
import os
import socket
import traceback
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm.db import session_scope, utcnow
from crm.models import JobDefinition, JobRun, JobRunStatus, JobTrigger
from crm.services import audit, workdays

log = logging.getLogger("jobs")
ERROR_MAX = 8000


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


INTERRUPTED = "interrupted: the process running this job stopped before it finished"


def alive_here(worker: str | None, host: str | None = None) -> bool | None:
    """Tell whether the process `worker` (a `worker_id`) is alive, when it runs on this host
    (None: elsewhere)."""
    host = host or socket.gethostname()
    name, _, pid = (worker or "").rpartition(":")
    if name != host or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_interrupted_runs(factory: sessionmaker[Session], *, now: datetime | None = None,
                          stale_after: timedelta = timedelta(hours=12)) -> int:
    """Mark as failed the runs left "running" by a process that died; return how many.

    A run from this host whose process is gone is interrupted at once; one from another
    host only once it has been running longer than `stale_after` (its process cannot be
    asked). The leading scheduler calls this when it takes the lead.
    """
    now = now or utcnow()
    host = socket.gethostname()
    with session_scope(factory) as s:
        running = s.execute(select(JobRun.id, JobRun.worker, JobRun.started_at)
                            .where(JobRun.status == JobRunStatus.RUNNING.value)).all()
        dead = [run_id for run_id, worker, started in running
                if worker != worker_id() and (
                    alive_here(worker, host) is False
                    or (alive_here(worker, host) is None and now - started > stale_after))]
        if dead:
            s.execute(update(JobRun).where(JobRun.id.in_(dead),
                                           JobRun.status == JobRunStatus.RUNNING.value)
                      .values(status=JobRunStatus.FAILED.value, error=INTERRUPTED,
                              finished_at=now))
    return len(dead)


def resolve(path: str) -> Callable[..., Any]:
    """Import the callable at a dotted path ("pkg.module.func" or "pkg.module:func")."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ImportError(f"{path!r} is not a dotted path to a function")
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{path} is not callable")
    return target


def summarize(result: Any, result_key: str | None = None) -> dict[str, Any]:
    """Turn what a job returned into a small JSON object for the run record."""
    key = result_key or "count"
    if result is None:
        summary: Any = {}
    elif isinstance(result, bool):
        summary = {"result": result}
    elif isinstance(result, int | float):
        summary = {key: result}
    elif isinstance(result, Mapping):
        summary = dict(result)
    elif isinstance(result, list | tuple | set):
        summary = {key: len(result)}
    elif is_dataclass(result) and not isinstance(result, type):
        summary = asdict(result)
    else:
        summary = {"result": str(result)[:500]}
    return json.loads(json.dumps(summary, default=str, ensure_ascii=False))


def call(func: Callable[..., Any], session: Session, context: Mapping[str, Any],
         kwargs: Mapping[str, Any] | None = None) -> Any:
    """Call a job function with the session and the context values it asks for by name."""
    params = inspect.signature(func).parameters
    given = {name: value for name, value in context.items() if name in params}
    given.update(kwargs or {})
    return func(session, **given)


def run_job(factory: sessionmaker[Session], name: str, *, scheduled_for: datetime | None = None,
            triggered_by: str = JobTrigger.SCHEDULER.value, user_id: int | None = None,
            config: Mapping[str, Any] | None = None) -> JobRun | None:
    """Run job `name` once and return its run record (None: this fire already ran).

    Never raises for a failing job: the error is in the record. A job not in
    job_definitions is a failed run too.
    """
    started = start_run(factory, name, scheduled_for=scheduled_for, triggered_by=triggered_by,
                        user_id=user_id)
    if started is None:
        return None
    return carry_out(factory, *started, config=config)


def start_run(factory: sessionmaker[Session], name: str, *,
              scheduled_for: datetime | None = None,
              triggered_by: str = JobTrigger.SCHEDULER.value,
              user_id: int | None = None) -> tuple[JobRun, JobDefinition | None] | None:
    """Record that job `name` is running (None: this fire already ran); `carry_out` then
    runs it — in another thread, for a run started from a web page."""
    started = utcnow()
    scheduled_for = scheduled_for or started
    # Each transaction starts with its write where it writes: on SQLite (WAL) a transaction
    # that read first cannot take the write lock while another process writes.
    with session_scope(factory) as s:
        definition = s.scalars(select(JobDefinition).where(JobDefinition.name == name)).first()
        if definition is not None:
            s.expunge(definition)
    try:
        with session_scope(factory) as s:
            run = JobRun(job_name=name, scheduled_for=scheduled_for, started_at=started,
                         status=JobRunStatus.RUNNING.value, triggered_by=triggered_by,
                         user_id=user_id, worker=worker_id())
            s.add(run)
            s.flush()
            s.expunge(run)
    except IntegrityError:
        log.info("job %s due at %s has already run; skipped", name, scheduled_for.isoformat())
        return None
    return run, definition


def carry_out(factory: sessionmaker[Session], run: JobRun, definition: JobDefinition | None,
              *, config: Mapping[str, Any] | None = None) -> JobRun:
    """Run a started job and record its end: status, result or error. Never raises."""
    name, started, scheduled_for = run.job_name, run.started_at, run.scheduled_for
    status, result, error = JobRunStatus.SUCCEEDED.value, None, None
    try:
        if definition is None:
            raise LookupError(f"no job named {name} in job_definitions")
        func = resolve(definition.callable)
        context = {"now": started, "today": workdays.local_date(scheduled_for),
                   "scheduled_for": scheduled_for, "config": dict(config or {}),
                   "database_url": (config or {}).get("DATABASE_URL")}
        with audit.acting_as(run.user_id), session_scope(factory) as s:
            value = call(func, s, context, definition.kwargs)
        result = summarize(value, definition.result_key)
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the caller goes on
        status = JobRunStatus.FAILED.value
        error = "".join(traceback.format_exception_only(exc)).strip() + "\n\n" + \
            traceback.format_exc()[-ERROR_MAX:]
        log.exception("job %s failed", name)

    run.status, run.result, run.error, run.finished_at = status, result, error, utcnow()
    with session_scope(factory) as s:
        s.execute(update(JobRun).where(JobRun.id == run.id).values(
            status=status, result=result, error=error, finished_at=run.finished_at))
    log.info("job %s %s: %s", name, status, result if error is None else error.splitlines()[0])
    return run
