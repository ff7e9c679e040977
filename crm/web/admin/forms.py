"""Forms of the admin pages; the rules themselves live in crm.services.users and .taxonomy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.web import labels
from crm.web.forms import IntSelectField
from crm.web.i18n import LANGUAGES

PASSWORD_HINT = {"autocomplete": "new-password", "minlength": 8}


def locale_choices() -> list[tuple[str, str]]:
    return [("", "—")] + list(LANGUAGES.items())


class _UserFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=labels.choices(labels.ROLE_LABELS),
                       validate_choice=False)
    department_id = IntSelectField(_l("Department"))
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=locale_choices(), validate_choice=False)


class UserEditForm(_UserFields):
    active = BooleanField(_l("Active (may sign in)"), default=True)


class UserCreateForm(_UserFields):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "off"})
    # The length rule lives in crm.services.auth; the form only bounds the input.
    password = PasswordField(_l("Initial password"), validators=[Length(max=200)],
                             render_kw=PASSWORD_HINT)


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[Length(max=200)],
                             render_kw=PASSWORD_HINT)


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])


class IndustryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])
    parent_id = IntSelectField(_l("Parent industry"))
    sort_order = IntegerField(_l("Sort order"), default=0,
                              validators=[Optional(), NumberRange(min=-100000, max=1000000)])
    active = BooleanField(_l("Active (offered in forms)"), default=True)


class AuditFilterForm(FlaskForm):
    """The audit list's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    user = IntSelectField(_l("User"))
    entity = SelectField(_l("Record type"), validate_choice=False)
    entity_id = IntegerField(_l("Record id"), validators=[Optional(), NumberRange(min=1)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=20)])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])
