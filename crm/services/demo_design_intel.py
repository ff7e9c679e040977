"""Demo data for design requests, materials and intelligence from the field.

Called by crm.services.demo.load_demo after demo_calls (it needs exec1's leads and the
mailing tasks the demo calls opened). Idempotent: it adds nothing when a design request
exists already. Demo rows carry no files (the demo has no upload folder).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import (
    Company,
    DesignProposal,
    DesignRequest,
    Exhibition,
    Lead,
    MailingTask,
    User,
)
from crm.models.calls import MailingKind, MailingStatus
from crm.services import design_requests, field_intel, materials, workdays


def load(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Add a delivered and a missed design request, mailings sent, one intel submission."""
    now = now or utcnow()
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(
        ("exec1", "exec2", "design1", "tele1", "mkt1"))))}
    exec1, design1 = users.get("exec1"), users.get("design1")
    if exec1 is None or design1 is None:
        return {}
    if session.scalars(select(DesignRequest.id)).first() is not None:
        return {}
    clients = list(session.scalars(select(Company).join(Lead, Lead.company_id == Company.id)
                                   .where(Lead.executor_id == exec1.id).order_by(Lead.id).limit(3)))
    if len(clients) < 2:
        return {}
    today = workdays.local_date(now)
    show = session.scalars(select(Exhibition).where(Exhibition.starts_on >= today)
                           .order_by(Exhibition.starts_on)).first()
    made = {"design_requests": 0, "mailings_sent": 0, "intel": 0}

    # Delivered: opened a week ago, the designer took it and delivered version 1.
    week_ago = now - timedelta(days=7)
    delivered = design_requests.open_request(session, exec1, design_requests.RequestData(
        company_id=clients[0].id, brief="两面开口特装展台，突出新品发布区与洽谈区，品牌色蓝白。",
        due_on=today + timedelta(days=2), title=f"{clients[0].display_name} 特装展台方案",
        exhibition_id=show.id if show else None, show_starts_on=show.starts_on if show else None,
        booth_area_m2=Decimal("108"), booth_size="9m × 12m，两面开口",
        budget_min=Decimal("150000"), budget_max=Decimal("220000")),
        folder="", today=workdays.local_date(week_ago), now=week_ago)
    design_requests.take(session, delivered, design1)
    session.add(DesignProposal(request_id=delivered.id, number=1, designer_id=design1.id,
                               note="初稿：效果图三张、平面布置图（演示数据，文件略）",
                               delivered_at=now - timedelta(days=1)))
    delivered.status, delivered.delivered_at = "delivered", now - timedelta(days=1)
    # Missed: due three days ago with nothing delivered; exec1 explained why.
    missed = design_requests.open_request(session, exec1, design_requests.RequestData(
        company_id=clients[1].id, brief="岛型展台，需要二层洽谈区，预算有限。",
        due_on=today - timedelta(days=3), title=f"{clients[1].display_name} 岛型展台",
        booth_area_m2=Decimal("216"), budget_min=Decimal("300000"),
        budget_max=Decimal("400000")),
        folder="", today=today - timedelta(days=10), now=now - timedelta(days=10))
    design_requests.explain(session, missed, exec1, "客户迟迟未提供场馆平面图和限高，设计无法开始；已约客户周三补齐资料。",
                            now=now - timedelta(days=2))
    made["design_requests"] = 2

    # Materials: the first open standard pack went out by courier, follow-up in two days.
    pack = session.scalars(select(MailingTask).where(
        MailingTask.status == MailingStatus.OPEN.value,
        MailingTask.kind == MailingKind.STANDARD_PACK.value,
        MailingTask.assignee_id.is_not(None)).order_by(MailingTask.id)).first()
    if pack is not None:
        sender = session.get(User, pack.assignee_id)
        materials.mark_sent(session, pack, sender, "courier", "SF1402938475",
                            content="公司画册、特装案例集、服务报价单", follow_up_on=today + timedelta(days=2),
                            now=now)
        made["mailings_sent"] = 1
    if len(clients) > 2:
        session.add(MailingTask(company_id=clients[2].id, kind=MailingKind.TARGETED.value,
                                assignee_id=exec1.id, due_on=today + timedelta(days=1),
                                note="重点客户：写针对性资料，争取面洽", created_by_id=exec1.id))
    # Intelligence: exec1 names the big clients of the industry from a visit.
    names = [c.display_name for c in session.scalars(
        select(Company).where(Company.name_zh.is_not(None), Company.merged_into_id.is_(None))
        .order_by(Company.id.desc()).limit(2))]
    field_intel.submit(session, exec1, field_intel.IntelData(
        kind="key_clients", title="客户介绍的行业重点大客户",
        note="面洽时客户提到的行业前几名，明年都要参展。",
        company_names="\n".join(names + ["华东精密仪器集团"]),
        exhibition_id=show.id if show else None, company_id=clients[0].id), folder="", now=now)
    made["intel"] = 1
    session.flush()
    return made

