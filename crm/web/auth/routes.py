"""Sign in and out, switch language, manage one's password and API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from crm.models import ApiToken
from crm.services import auth
from crm.web import database
from crm.web.auth.forms import LoginForm, PasswordForm, TokenForm
from crm.web.errors import translate
from crm.web.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL in ?next= would be an open redirect.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        s = database.session()
        try:
            user = auth.authenticate(
                s, form.username.data, form.password.data,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        except auth.LoginFailed as exc:
            s.commit()  # keep the failure count
            flash(translate(exc), "error")
            status = 401
        else:
            s.commit()
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    s = database.session()
    token_form, password_form = TokenForm(prefix="token"), PasswordForm(prefix="pw")
    new_token = None
    if request.method == "POST" and "token-name" in request.form:
        if token_form.validate_on_submit():
            new_token = auth.issue_token(s, current_user, token_form.name.data)
            s.commit()
    elif request.method == "POST" and "pw-new" in request.form:
        if password_form.validate_on_submit():
            if not check_password_hash(current_user.password_hash, password_form.current.data):
                password_form.current.errors.append(_("Wrong password."))
            else:
                auth.set_password(current_user, password_form.new.data)
                s.commit()
                login_user(current_user)
                flash(_("Password changed."), "success")
                return redirect(url_for("auth.account"))
    tokens = s.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id,
                                              ApiToken.revoked_at.is_(None))).all()
    return render_template("auth/account.html", token_form=token_form,
                           password_form=password_form, tokens=tokens, new_token=new_token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    s = database.session()
    auth.revoke_token(s, current_user, token_id)
    s.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("auth.account"))
