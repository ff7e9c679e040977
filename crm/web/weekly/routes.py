"""Monday meeting report pages: the report of a chosen week (default: last week), its Excel
export (one sheet per section, Chinese headers) and a printable page (A4 landscape).

The figures come from crm.services.weekly_report; the page shows live data, or the stored
snapshot of the week with ?snapshot=1.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from openpyxl import Workbook
from openpyxl.styles import Font

from crm.services import weekly_report
from crm.web import database
from crm.web.forms import submit
from crm.web.security import permission_required

bp = Blueprint("weekly", __name__, url_prefix="/weekly")

BUCKET_LABELS = {"meeting": _l("Meeting possible"), "requirements": _l("Requirements sent"),
                 "materials": _l("Send materials"), "none": _l("Other")}
# The Excel file is for the meeting room: its headers are Chinese whatever the UI language.
BUCKET_ZH = {"meeting": "可以安排面洽", "requirements": "对方发具体要求", "materials": "寄发资料",
             "none": "其他"}
KIND_ZH = {"lead": "线索", "standard_pack": "统一资料", "targeted": "针对性资料"}
TOTAL_HEADERS_ZH = {
    "meeting": "面洽客户", "requirements": "具体要求客户", "materials": "寄发资料",
    "visits": "面洽次数", "delegated_visits": "其中同事代访", "reports": "书面报告",
    "rating_a": "A级", "rating_b": "B级", "rating_c": "C级", "overdue": "逾期跟进",
    "missed_designs": "设计方案未交", "unexplained": "未说明", "other_channel": "其他途径客户"}


class SnapshotForm(FlaskForm):
    """Store the week's snapshot now (only the CSRF token)."""


def _week() -> date:
    raw = request.args.get("week") or request.form.get("week")
    try:
        day = date.fromisoformat(raw) if raw else weekly_report.last_week()
    except ValueError:
        day = weekly_report.last_week()
    return weekly_report.week_of(day)


def _data(monday: date):
    s = database.session()
    stored = weekly_report.snapshot(s, monday)
    if request.args.get("snapshot") == "1" and stored is not None:
        return stored.data, stored, True
    return weekly_report.build(s, monday), stored, False


@bp.app_context_processor
def _helpers():
    return {"weekly_bucket_label": lambda v: BUCKET_LABELS.get(v, v)}


@bp.get("/")
@permission_required("weekly.view")
def index():
    monday = _week()
    data, stored, from_snapshot = _data(monday)
    return render_template("weekly/index.html", data=data, stored=stored, monday=monday,
                           from_snapshot=from_snapshot, form=SnapshotForm(),
                           prev_week=monday - timedelta(days=7),
                           next_week=monday + timedelta(days=7))


@bp.get("/print")
@permission_required("weekly.view")
def printable():
    monday = _week()
    data, stored, from_snapshot = _data(monday)
    return render_template("weekly/print.html", data=data, stored=stored, monday=monday,
                           from_snapshot=from_snapshot)


@bp.post("/snapshot")
@permission_required("weekly.generate")
def snapshot():
    monday = _week()
    if submit(SnapshotForm(), lambda s: weekly_report.generate(s, monday, by=current_user)):
        flash(_("Snapshot stored."), "success")
    return redirect(url_for("weekly.index", week=monday.isoformat()), 303)


@bp.get("/export.xlsx")
@permission_required("weekly.view")
def export():
    monday = _week()
    data, _stored, _from = _data(monday)
    buffer = io.BytesIO()
    workbook(data).save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"周会报表_{monday.isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2] + [len(str(r[i - 1] or "")) for r in rows[:200]])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    return ws


def workbook(data: dict) -> Workbook:
    """The report as a workbook: 分配表, 执行跟进, 合计 (one sheet per section)."""
    wb = Workbook()
    _sheet(wb, "分配表", ["类别", "客户", "负责人", "类型", "来源/开发人", "时间", "状态"], [
        [BUCKET_ZH.get(r["bucket"], r["bucket"]), r["company"], r["responsible"] or "待分配",
         KIND_ZH.get(r["kind"], r["kind"]), r.get("opened_by") or "", r["at"], r["status"]]
        for r in data["allocation"]], first=True)
    follow = []
    for e in data["executors"]:
        for v in e["visits"]:
            follow.append([e["name"], "面洽", v["company"], v["at"],
                           f"代访：{v['visitor']}" if v["delegated"] else v["place"]])
        for r in e["reports"]:
            follow.append([e["name"], "书面报告", r["company"], r["filed_at"],
                           f"评级 {r['rating'] or '-'}；下一步：{r['next_step'] or ''}"])
        for o in e["overdue"]:
            follow.append([e["name"], "逾期跟进", o["company"], o["next_step_due"],
                           o["next_step"] or ""])
        for m in e["missed_designs"]:
            follow.append([e["name"], "设计方案未交", m["company"], m["due_on"],
                           m["explanation"] or "（未说明）"])
        for c in e["other_channel"]:
            follow.append([e["name"], "其他途径客户", c["company"], c["at"], c["note"] or ""])
    _sheet(wb, "执行跟进", ["业务员", "事项", "客户", "日期", "说明"], follow)
    keys = list(TOTAL_HEADERS_ZH)
    _sheet(wb, "合计", ["人员"] + [TOTAL_HEADERS_ZH[k] for k in keys], [
        ["合计" if r.get("total") else (r["name"] or "待分配")] + [r[k] for k in keys]
        for r in data["totals"]])
    return wb
