"""Materials (寄发资料): who sees which mailing task, sending, following up, handing over."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from crm.services import calls, materials
from crm.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories

NOW = datetime(2026, 3, 11, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 Shanghai


@pytest.fixture()
def people(session):
    return {"tele": factories.user(session, "telesales", "tele1"),
            "tele2": factories.user(session, "telesales", "tele2"),
            "exec1": factories.user(session, "executor", "exec1"),
            "mkt": factories.user(session, "market_supervisor", "mkt1"),
            "fin": factories.user(session, "finance", "fin1"),
            "design": factories.user(session, "designer", "design1")}


def test_each_sees_their_own_and_supervisors_all(session, people):
    pack = factories.mailing_task(session, factories.company(session), assignee=people["tele"],
                                  due_on=date(2026, 3, 12))
    targeted = factories.mailing_task(session, factories.company(session, is_key_client=True),
                                      kind="targeted", assignee=people["exec1"],
                                      due_on=date(2026, 3, 11))
    waiting = factories.mailing_task(session, factories.company(session), kind="targeted")
    assert materials.tasks(session, people["tele"]) == [pack]
    assert materials.tasks(session, people["exec1"]) == [targeted]
    assert materials.tasks(session, people["tele2"]) == []
    assert materials.tasks(session, people["mkt"]) == [targeted, pack, waiting]  # by due date
    assert materials.tasks(session, people["mkt"], unassigned=True) == [waiting]
    assert materials.tasks(session, people["fin"]) == []
    with pytest.raises(NotFound):
        materials.visible_task(session, people["tele2"], pack.id)
    assert materials.visible_task(session, people["mkt"], pack.id) == pack


def test_sending_records_what_how_tracking_and_follow_up(session, people):
    task = factories.mailing_task(session, factories.company(session), assignee=people["tele"])
    with pytest.raises(ValidationFailed) as bad:
        materials.mark_sent(session, task, people["tele"], "pigeon", now=NOW)
    assert bad.value.field == "method"
    with pytest.raises(ValidationFailed) as future:
        materials.mark_sent(session, task, people["tele"], "courier", sent_on=date(2026, 3, 12),
                            now=NOW)
    assert future.value.field == "sent_on"
    with pytest.raises(ValidationFailed) as early:
        materials.mark_sent(session, task, people["tele"], "courier", sent_on=date(2026, 3, 10),
                            follow_up_on=date(2026, 3, 9), now=NOW)
    assert early.value.field == "follow_up_on"
    with pytest.raises(Forbidden):
        materials.mark_sent(session, task, people["tele2"], "courier", now=NOW)
    materials.mark_sent(session, task, people["tele"], "courier", " SF1234567890 ",
                        content="公司画册、案例集", sent_on=date(2026, 3, 10),
                        follow_up_on=date(2026, 3, 13), now=NOW)
    assert (task.status, task.method, task.tracking_no, task.content) == (
        "sent", "courier", "SF1234567890", "公司画册、案例集")
    # sent yesterday: noon of that day in Shanghai, stored in UTC
    assert task.sent_at == datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)
    with pytest.raises(Conflict):
        materials.mark_sent(session, task, people["tele"], "email", now=NOW)
    assert materials.follow_ups_due(session, people["tele"], date(2026, 3, 12)) == []
    assert materials.follow_ups_due(session, people["tele"], date(2026, 3, 13)) == [task]
    with pytest.raises(ValidationFailed):
        materials.record_follow_up(session, task, people["tele"], "")
    materials.record_follow_up(session, task, people["tele"], "已收到，约下周面谈", now=NOW)
    assert (task.status, task.followed_up_at) == ("followed_up", NOW)
    with pytest.raises(Conflict):
        materials.record_follow_up(session, task, people["tele"], "again")


def test_targeted_materials_say_what_was_written(session, people):
    task = factories.mailing_task(session, factories.company(session), kind="targeted",
                                  assignee=people["exec1"])
    with pytest.raises(ValidationFailed) as bad:
        materials.mark_sent(session, task, people["exec1"], "wechat", now=NOW)
    assert bad.value.field == "content"
    materials.mark_sent(session, task, people["exec1"], "wechat", content="针对汽车展的方案建议书",
                        now=NOW)
    assert task.sent_at == NOW and task.status == "sent"


def test_supervisor_hands_a_targeted_task_to_an_executor(session, people):
    task = factories.mailing_task(session, factories.company(session), kind="targeted")
    pack = factories.mailing_task(session, factories.company(session), assignee=people["tele"])
    with pytest.raises(Forbidden):
        materials.hand_to(session, task, people["exec1"], people["tele"])
    with pytest.raises(ValidationFailed) as bad:
        materials.hand_to(session, task, people["design"], people["mkt"])
    assert bad.value.field == "assignee_id"
    with pytest.raises(Conflict):
        materials.hand_to(session, pack, people["exec1"], people["mkt"])
    materials.hand_to(session, task, people["exec1"], people["mkt"])
    assert materials.tasks(session, people["exec1"]) == [task]


def test_cancel_keeps_the_reason_and_calls_delegate_here(session, people):
    task = factories.mailing_task(session, factories.company(session), assignee=people["tele"],
                                  note="客户要电子版")
    with pytest.raises(ValidationFailed):
        materials.cancel(session, task, people["tele"], " ")
    materials.cancel(session, task, people["tele"], "重复任务")
    assert task.status == "cancelled" and task.note == "客户要电子版\n重复任务"
    other = factories.mailing_task(session, factories.company(session), kind="targeted",
                                   assignee=people["exec1"])
    with pytest.raises(ValidationFailed):  # the one rule, reached through calls too
        calls.mark_mailing_sent(session, other, people["exec1"], "post")
