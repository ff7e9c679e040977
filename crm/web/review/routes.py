"""The review queue: two companies that may be one, side by side; merge or mark different."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.models import Merge, Participation, ReviewItem, ReviewStatus
from crm.services import access, merging
from crm.services.errors import N_, NotFound
from crm.web import database
from crm.web.forms import optional_int
from crm.web.review import evidence
from crm.web.security import permission_required

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.app_context_processor
def _merges_helper():
    def company_merges(company_id: int) -> list[Merge]:
        """The merges into this company, for the "merged from" list of its page."""
        return [m for m in merging.merges_of(database.session(), company_id)
                if m.survivor_id == company_id]
    return {"company_merges": company_merges}


@bp.get("/")
@permission_required("review.decide")
def index():
    s = database.session()
    filters = merging.ReviewFilters(batch_id=optional_int(request.args.get("batch")))
    page = merging.review_queue(s, current_user, filters,
                                page=optional_int(request.args.get("page")) or 1)
    return render_template("review/index.html", page=page)


def _item(item_id: int) -> ReviewItem:
    """The review item, when the user may see both companies; else 404 (reveal nothing)."""
    s = database.session()
    item = s.get(ReviewItem, item_id)
    if item is None:
        abort(404)
    for company_id in (item.company_a_id, item.company_b_id):
        access.visible_company(s, current_user, company_id)  # NotFound → 404
    access.require(current_user, "review.decide")
    return item


@bp.get("/<int:item_id>")
@login_required
def pair(item_id: int):
    item = _item(item_id)
    s = database.session()
    booths = {cid: s.scalars(select(Participation).where(Participation.company_id == cid)
                             .order_by(Participation.id)).all()
              for cid in (item.company_a_id, item.company_b_id)}
    return render_template("review/pair.html", item=item, a=item.company_a, b=item.company_b,
                           evidence=evidence.describe(item.evidence), booths=booths,
                           open=item.status == ReviewStatus.OPEN.value)


@bp.post("/<int:item_id>/merge")
@login_required
def merge(item_id: int):
    item = _item(item_id)
    s = database.session()
    survivor = optional_int(request.form.get("survivor_id")) or item.company_a_id
    record = merging.decide(s, item.id, "merge", user=current_user, survivor_id=survivor)
    s.commit()
    flash(_("Merged: %(name)s now holds both companies' facts.",
            name=record.survivor.display_name), "success")
    return redirect(url_for("companies.show", company_id=record.survivor_id))


@bp.post("/<int:item_id>/different")
@login_required
def different(item_id: int):
    item = _item(item_id)
    s = database.session()
    merging.decide(s, item.id, "different", user=current_user)
    s.commit()
    flash(_("Marked as different companies; they will not be proposed again."), "success")
    return redirect(url_for("review.index"))


@bp.post("/merges/<int:merge_id>/undo")
@permission_required("review.decide")
def undo(merge_id: int):
    s = database.session()
    record = s.get(Merge, merge_id)
    if record is None:
        raise NotFound(N_("No such merge."))
    access.visible_company(s, current_user, record.survivor_id)
    restored = merging.undo_merge(s, merge_id, user_id=current_user.id)
    s.commit()
    flash(_("The merge was undone: %(name)s is a company of its own again.",
            name=restored.display_name), "success")
    return redirect(url_for("companies.show", company_id=record.survivor_id))
