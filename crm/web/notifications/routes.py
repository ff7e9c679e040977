"""The notification list; opening one marks it read and follows its link."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm.services import notifications
from crm.web import database
from crm.web.jobs.forms import RunNowForm as CsrfForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _bell():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return notifications.unread_count(database.session(), current_user)

    return {"unread_notifications": unread_notifications}


@bp.get("/")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = notifications.for_user(database.session(), current_user, unread_only=unread_only,
                                  page=request.args.get("page", 1, type=int),
                                  per_page=current_app.config.get("PAGE_SIZE", 50))
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           form=CsrfForm())


@bp.post("/<int:notification_id>/open")
@login_required
def open_(notification_id: int):
    if not CsrfForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    s = database.session()
    note = notifications.mark_read(s, current_user, notification_id)
    s.commit()
    link = note.link if note.link and note.link.startswith("/") and not note.link.startswith("//") \
        else url_for("notifications.index")
    return redirect(link)


@bp.post("/read-all")
@login_required
def read_all():
    if CsrfForm().validate_on_submit():
        s = database.session()
        notifications.mark_all_read(s, current_user)
        s.commit()
    return redirect(url_for("notifications.index"))
