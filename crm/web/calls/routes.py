"""The telesales work queue: my queue with a "Next call" button and the claimed call card.

The services do the queue's work (crm/services/calls.py); these views only translate HTTP.
On SQLite `claim_next` and `log_outcome` must start their own transaction, so each view
commits what it read before calling them.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from crm.services import calls
from crm.services.errors import N_, DomainError, ValidationFailed
from crm.web import database
from crm.web.errors import translate
from crm.web.forms import optional_int
from crm.web.i18n import select_locale
from crm.web.security import permission_required

bp = Blueprint("calls", __name__, url_prefix="/calls")

# Refusals that mean "this claim is gone": say why and go back to the queue.
_CLAIM_GONE = (calls.ClaimExpired, calls.NotYours, calls.NotClaimed, calls.QueueBusy)


def outcome_label(outcome) -> str:
    """The outcome's label in the user's language (outcomes are data, not msgids)."""
    return outcome.label_zh if select_locale().startswith("zh") else outcome.label_en


@bp.app_context_processor
def _helpers():
    return {"outcome_label": outcome_label}


def _to_queue(message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("calls.index"), 303)


def _claim_and_go():
    """Claim the next call (at the start of a transaction) and show it, or the queue."""
    s = database.session()
    s.commit()
    try:
        claim = calls.claim_next(s, current_user)
        s.commit()
    except calls.QueueBusy as exc:
        s.rollback()
        return _to_queue(translate(exc))
    if claim is None:
        return _to_queue(_("No calls are waiting in your queue."), "info")
    return redirect(url_for("calls.work", item_id=claim.item_id), 303)


@bp.get("/")
@permission_required("call.work")
def index():
    s = database.session()
    queue = calls.my_queue(s, current_user)
    return render_template("calls/index.html", queue=queue)


@bp.post("/next")
@permission_required("call.work")
def next_call():
    return _claim_and_go()


def _render_card(item_id: int, *, errors: dict | None = None, values: dict | None = None,
                 status: int = 200):
    s = database.session()
    try:
        card = calls.call_card(s, current_user, item_id)
    except calls.NotYours as exc:
        return _to_queue(translate(exc))
    return render_template("calls/work.html", card=card, outcomes=calls.outcomes(s),
                           errors=errors or {}, values=values or {}), status


@bp.get("/<int:item_id>")
@permission_required("call.work")
def work(item_id: int):
    return _render_card(item_id)


def _parse_callback(value: str | None) -> datetime | None:
    """A `datetime-local` value, read in the display time zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        exc = ValidationFailed({"callback_at": [N_("Give the time to call back.")]})
        exc.field = "callback_at"
        raise exc from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


@bp.post("/<int:item_id>/outcome")
@permission_required("call.work")
def log(item_id: int):
    s = database.session()
    form = request.form
    values = {"outcome": form.get("outcome", ""), "note": form.get("note", ""),
              "callback_at": form.get("callback_at", ""), "phone_id": form.get("phone_id", "")}
    s.commit()  # the outcome takes SQLite's write lock with its first statement
    try:
        logged = calls.log_outcome(
            s, item_id, current_user, values["outcome"], values["note"],
            callback_at=_parse_callback(values["callback_at"]),
            phone_id=optional_int(values["phone_id"]),
            attempt=optional_int(form.get("attempt")))
        s.commit()
    except calls.AlreadyLogged:
        s.rollback()
        flash(_("This call's outcome was already recorded."), "info")
        return _claim_and_go()
    except _CLAIM_GONE as exc:
        s.rollback()
        return _to_queue(translate(exc))
    except ValidationFailed as exc:
        s.rollback()
        errors = {name: [_(m) for m in msgs] for name, msgs in exc.errors.items()}
        return _render_card(item_id, errors=errors, values=values, status=422)
    except DomainError as exc:
        s.rollback()
        return _to_queue(translate(exc))
    message = _("Call recorded.")
    if logged.lead is not None:
        message += " " + _("A lead was opened for assignment.")
    if logged.conflict is not None:
        message += " " + _("The company already has an open lead; the supervisor will decide.")
    if logged.mailing is not None:
        message += " " + _("A mailing task was created.")
    flash(message, "success")
    return _claim_and_go()


@bp.post("/<int:item_id>/release")
@permission_required("call.work")
def release(item_id: int):
    s = database.session()
    s.commit()
    try:
        calls.release_claim(s, item_id, current_user)
        s.commit()
    except DomainError as exc:
        s.rollback()
        return _to_queue(translate(exc))
    return _to_queue(_("The call went back to the queue."), "info")
