"""The home page: what each role starts its day with."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from crm.models import Company, Exhibition, Role
from crm.services import access
from crm.web import database

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    if Role(current_user.role) == Role.EXECUTOR and "desk.index" in current_app.view_functions:
        return redirect(url_for("desk.index"))  # the executor's desk is their start page
    s = database.session()
    my_clients = s.scalar(select(func.count()).select_from(Company)
                          .where(Company.owner_id == current_user.id,
                                 Company.merged_into_id.is_(None)))
    upcoming = s.scalars(select(Exhibition).where(Exhibition.starts_on.is_not(None))
                         .order_by(Exhibition.starts_on.desc()).limit(8)).all()
    return render_template("main/home.html", my_clients=my_clients, upcoming=upcoming,
                           sees_all=access.Role(current_user.role) in access.SEES_EVERY_COMPANY)


@bp.get("/healthz")
def health():
    database.session().execute(select(1))
    return {"status": "ok"}
