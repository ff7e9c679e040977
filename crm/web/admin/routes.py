"""Admin pages: users and departments, the industry taxonomy and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.db import utcnow
from crm.models import AuditEntry, User
from crm.services import access, audit_queries, taxonomy, users
from crm.services import settings as business_settings
from crm.services.errors import DomainError
from crm.web import database
from crm.web.admin.forms import (
    AuditFilterForm,
    DepartmentForm,
    IndustryForm,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
)
from crm.web.forms import optional_int, submit
from crm.web.security import permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

SECTIONS = ("admin.users", "admin.taxonomy", "audit.view")


def _history(entity: str, entity_id: int) -> list[AuditEntry]:
    return database.session().scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .options(selectinload(AuditEntry.user)).order_by(AuditEntry.id.desc()).limit(100)).all()


@bp.get("/")
@login_required
def index():
    if not any(access.can(current_user, p) for p in SECTIONS):
        abort(403)
    return render_template("admin/index.html")


# Users ---------------------------------------------------------------------------------

def _department_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(str(d.id), f"{d.name_zh} ({d.code})")
                          for d in users.list_departments(database.session())]


def _user_data(form: UserEditForm | UserCreateForm, username: str = "") -> users.UserData:
    # A new account starts active; only the edit form offers the switch.
    active = form.active.data if isinstance(form, UserEditForm) else True
    return users.UserData(
        username=username, display_name=form.display_name.data or "", role=form.role.data,
        department_id=form.department_id.data, email=form.email.data,
        locale=form.locale.data or None, active=active)


@bp.get("/users")
@permission_required("admin.users")
def user_list():
    s = database.session()
    return render_template("admin/users.html", users=users.list_users(s), now=utcnow(),
                           is_locked=users.is_locked)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("admin.users")
def user_new():
    form = UserCreateForm()
    form.department_id.choices = _department_choices()
    if saved := submit(form, lambda s: users.create(
            s, _user_data(form, form.username.data or ""), form.password.data or "")):
        user = saved.value
        flash(_("User %(name)s created.", name=user.username), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=None), status


def _user_page(user: User, form: UserEditForm, password_form: PasswordResetForm, status: int = 200):
    return render_template("admin/user_form.html", form=form, user=user,
                           password_form=password_form, history=_history("users", user.id),
                           locked=users.is_locked(user)), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required("admin.users")
def user_edit(user_id: int):
    s = database.session()
    user = users.get(s, user_id)
    if request.method == "GET":
        form = UserEditForm(data=vars(users.data_of(user)))
    else:
        form = UserEditForm()
    form.department_id.choices = _department_choices()
    if submit(form, lambda s: users.update(s, current_user, user, _user_data(form))):
        flash(_("User saved."), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return _user_page(user, form, PasswordResetForm(prefix="pw"), status)


@bp.post("/users/<int:user_id>/password")
@permission_required("admin.users")
def user_password(user_id: int):
    s = database.session()
    user = users.get(s, user_id)
    password_form = PasswordResetForm(prefix="pw")
    if submit(password_form, lambda s: users.reset_password(
            s, user, password_form.password.data or "")):
        if user.id == current_user.id:
            login_user(current_user)  # a new hash ends the session; keep this one
        flash(_("Password changed. Tell the user in person, not by e-mail."), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    user = users.get(s, user_id)
    form = UserEditForm(formdata=None, data=vars(users.data_of(user)))
    form.department_id.choices = _department_choices()
    return _user_page(user, form, password_form, 422)


@bp.post("/users/<int:user_id>/unlock")
@permission_required("admin.users")
def user_unlock(user_id: int):
    s = database.session()
    user = users.get(s, user_id)
    users.unlock(s, user)
    s.commit()
    flash(_("%(name)s may sign in again.", name=user.display_name), "success")
    return redirect(request.referrer or url_for("admin.user_list"))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required("admin.users")
def user_deactivate(user_id: int):
    s = database.session()
    user = users.get(s, user_id)
    users.deactivate(s, current_user, user)
    s.commit()
    flash(_("%(name)s can no longer sign in.", name=user.display_name), "success")
    return redirect(url_for("admin.user_list"))


# Departments ---------------------------------------------------------------------------

def _department_data(form: DepartmentForm) -> users.DepartmentData:
    return users.DepartmentData(code=form.code.data or "", name_zh=form.name_zh.data or "",
                                name_en=form.name_en.data)


@bp.get("/departments")
@permission_required("admin.users")
def department_list():
    return render_template("admin/departments.html",
                           departments=users.list_departments(database.session()))


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@permission_required("admin.users")
def department_form(department_id: int | None = None):
    s = database.session()
    dept = users.get_department(s, department_id) if department_id is not None else None
    form = DepartmentForm(obj=dept) if request.method == "GET" else DepartmentForm()
    if submit(form, lambda s: users.create_department(s, _department_data(form))
              if dept is None else users.update_department(s, dept, _department_data(form))):
        flash(_("Department saved."), "success")
        return redirect(url_for("admin.department_list"))
    status = 422 if request.method == "POST" else 200
    history = _history("departments", dept.id) if dept else []
    return render_template("admin/department_form.html", form=form, department=dept,
                           history=history), status


# Industry taxonomy ---------------------------------------------------------------------

def _parent_choices(exclude_id: int | None) -> list[tuple[str, str]]:
    rows = taxonomy.tree(database.session())
    return [("", "—")] + [(str(i.id), "　" * depth + i.name_zh + ("" if i.active else " ×"))
                          for i, depth in rows if i.id != exclude_id]


def _industry_data(form: IndustryForm) -> taxonomy.IndustryData:
    return taxonomy.IndustryData(
        code=form.code.data or "", name_zh=form.name_zh.data or "", name_en=form.name_en.data,
        parent_id=form.parent_id.data, sort_order=form.sort_order.data or 0,
        active=form.active.data)


@bp.get("/industries")
@permission_required("admin.taxonomy")
def industry_list():
    return render_template("admin/industries.html", rows=taxonomy.tree(database.session()))


@bp.route("/industries/new", methods=["GET", "POST"])
@bp.route("/industries/<int:industry_id>/edit", methods=["GET", "POST"])
@permission_required("admin.taxonomy")
def industry_form(industry_id: int | None = None):
    s = database.session()
    industry = taxonomy.get(s, industry_id) if industry_id is not None else None
    if request.method == "GET" and industry is not None:
        form = IndustryForm(data=vars(taxonomy.data_of(industry)))
    else:
        form = IndustryForm()
    form.parent_id.choices = _parent_choices(industry_id)
    if submit(form, lambda s: taxonomy.create(s, _industry_data(form))
              if industry is None else taxonomy.update(s, industry, _industry_data(form))):
        flash(_("Industry saved."), "success")
        return redirect(url_for("admin.industry_list"))
    status = 422 if request.method == "POST" else 200
    history = _history("industries", industry.id) if industry and industry.id else []
    return render_template("admin/industry_form.html", form=form, industry=industry,
                           history=history), status


@bp.post("/industries/<int:industry_id>/deactivate")
@permission_required("admin.taxonomy")
def industry_deactivate(industry_id: int):
    s = database.session()
    industry = taxonomy.get(s, industry_id)
    taxonomy.deactivate(s, industry)
    s.commit()
    flash(_("%(name)s is no longer offered.", name=industry.name_zh), "success")
    return redirect(url_for("admin.industry_list"))


# Audit log -----------------------------------------------------------------------------

@bp.get("/audit")
@permission_required("audit.view")
def audit_log():
    s = database.session()
    form = AuditFilterForm(formdata=request.args)
    form.user.choices = [("", "—")] + [
        (str(u.id), f"{u.display_name} ({u.username})")
        for u in s.scalars(select(User).order_by(User.display_name))]
    form.entity.choices = [("", "—")] + [(e, e) for e in audit_queries.entity_names()]
    form.validate()
    filters = audit_queries.AuditFilters(
        user_id=form.user.data, entity=form.entity.data or None,
        entity_id=form.entity_id.data if not form.entity_id.errors else None,
        action=(form.action.data or "").strip() or None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None)
    page = audit_queries.find(s, current_user, filters,
                              page=optional_int(request.args.get("page")) or 1,
                              per_page=current_app.config["PAGE_SIZE"],
                              tz=current_app.config["DISPLAY_TIMEZONE"])
    return render_template("admin/audit.html", form=form, page=page,
                           actions=audit_queries.KNOWN_ACTIONS)


# --- Business settings (matching thresholds …) ------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@permission_required("admin.taxonomy")
def settings_page():
    """List the tunable business settings and save a changed value."""
    s = database.session()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        key = request.form.get("key", "")
        try:
            business_settings.put(s, key, request.form.get("value", ""), user_id=current_user.id)
            s.commit()
        except DomainError as exc:
            s.rollback()
            errors = {k: [_(m) for m in v] for k, v in getattr(exc, "errors", {}).items()}
        else:
            flash(_("Setting saved."), "success")
            return redirect(url_for("admin.settings_page"))
    rows = [(spec, business_settings.get(s, spec.key)) for spec in business_settings.declared()]
    return render_template("admin/settings.html", rows=rows, errors=errors), (422 if errors else 200)
