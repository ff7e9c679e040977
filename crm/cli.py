"""The `crm` command: run, db, demo, users … (a FlaskGroup, so `crm run` serves the app)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from crm import create_app
from crm.db import session_scope


def _factory():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_factory, add_version_option=False)
def main() -> None:
    """ExpoLead CRM."""


def sessions():
    return current_app.extensions["db_sessions"]


@main.group()
def db() -> None:
    """Database schema and upkeep: upgrade, downgrade, heads, compact."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    from crm import migrate

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url, revision)
    click.echo(f"Database at {_redacted(url)} is at {revision}.")
    _hint_compact(url)
    if revision == "head":
        _seed_reference_data()


def _hint_compact(url: str) -> None:
    """An SQLite file made before the larger pages: say how to convert it."""
    from crm.db import SQLITE_PAGE_SIZE, make_engine

    if not url.startswith("sqlite:///"):
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar()
    engine.dispose()
    if page_size and page_size < SQLITE_PAGE_SIZE:
        click.echo(f"The database file has {page_size}-byte pages; `crm db compact` (with the "
                   f"CRM stopped) rewrites it with {SQLITE_PAGE_SIZE}-byte pages for faster "
                   "large imports.")


def _seed_reference_data() -> None:
    """Add the shipped industry taxonomy and venue specs; edits made since are kept."""
    from crm.services import reference, venue_specs

    with session_scope(sessions()) as s:
        industries = reference.seed_industries(s)
        venues = venue_specs.sync_venues(s, venue_specs.load_all())
    click.echo(f"Reference data: {industries} industries added, {venues} venues updated.")
    from crm.services import calls, workdays

    with session_scope(sessions()) as s:
        outcomes, days = calls.seed_outcomes(s), workdays.seed_calendar(s)
    click.echo(f"Call outcomes: {outcomes} added; working-day calendar: {days} days added.")
    from crm.services import jobs as job_definitions

    with session_scope(sessions()) as s:
        added = job_definitions.seed_definitions(s)
    click.echo(f"Scheduled jobs: {added} added (crm jobs list).")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION."""
    from crm import migrate

    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db.command("compact")
@with_appcontext
def db_compact() -> None:
    """Give free space back and refresh statistics (SQLite: rewritten with 16 KiB pages;
    stop the CRM and its jobs first)."""
    from sqlalchemy import exc

    from crm.db import compact, make_engine

    url = current_app.config["DATABASE_URL"]
    engine = make_engine(url)
    try:
        done = compact(engine)
    except (RuntimeError, exc.OperationalError) as err:
        raise click.ClickException(f"{_redacted(url)}: not compacted: "
                                   f"{getattr(err, 'orig', None) or err}") from None
    finally:
        engine.dispose()
    click.echo(f"Database at {_redacted(url)} compacted: {done}.")


@db.command("heads")
def db_heads() -> None:
    """Print the newest migration revision(s)."""
    from crm import migrate

    for head in migrate.heads():
        click.echo(head)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


DEMO_USERNAMES = ("admin", "tele1", "tele2", "mkt1", "exec1", "exec2", "execlead1", "design1",
                  "fin1", "gm1")


@main.command("demo")
@click.option("--reset", is_flag=True, help="Delete the existing business data first.")
@click.option("--exhibitors", default=400, show_default=True)
@click.option("--seed", default=7, show_default=True)
@with_appcontext
def demo(reset: bool, exhibitors: int, seed: int) -> None:
    """Migrate the database and fill it with realistic demo data; print the logins."""
    from crm import migrate
    from crm.services.demo import DemoDataExists, load_demo, summarize

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url)
    try:
        with session_scope(sessions()) as s:
            summary = load_demo(s, seed=seed, exhibitors=exhibitors, reset=reset)
    except DemoDataExists:
        # Running the quickstart twice must not fail: keep the data, show the logins.
        with session_scope(sessions()) as s:
            summary = summarize(s, DEMO_USERNAMES)
        click.echo(f"{_redacted(url)} already holds data ({summary.companies} companies); "
                   "kept as it is (crm demo --reset reloads the demo).")
    else:
        click.echo(f"Demo data loaded into {_redacted(url)}: {summary.companies} companies, "
                   f"{summary.exhibitions} shows, {summary.participations} booths.")
    click.echo("Logins (password: demo):")
    for login in summary.logins:
        click.echo(f"  {login.username:<10} {login.role:<22} {login.display_name}")


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in __import__("crm.models", fromlist=["Role"]).Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def users_create(username: str, display_name: str, role: str, password: str) -> None:
    """Create a user who can log in."""
    from crm.models import User
    from crm.services import auth

    with session_scope(sessions()) as s:
        user = User(username=username, display_name=display_name, role=role, password_hash="")
        auth.set_password(user, password)
        s.add(user)
    click.echo(f"User {username} created.")


@users.command("token")
@click.argument("username")
@click.option("--name", default="API", show_default=True, help="What the token is for.")
@with_appcontext
def users_token(username: str, name: str) -> None:
    """Issue a personal API token for USERNAME and print it (it is shown only once)."""
    from sqlalchemy import func, select

    from crm.models import User
    from crm.services import auth

    with session_scope(sessions()) as s:
        user = s.scalars(select(User).where(func.lower(User.username) == username.lower())).first()
        if user is None or not user.active:
            raise click.ClickException(f"No active user {username}.")
        token = auth.issue_token(s, user, name)
    click.echo(token)


# --- imports, dedupe, export (crm.services.ingest, dedupe, merging) -----------------------

@main.group("import")
def import_() -> None:
    """Import show catalogues (会刊) and business cards (名片) into the company database."""


def _import_options(command):
    options = [
        click.option("--sheet", help="The sheet to read (default: the first with a name column)."),
        click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False),
                     help="YAML file mapping fields to column headers or letters."),
        click.option("--dry-run", is_flag=True, help="Say what each row would do; write nothing."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object of counts."),
        click.option("--report", "report_file", type=click.Path(dir_okay=False),
                     help="Write one CSV line per input row: row, action, company, candidate, score."),
        click.option("--all-or-nothing", is_flag=True,
                     help="Import nothing when any row would be rejected."),
        click.option("--rejected", "rejected_file", type=click.Path(dir_okay=False),
                     help="Write the rejected rows and why to this Excel file."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@import_.command("catalogue")
@click.argument("file")
@click.option("--exhibition", required=True, help="The show's Chinese name.")
@click.option("--year", type=int, required=True, help="The edition's year.")
@_import_options
@with_appcontext
def import_catalogue(file: str, exhibition: str, year: int, **options) -> None:
    """Import a show catalogue (.xlsx, .xls, .csv) as the exhibitors of a show edition."""
    _run_import("catalogue", file, exhibition, year, **options)


@import_.command("contacts")
@click.argument("file")
@click.option("--exhibition", help="The show the cards were collected at (optional).")
@click.option("--year", type=int, help="The edition's year (with --exhibition).")
@_import_options
@with_appcontext
def import_contacts(file: str, exhibition: str | None, year: int | None, **options) -> None:
    """Import business cards: each card's company is found or created, the person added."""
    if exhibition and not year:
        raise click.UsageError("--exhibition needs --year.")
    _run_import("contacts", file, exhibition, year, **options)


