"""The executor's desk (我的工作台): the executor's landing page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from crm.services import desk as desk_service
from crm.web import database
from crm.web.security import permission_required

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@permission_required("visit.plan")
def index():
    data = desk_service.desk(database.session(), current_user)
    return render_template("desk/index.html", desk=data)
