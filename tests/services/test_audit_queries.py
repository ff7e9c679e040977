from datetime import date, datetime, timezone

from crm.models import AuditEntry
from crm.services import audit_queries
from crm.services.audit_queries import AuditFilters
from tests import factories


def _probe(session, label, **kw):
    entry = AuditEntry(action="update", entity="probe", after={"label": label}, **kw)
    session.add(entry)
    session.flush()
    return entry


def _labels(session, user, **filters):
    page = audit_queries.find(session, user, AuditFilters(entity="probe", **filters))
    return sorted(e.after["label"] for e in page.items)


def test_dates_are_shanghai_days(session):
    boss = factories.user(session, "general_manager")
    # 2025-03-01 23:30 in Shanghai, then 2025-03-02 00:30 and 23:59 there.
    _probe(session, "late_1st", at=datetime(2025, 3, 1, 15, 30, tzinfo=timezone.utc))
    _probe(session, "early_2nd", at=datetime(2025, 3, 1, 16, 30, tzinfo=timezone.utc))
    _probe(session, "end_2nd", at=datetime(2025, 3, 2, 15, 59, tzinfo=timezone.utc))
    _probe(session, "3rd", at=datetime(2025, 3, 2, 16, 0, tzinfo=timezone.utc))
    day = date(2025, 3, 2)
    assert _labels(session, boss, date_from=day, date_to=day) == ["early_2nd", "end_2nd"]
    assert _labels(session, boss, date_to=date(2025, 3, 1)) == ["late_1st"]


def test_supervisor_sees_department_companies_and_colleagues_only(session):
    sup = factories.user(session, "market_supervisor", department_code="mkt")
    colleague = factories.user(session, "telesales", department_code="mkt")
    stranger = factories.user(session, "executor", department_code="exe")
    ours = factories.company(session, "我方客户有限公司", owner_id=colleague.id)
    theirs = factories.company(session, "他部客户有限公司", owner_id=stranger.id)
    free = factories.company(session, "无主客户有限公司")
    _probe(session, "ours", company_id=ours.id)
    _probe(session, "free", company_id=free.id)
    _probe(session, "by_colleague", user_id=colleague.id)
    _probe(session, "theirs", company_id=theirs.id, user_id=stranger.id)
    _probe(session, "by_stranger", user_id=stranger.id)
    assert _labels(session, sup) == ["by_colleague", "free", "ours"]
    gm = factories.user(session, "general_manager")
    assert len(_labels(session, gm)) == 5
    assert _labels(session, gm, user_id=stranger.id) == ["by_stranger", "theirs"]
    assert _labels(session, factories.user(session, "executor")) == []