def _run_import(kind: str, file: str, exhibition_name: str | None, year: int | None, *,
                sheet: str | None, mapping_file: str | None, dry_run: bool, as_json: bool,
                report_file: str | None, all_or_nothing: bool,
                rejected_file: str | None) -> None:
    import json
    import sys
    from pathlib import Path

    from crm.importers.errors import UnreadableFile
    from crm.services import ingest, writing_turn
    from crm.services.errors import DomainError

    def unreadable(message: str) -> None:
        click.echo(f"Error: {message}", err=True)
        sys.exit(2)

    path = Path(file)
    if not path.is_file():
        unreadable(f"{file}: no such file.")
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Matching and writing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        mapping = None
        if mapping_file:
            from crm.importers.mapping import load_mapping_file
            mapping = load_mapping_file(mapping_file)
        click.echo(f"Reading {path.name} …", err=True)
        session = sessions()()
        try:
            if not dry_run:
                writing_turn.take(session, _say_waiting)
            show = show_is_new = None
            if exhibition_name:
                show = ingest.find_exhibition(session, exhibition_name, year)
                show_is_new = show is None
                show = show or ingest.exhibition_for(session, exhibition_name, year)
            report = ingest.import_file(session, path, kind=kind, exhibition=show, sheet=sheet,
                                        mapping=mapping, progress=progress,
                                        all_or_nothing=all_or_nothing, dry_run=dry_run)
            if dry_run or not report.written:
                session.rollback()  # a show made for this run goes too
                if show_is_new:
                    report.exhibition_id = None
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    except UnreadableFile as exc:
        if bar is not None:
            bar.__exit__(None, None, None)
        unreadable(exc.message)
    except DomainError as exc:
        if bar is not None:
            bar.__exit__(None, None, None)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if bar is not None:
        bar.__exit__(None, None, None)
    if report_file:
        with open(report_file, "w", newline="", encoding="utf-8-sig") as fh:
            ingest.write_report_csv(report, fh)
    if rejected_file:
        with open(rejected_file, "wb") as fh:
            ingest.write_rejected_xlsx(report, fh)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    verb = "Would import" if dry_run else ("Imported" if report.written else "Refused")
    click.echo(f"{verb} {report.rows} rows of {path.name}: {report.created} new companies, "
               f"{report.linked} linked to known ones, {report.review} to review, "
               f"{len(report.errors)} errors.")
    if report.message:
        click.echo(report.message)
    for error in report.errors[:20]:
        click.echo(f"  row {error.row}, column {error.column or '-'}: {error.message}", err=True)
    if len(report.errors) > 20:
        click.echo(f"  … and {len(report.errors) - 20} more (see --report).", err=True)


