"""The job pages: each job with its schedule, next fire and last run; the run history."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.models import JobRun, JobRunStatus, JobTrigger
from crm.services import jobs as job_service
from crm.services.errors import DomainError, N_, NotFound
from crm.web import background, database
from crm.web.forms import apply_errors
from crm.web.jobs.forms import JobForm, RunNowForm
from crm.web.security import permission_required

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

STATUSES = [s.value for s in JobRunStatus]
STATUS_LABELS = {"running": N_("running"), "succeeded": N_("succeeded"), "failed": N_("failed")}


def _page(forms: dict | None = None, status: int = 200):
    s = database.session()
    rows = job_service.definitions(s)
    last = job_service.last_runs(s)
    forms = forms or {}
    for row in rows:
        forms.setdefault(row.name, JobForm(formdata=None, cron=row.cron, enabled=row.enabled))
    filters = job_service.RunFilters(job=request.args.get("job") or None,
                                     status=request.args.get("status") or None)
    page = job_service.runs(s, filters, page=request.args.get("page", 1, type=int),
                            per_page=current_app.config.get("PAGE_SIZE", 50))
    return render_template("jobs/index.html", rows=rows, last=last, forms=forms,
                           next_fire=job_service.next_fire, run_form=RunNowForm(),
                           page=page, filters=filters, statuses=STATUSES,
                           status_labels=STATUS_LABELS), status


@bp.get("/")
@permission_required("jobs.manage")
def index():
    return _page()


@bp.post("/<path:name>/edit")
@permission_required("jobs.manage")
def edit(name: str):
    form = JobForm()
    s = database.session()
    if form.validate_on_submit():
        try:
            job_service.update_definition(s, current_user, name, cron=form.cron.data,
                                          enabled=form.enabled.data)
            s.commit()
        except DomainError as exc:
            s.rollback()
            if isinstance(exc, NotFound):
                raise
            apply_errors(form, exc)
        else:
            flash(_("Job %(name)s saved.", name=name), "success")
            return redirect(url_for("jobs.index"))
    return _page({name: form}, 422)


@bp.post("/<path:name>/run")
@permission_required("jobs.manage")
def run_now(name: str):
    """Start the job and show its run: it goes on in the background (a job may take
    minutes), and the run page follows it until it ends."""
    from jobs import runner

    if not RunNowForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("jobs.index"))
    s = database.session()
    job_service.get_definition(s, name)
    user_id = current_user.id
    s.close()  # the runner records the run in transactions of its own
    factory = current_app.extensions["db_sessions"]
    started = runner.start_run(factory, name, triggered_by=JobTrigger.MANUAL.value,
                               user_id=user_id)
    if started is None:  # the same instant's run exists already: a double submit
        return redirect(url_for("jobs.index", job=name))
    run, definition = started
    background.start(f"job-{name}", runner.carry_out, factory, run, definition,
                     config=dict(current_app.config))
    flash(_("Job %(name)s started.", name=name), "success")
    return redirect(url_for("jobs.run", run_id=run.id))


@bp.get("/runs/<int:run_id>")
@permission_required("jobs.manage")
def run(run_id: int):
    job_run = database.session().get(JobRun, run_id)
    if job_run is None:
        raise NotFound(N_("No such job run."))
    template = "jobs/_run.html" if request.headers.get("HX-Request") else "jobs/run.html"
    return render_template(template, run=job_run, status_labels=STATUS_LABELS)
