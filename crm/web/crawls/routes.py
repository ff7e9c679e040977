"""The crawl pages: sources with their last runs, a run's report, editing a source's YAML.

Runs start in the background as `crm crawl SOURCE --run-id N` (crm.services.crawls.launch);
the run page follows its status and report while it runs.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.services import audit, crawl_sources, crawls
from crm.services.errors import Conflict, DomainError, N_
from crm.web import database
from crm.web.crawls.forms import KIND_CHOICES, NewSourceForm, RunForm, SourceForm
from crm.web.errors import translate
from crm.web.security import permission_required

bp = Blueprint("crawls", __name__, url_prefix="/crawls")


def _sources_dir():
    return crawl_sources.sources_dir(current_app.config.get("CRAWL_SOURCES_DIR"))


@bp.get("/")
@permission_required("crawl.manage")
def index():
    s = database.session()
    sources = crawl_sources.list_sources(_sources_dir())
    last = crawls.last_runs(s, [src.name for src in sources])
    return render_template("crawls/index.html", sources=sources, last=last,
                           runs=crawls.recent_runs(s, limit=20), run_form=RunForm(),
                           kinds=KIND_CHOICES)


@bp.post("/<name>/run")
@permission_required("crawl.manage")
def start(name: str):
    form = RunForm()
    if not form.validate_on_submit():
        flash(_("The run could not be started: %(errors)s", errors="; ".join(
            f"{k}: {', '.join(v)}" for k, v in form.errors.items())), "error")
        return redirect(url_for("crawls.index"))
    s = database.session()
    try:
        config = crawl_sources.load_source(name, _sources_dir())
        active = crawls.run_is_active(s, name)
        if active is not None:
            raise Conflict(N_("%(name)s is already being crawled (run #%(id)s)."), name=name,
                           id=active.id)
        run = crawls.create_run(s, name, kind=config.kind, user_id=current_user.id,
                                item_limit=form.limit.data)
        audit.record(s, "crawl", "crawl_runs", run.id, after={"source": name})
        s.commit()
    except crawl_sources.SourceInvalid as exc:
        s.rollback()
        flash(_("The source %(name)s is invalid; fix it first.", name=name) + " "
              + "; ".join(str(e) for e in exc.errors[:3]), "error")
        return redirect(url_for("crawls.edit", name=name))
    except DomainError as exc:
        s.rollback()
        flash(translate(exc), "error")
        return redirect(url_for("crawls.index"))
    try:
        crawls.launch(run, database_url=current_app.config["DATABASE_URL"],
                      sources_dir=current_app.config.get("CRAWL_SOURCES_DIR"),
                      log_dir=current_app.config.get("CRAWL_LOG_DIR", "instance/crawls"))
    except OSError as exc:
        crawls.fail_queued(s, run.id, f"The crawl process could not be started: {exc}")
        flash(_("The crawl could not be started: %(error)s", error=str(exc)), "error")
    else:
        flash(_("Crawl of %(name)s started.", name=name), "success")
    s.commit()
    return redirect(url_for("crawls.run", run_id=run.id))


@bp.get("/runs/<int:run_id>")
@permission_required("crawl.manage")
def run(run_id: int):
    s = database.session()
    crawl_run = crawls.get_run(s, run_id)
    template = "crawls/_run.html" if request.headers.get("HX-Request") else "crawls/run.html"
    return render_template(template, run=crawl_run, log=crawls.log_tail(crawl_run))


@bp.route("/<name>/edit", methods=["GET", "POST"])
@permission_required("crawl.manage")
def edit(name: str):
    folder = _sources_dir()
    form = SourceForm()
    errors: list[crawl_sources.SourceError] = []
    if request.method == "GET":
        form.text.data = crawl_sources.read_text(name, folder)
        form.sha.data = crawl_sources.text_sha(form.text.data)
        try:
            crawl_sources.parse_source(name, form.text.data)
        except crawl_sources.SourceInvalid as exc:
            errors = exc.errors  # shown so the broken file can be fixed here
    elif form.validate_on_submit():
        s = database.session()
        try:
            config = crawl_sources.save_source(name, form.text.data, folder,
                                               expected_sha=form.sha.data or None)
        except crawl_sources.SourceInvalid as exc:
            errors = exc.errors
        except DomainError as exc:
            form.text.errors = list(form.text.errors) + [translate(exc)]
        else:
            audit.record(s, "update", "crawl_sources", None, after={"source": name,
                                                                     "sha": config.sha})
            s.commit()
            flash(_("Source %(name)s saved.", name=name), "success")
            return redirect(url_for("crawls.index"))
    status = 422 if request.method == "POST" else 200
    s = database.session()
    return render_template("crawls/edit.html", form=form, name=name, errors=errors,
                           runs=crawls.recent_runs(s, name, limit=10)), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("crawl.manage")
def new():
    form = NewSourceForm()
    errors: list[crawl_sources.SourceError] = []
    if request.method == "GET":
        kind = request.args.get("kind", "exhibitors")
        form.text.data = crawl_sources.template_text(
            kind if kind in crawl_sources.KINDS else "exhibitors")
    elif form.validate_on_submit():
        s = database.session()
        try:
            crawl_sources.save_source(form.name.data, form.text.data, _sources_dir(), create=True)
        except crawl_sources.SourceInvalid as exc:
            errors = exc.errors
        except DomainError as exc:
            form.name.errors = list(form.name.errors) + [translate(exc)]
        else:
            audit.record(s, "create", "crawl_sources", None, after={"source": form.name.data})
            s.commit()
            flash(_("Source %(name)s saved.", name=form.name.data), "success")
            return redirect(url_for("crawls.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("crawls/new.html", form=form, errors=errors), status