def _say_waiting() -> None:
    click.echo("Waiting for another import or revert to finish …", err=True)


@main.command("dedupe")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of counts.")
@click.option("--auto-merge", is_flag=True,
              help="Merge pairs in the link band instead of queueing them for review "
                   "(a pair linked by a homophone alone is still queued).")
@with_appcontext
def dedupe_command(as_json: bool, auto_merge: bool) -> None:
    """Resolve the whole company database: fill the review queue (and merge if asked)."""
    import json
    import sys

    from crm.services import dedupe, writing_turn
    from crm.services.errors import DomainError

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Comparing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        with session_scope(sessions()) as s:
            writing_turn.take(s, _say_waiting)
            result = dedupe.dedupe(s, auto_merge=auto_merge, progress=progress)
    except DomainError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if bar is not None:
        bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        click.echo(f"Compared {result.pairs} pairs among {result.companies} companies: "
                   f"{result.review_added} new review items, {result.merged} merged, "
                   f"{result.link_pairs} pairs in the link band.")


@main.group("companies")
def companies_() -> None:
    """Company data: export."""


@companies_.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def companies_export(file: str) -> None:
    """Write every company with its id, names and all aliases to a CSV file."""
    import csv

    from crm.services import dedupe

    with session_scope(sessions()) as s, open(file, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        count = 0
        for count, row in enumerate(dedupe.export_rows(s), start=1):
            if count == 1:
                writer.writerow(list(row))
            writer.writerow(list(row.values()))
    click.echo(f"{count} companies written to {file}.")


# --- crawls (crawlers/, crm.services.crawls) ----------------------------------------------

@main.command("crawl")
@click.argument("source")
@click.option("--limit", type=click.IntRange(min=1), help="Store at most N items, then stop.")
@click.option("--pages", type=click.IntRange(min=1), help="Fetch at most N pages, then stop.")
@click.option("--run-id", type=int, help="The queued run to carry out (the web UI makes it).")
@click.option("--job", help="Workers given the same job share one queue (with REDIS_URL).")
@click.option("--base-url", help="Crawl a copy of the site at this address (a mirror, a test).")
@click.option("--resume", is_flag=True,
              help="Keep the queue in instance/crawl-jobs/SOURCE so an interrupted run resumes.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as one JSON object.")
@with_appcontext
def crawl_command(source: str, limit: int | None, pages: int | None, run_id: int | None,
                  job: str | None, base_url: str | None, resume: bool, as_json: bool) -> None:
    """Crawl SOURCE (crawlers/sources/SOURCE.yaml) into the database; exit 1 if it failed."""
    import json
    import sys
    from pathlib import Path

    from crm.services import crawl_sources
    from crm.services.errors import NotFound

    try:
        crawl_sources.load_source(source)
    except crawl_sources.SourceInvalid as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except NotFound:
        click.echo(f"Error: no source {source} in {crawl_sources.sources_dir()}.", err=True)
        sys.exit(2)
    from crawlers.runner import run_source

    jobdir = Path("instance") / "crawl-jobs" / source if resume else None
    result = run_source(source, base_url=base_url,
                        database_url=current_app.config["DATABASE_URL"], limit=limit,
                        pages=pages, run_id=run_id, job=job, jobdir=jobdir)
    report = result.report
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, "status": result.status,
                               "error": result.error, **report}, ensure_ascii=False))
    else:
        click.echo(f"Crawl run #{result.run_id} of {source}: {result.status.upper()} — "
                   f"{report.get('pages', 0)} pages, {report.get('items', 0)} items, "
                   f"{report.get('new', 0)} new, {report.get('linked', 0)} linked, "
                   f"{report.get('review', 0)} to review, "
                   f"{sum((report.get('dropped') or {}).values())} dropped.")
        if result.error:
            click.echo(f"Error: {result.error}", err=True)
    if result.status not in ("ok", "partial"):
        sys.exit(1)


