"""Lead pages: my leads and the supervisor's list, a lead's page with its actions, client
registration, the conflicts queue, and the new/old attribution panel of the company page.

Every rule lives in crm.services.leads and crm.services.attribution; these views parse the
request, call one service in one transaction (`submit`) and render or redirect.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.db import utcnow
from crm.models import Company, LeadConflict, LeadStatus, Role, User
from crm.services import access, attribution, calls, companies, leads, workdays
from crm.services.errors import N_, DomainError, NotFound, ValidationFailed
from crm.web import database
from crm.web.errors import translate
from crm.web.forms import optional_int, submit
from crm.web.i18n import select_locale
from crm.web.leads import labels
from crm.web.leads.forms import (
    ActionForm,
    AssignForm,
    CloseForm,
    ContactForm,
    CooperationForm,
    DeclineForm,
    NextStepForm,
    OverrideForm,
    RegisterForm,
    ResolveForm,
)
from crm.web.pickers import picker_context
from crm.web.security import permission_required

bp = Blueprint("leads", __name__, url_prefix="/leads")

# A contact logged a little in the future is a clock skew, not a plan.
CONTACT_SKEW = timedelta(minutes=10)




def _today():
    return workdays.local_date(utcnow())


def _is_executor(user) -> bool:
    return Role(user.role) in leads.EXECUTOR_ROLES


def _users(session, ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


@bp.app_context_processor
def _helpers():
    return {"lead_label": labels.label, "lead_attribution_panel": attribution_panel}


# --- the list ---------------------------------------------------------------------------

def _filters() -> leads.LeadFilters:
    args = request.args
    status = args.get("status") or None
    source = args.get("source") or None
    bucket = args.get("bucket") or None
    executor = args.get("executor", "")
    return leads.LeadFilters(
        status=status if status in {s.value for s in LeadStatus} else None,
        source=source if source in leads.SOURCES else None,
        bucket=bucket if bucket in {str(k) for k in labels.BUCKET} else None,
        executor_id=current_user.id if executor == "me" else optional_int(executor),
        overdue=args.get("overdue") == "1", overdue_first=True)


@bp.get("/")
@permission_required("lead.view")
def index():
    s = database.session()
    today = _today()
    page = leads.find(s, current_user, _filters(), page=optional_int(request.args.get("page")) or 1,
                      per_page=current_app.config["PAGE_SIZE"], today=today)
    waiting = []
    if _is_executor(current_user):
        waiting = sorted(leads.find(s, current_user, leads.LeadFilters(
            status=LeadStatus.ASSIGNED.value, executor_id=current_user.id), per_page=100,
            today=today).items, key=lambda lead: (lead.accept_by is None, lead.accept_by))
    executors = []
    open_conflicts = 0
    if access.can(current_user, "lead.assign"):
        executors = [c.user for c in leads.candidates(s, today)]
        open_conflicts = len(leads.conflicts(s))
    return render_template("leads/index.html", page=page, waiting=waiting, today=today,
                           executors=executors, open_conflicts=open_conflicts,
                           statuses=labels.choices("status"), sources=labels.choices("source"),
                           buckets=labels.choices("bucket"))


# --- one lead ---------------------------------------------------------------------------

def _forms(lead) -> dict:
    return {
        "accept": ActionForm(prefix="accept"),
        "decline": DeclineForm(prefix="decline"),
        "next_step": NextStepForm(prefix="step", data={
            "next_step": lead.next_step, "next_step_due": lead.next_step_due,
            "version": lead.version}),
        "contact": ContactForm(prefix="contact"),
        "close": CloseForm(prefix="close"),
        "assign": AssignForm(prefix="assign"),
        "auto": ActionForm(prefix="auto"),
    }


def _render_lead(lead, *, status: int = 200, **replace):
    s = database.session()
    today = _today()
    forms = _forms(lead)
    forms.update(replace)
    may_assign = access.can(current_user, "lead.assign")
    candidates = []
    if may_assign and lead.is_open:
        candidates = leads.candidates(s, today)
        forms["assign"].executor_id.choices = [("", "—")] + [
            (str(c.user.id), c.user.display_name) for c in candidates]
    entries = leads.timeline(s, lead)
    people = _users(s, [e.user_id for e in entries]
                    + [e.data.get(k) for e in entries for k in ("from", "to", "assignee")])
    zh = select_locale().startswith("zh")
    outcome_names = {o.code: o.label_zh if zh else o.label_en
                     for o in calls.outcomes(s, active_only=False)}
    cal = workdays.load(s)
    mine = lead.executor_id == current_user.id
    supervisor = Role(current_user.role) in access.SUPERVISORS | access.MANAGEMENT
    return render_template(
        "leads/show.html", lead=lead, forms=forms, timeline=entries, people=people,
        outcome_names=outcome_names, candidates=candidates, today=today,
        workday=cal.is_workday(today), holiday=cal.holiday_name(today),
        may_assign=may_assign, mine=mine, may_follow=mine or supervisor,
        attributions=[a for a in attribution.attributions_of(s, lead.company_id)
                      if a.executor_id == lead.executor_id]), status


@bp.get("/<int:lead_id>")
@permission_required("lead.view")
def show(lead_id: int):
    return _render_lead(leads.visible_lead(database.session(), current_user, lead_id))[0]


def _lead(lead_id: int):
    return leads.visible_lead(database.session(), current_user, lead_id)


def _back(lead_id: int):
    return redirect(url_for("leads.show", lead_id=lead_id), 303)


@bp.post("/<int:lead_id>/accept")
@permission_required("lead.follow")
def accept(lead_id: int):
    lead = _lead(lead_id)
    form = ActionForm(prefix="accept")
    if submit(form, lambda s: leads.accept(s, lead, current_user)):
        flash(_("Lead accepted: it is yours to follow."), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, accept=form)


@bp.post("/<int:lead_id>/decline")
@permission_required("lead.follow")
def decline(lead_id: int):
    lead = _lead(lead_id)
    form = DeclineForm(prefix="decline")
    if submit(form, lambda s: leads.decline(s, lead, current_user, form.reason.data)):
        flash(_("Lead given back to the supervisor."), "success")
        return redirect(url_for("leads.index"), 303)
    return _render_lead(lead, status=422, decline=form)


@bp.post("/<int:lead_id>/next-step")
@permission_required("lead.view")
def next_step(lead_id: int):
    lead = _lead(lead_id)
    form = NextStepForm(prefix="step")
    if submit(form, lambda s: leads.set_next_step(
            s, lead, current_user, form.next_step.data, form.next_step_due.data,
            expected_version=optional_int(form.version.data))):
        flash(_("Next step saved."), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, next_step=form)


def _contact_time(form: ContactForm) -> datetime:
    now = utcnow()
    if form.at.data is None:
        return now
    at = form.at.data.replace(tzinfo=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
    if at > now + CONTACT_SKEW:
        raise ValidationFailed.on("at", N_("The contact cannot be in the future."))
    return at


@bp.post("/<int:lead_id>/contact")
@permission_required("lead.follow")
def contact(lead_id: int):
    lead = _lead(lead_id)
    form = ContactForm(prefix="contact")

    def action(s):
        if lead.executor_id != current_user.id or not lead.is_open:
            raise leads.NotYourLead(N_("This lead is not assigned to you."))
        company = s.get(Company, lead.company_id)
        had = attribution.attribution_of(s, company.id, current_user.id)
        row = leads.record_contact(s, company, current_user, form.kind.data, _contact_time(form))
        return row, had is None

    if saved := submit(form, action):
        row, first = saved.value
        what = labels.label("classification", row.classification)
        if first:
            flash(_("First contact recorded: %(what)s (source: %(source)s). This is fixed now.",
                    what=what, source=labels.label("source", row.source)), "success")
        else:
            flash(_("Contact recorded. The classification was fixed at your first contact on "
                    "%(when)s: %(what)s.", what=what,
                    when=row.first_contact_at.astimezone(workdays.LOCAL_TZ)
                    .strftime("%Y-%m-%d %H:%M")), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, contact=form)


@bp.post("/<int:lead_id>/close")
@permission_required("lead.view")
def close(lead_id: int):
    lead = _lead(lead_id)
    form = CloseForm(prefix="close")
    if submit(form, lambda s: leads.close(s, lead, current_user, form.close_reason.data,
                                          form.note.data)):
        flash(_("Lead closed."), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, close=form)


@bp.post("/<int:lead_id>/assign")
@permission_required("lead.assign")
def assign(lead_id: int):
    lead = _lead(lead_id)
    form = AssignForm(prefix="assign")

    def action(s):
        executor = s.get(User, form.executor_id.data) if form.executor_id.data else None
        if executor is None:
            raise ValidationFailed.on("executor_id", N_("Pick an executor."))
        return leads.assign(s, lead, executor, current_user, reason=form.reason.data,
                            force=bool(form.force.data))

    if saved := submit(form, action):
        flash(_("Lead assigned to %(name)s; they must accept it by %(deadline)s.",
                name=saved.value.to_user.display_name,
                deadline=lead.accept_by.astimezone(workdays.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
                if lead.accept_by else "—"), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, assign=form)


@bp.post("/<int:lead_id>/auto-assign")
@permission_required("lead.assign")
def auto_assign(lead_id: int):
    lead = _lead(lead_id)
    form = ActionForm(prefix="auto")

    if saved := submit(form, lambda s: leads.auto_assign_lead(s, lead)):
        if saved.value is None:
            flash(_("No rule found an available executor; assign the lead by hand."), "info")
        else:
            flash(_("Assigned to %(name)s. Why: %(reason)s", name=saved.value.to_user.display_name,
                    reason=saved.value.reason), "success")
        return _back(lead_id)
    return _render_lead(lead, status=422, auto=form)


# --- registering a client -----------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@permission_required("lead.follow")
def register():
    return register_page()


def register_page(fixed_source: str | None = None):
    """The client-registration form; `fixed_source` serves pages for one source only
    (the field-intelligence page registers other-channel clients through it)."""
    form = RegisterForm()
    if fixed_source is not None:
        form.source.data = fixed_source
    if request.method == "GET" and request.args.get("company_id"):
        form.company_id.data = request.args["company_id"][:20]

    def action(s):
        company_id = form.company_id.id_value
        if company_id is None:
            raise ValidationFailed.on("company_id", N_("Pick the company."))
        return leads.register_client(s, current_user, company_id, form.source.data,
                                     note=form.note.data)

    if saved := submit(form, action):
        result = saved.value
        if result.conflict is not None:
            flash(_("Another executor already follows this company. A conflict was raised: "
                    "the supervisor will decide who follows it."), "info")
            return redirect(url_for("leads.index"), 303)
        if result.existing is not None:
            flash(_("You already follow this company."), "info")
        else:
            flash(_("Client registered: you follow it now."), "success")
        return redirect(url_for("leads.show", lead_id=result.lead.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("leads/register.html", form=form, fixed_source=fixed_source,
                           pickers=picker_context(form.company_id)), status


# --- conflicts ----------------------------------------------------------------------------

@bp.get("/conflicts")
@permission_required("lead.assign")
def conflicts():
    s = database.session()
    state = "resolved" if request.args.get("status") == "resolved" else "open"
    rows = leads.conflicts(s, status=state)
    if state == "resolved":
        rows = rows[::-1][:100]
    people = _users(s, [c.lead.executor_id for c in rows if c.lead is not None]
                    + [c.resolved_by_id for c in rows])
    return render_template("leads/conflicts.html", rows=rows, state=state, people=people,
                           form=ResolveForm())


@bp.post("/conflicts/<int:conflict_id>/resolve")
@permission_required("lead.assign")
def resolve(conflict_id: int):
    s = database.session()
    conflict = s.get(LeadConflict, conflict_id)
    if conflict is None:
        abort(404)
    form = ResolveForm()
    if submit_or_flash(form, lambda s: leads.resolve_conflict(
            s, conflict, current_user, form.decision.data, form.note.data)):
        flash(_("Conflict decided."), "success")
    return redirect(url_for("leads.conflicts"), 303)


def _flash_errors(_form, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for messages in exc.errors.values():
            for message in messages:
                flash(_(message), "error")
    else:
        flash(translate(exc), "error")


def submit_or_flash(form, action):
    """`submit` for a form that lives on another page: every refusal becomes a message."""
    saved = submit(form, action, on_error=_flash_errors)
    if saved is None and form.errors:
        for name, messages in form.errors.items():
            field = getattr(form, name, None)
            for message in messages:
                flash(f"{field.label.text}: {message}" if field is not None else str(message),
                      "error")
    return saved


# --- attribution on the company page --------------------------------------------------------

def attribution_panel(company: Company, activity: companies.Activity | None = None) -> dict | None:
    """What the company page shows of leads and new/old attribution to this user.

    `activity` (companies.activity) spares the queries of the parts known to be empty.
    """
    if not current_user.is_authenticated or not access.can(current_user, "lead.view") and \
            not access.can(current_user, "attribution.view"):
        return None
    activity = activity or companies.Activity.everything()
    s = database.session()
    rows = []
    sees_attribution = access.can(current_user, "attribution.view")
    if sees_attribution and activity.attributions:
        for row in attribution.attributions_of(s, company.id):
            try:
                rows.append(attribution.visible_attribution(s, current_user, row.id))
            except NotFound:
                continue
    coops = (attribution.cooperations_before(s, company, utcnow())
             if sees_attribution and (activity.cooperations or activity.merged_children)
             else [])
    open_lead = (leads.visible_open_lead(s, current_user, company.id)
                 if access.can(current_user, "lead.view") and activity.open_lead else None)
    # The forms only for who may use them (the page is opened far more often than edited).
    return {"attributions": rows, "cooperations": coops[::-1], "open_lead": open_lead,
            "override_form": (OverrideForm(prefix="override")
                              if access.can(current_user, "attribution.override") else None),
            "cooperation_form": (CooperationForm(prefix="coop")
                                 if access.can(current_user, "cooperation.edit") else None)}


@bp.post("/attributions/<int:attribution_id>/override")
@permission_required("attribution.override")
def override(attribution_id: int):
    s = database.session()
    row = attribution.visible_attribution(s, current_user, attribution_id)
    company_id = row.company_id
    form = OverrideForm(prefix="override")
    if submit_or_flash(form, lambda s: attribution.override(
            s, row, current_user, form.classification.data, form.reason.data,
            source=form.source.data or None)):
        flash(_("Classification changed; the change and its reason are in the audit log."),
              "success")
    return redirect(url_for("companies.show", company_id=company_id) + "#attribution", 303)


@bp.post("/companies/<int:company_id>/cooperations")
@permission_required("cooperation.edit")
def add_cooperation(company_id: int):
    s = database.session()
    company = access.visible_company(s, current_user, company_id)
    form = CooperationForm(prefix="coop")
    if submit_or_flash(form, lambda s: attribution.add_cooperation(
            s, current_user, company, kind=form.kind.data, signed_on=form.signed_on.data,
            amount=form.amount.data, reference=form.reference.data, note=form.note.data)):
        flash(_("Cooperation recorded."), "success")
    return redirect(url_for("companies.show", company_id=company.id) + "#attribution", 303)
