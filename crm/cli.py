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
    """Database schema: upgrade, downgrade, heads."""


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
    if revision == "head":
        _seed_reference_data()


def _seed_reference_data() -> None:
    """Add the shipped industry taxonomy and venue specs; edits made since are kept."""
    from crm.services import reference, venue_specs

    with session_scope(sessions()) as s:
        industries = reference.seed_industries(s)
        venues = venue_specs.sync_venues(s, venue_specs.load_all())
    click.echo(f"Reference data: {industries} industries added, {venues} venues updated.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION."""
    from crm import migrate

    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


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