# --- scheduled jobs (jobs/, crm.services.jobs) ---------------------------------------------

@main.group("jobs")
def jobs_() -> None:
    """Scheduled jobs: list them, run one now, start the scheduler."""


@jobs_.command("list")
@with_appcontext
def jobs_list() -> None:
    """List the jobs: name, schedule, next fire, last run and its status."""
    from crm.services import jobs as job_service
    from crm.services.workdays import LOCAL_TZ

    def local(moment) -> str:
        return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"

    with session_scope(sessions()) as s:
        rows = job_service.definitions(s)
        last = job_service.last_runs(s)
    if not rows:
        click.echo("No jobs defined (crm db upgrade seeds them from data/jobs.yaml).")
        return
    click.echo(f"{'name':<28} {'cron':<16} {'next fire (Asia/Shanghai)':<26} last run")
    for row in rows:
        run = last.get(row.name)
        next_fire = local(job_service.next_fire(row)) if row.enabled else "disabled"
        last_text = f"{local(run.started_at)} {run.status}" if run else "never"
        click.echo(f"{row.name:<28} {row.cron:<16} {next_fire:<26} {last_text}")


@jobs_.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run job NAME now (recorded as a manual run); exit 1 if it fails."""
    import json
    import sys

    from crm.models import JobRunStatus, JobTrigger
    from crm.services import jobs as job_service
    from crm.services.errors import NotFound
    from jobs import runner

    with session_scope(sessions()) as s:
        try:
            job_service.get_definition(s, name)
        except NotFound:
            click.echo(f"Error: no job {name} (see crm jobs list).", err=True)
            sys.exit(2)
    run = runner.run_job(sessions(), name, triggered_by=JobTrigger.MANUAL.value,
                         config=current_app.config)
    if run is None:  # pragma: no cover - a manual run's time is its own
        sys.exit(1)
    duration = f"{run.duration:.1f}s" if run.duration is not None else "-"
    click.echo(f"Job {name}: {run.status} in {duration} — "
               f"{json.dumps(run.result or {}, ensure_ascii=False)}")
    if run.status != JobRunStatus.SUCCEEDED.value:
        click.echo((run.error or "").split("\n\n")[0], err=True)
        sys.exit(1)


@jobs_.command("start")
@click.option("--lease-seconds", default=30.0, show_default=True,
              help="How long the leader's lease lasts without a heartbeat.")
@click.option("--sync-seconds", default=60.0, show_default=True,
              help="How often the job definitions are re-read from the database.")
@with_appcontext
def jobs_start(lease_seconds: float, sync_seconds: float) -> None:
    """Run the scheduler until Ctrl-C; one process leads however many are started."""
    import logging

    from jobs.scheduler import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(dict(current_app.config), engine=current_app.extensions["db_bind"],
          factory=sessions(), lease_seconds=lease_seconds, sync_seconds=sync_seconds,
          echo=lambda message: click.echo(message, err=True))
