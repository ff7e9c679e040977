"""The daily reminder: overdue follow-ups notify the executor and the supervisor once a
day; notifications dedupe, count unread, mark read; e-mail goes to a (fake) SMTP server."""
from __future__ import annotations

import socketserver
import threading
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from crm.models import Notification
from crm.services import notifications, reminders
from crm.services.errors import NotFound
from tests import factories

TODAY = date(2026, 3, 9)
NOW = datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc)  # 08:30 in Shanghai


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 fake ESMTP\r\n")
        sender, rcpts = None, []
        while line := self.rfile.readline():
            cmd = line.decode().strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 fake\r\n")
            elif verb == "MAIL":
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append((rcpts, message_from_bytes(data, policy=policy.default)))
                rcpts = []
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture()
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def overdue(session, make_user):
    executor = make_user("executor", department_code="exec", display_name="刘洋",
                         email="liu@example.com")
    boss = make_user("execution_supervisor", department_code="exec", display_name="王芳",
                     email="wang@example.com")
    other_boss = make_user("execution_supervisor", department_code="other")
    company = factories.company(session, "上海瑞丰汽车零部件有限公司")
    lead = factories.lead(session, company, status="accepted", executor=executor,
                          next_step="寄报价", next_step_due=TODAY - timedelta(days=3))
    fresh = factories.lead(session, factories.company(session, "宁波恒泰精密机械有限公司"),
                           status="accepted", executor=executor, next_step="回电",
                           next_step_due=TODAY)
    return executor, boss, other_boss, lead, fresh


def _notes(session, user):
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_overdue_follow_ups_notify_the_executor_and_their_supervisor_once_a_day(session, overdue):
    executor, boss, other_boss, lead, fresh = overdue
    result = reminders.send_daily(session, TODAY, NOW)
    assert result["by_source"]["overdue_follow_up"] == 2
    [mine] = _notes(session, executor)
    assert "上海瑞丰汽车零部件有限公司" in mine.title and "3" in mine.title
    assert mine.link == f"/companies/{lead.company_id}" and "寄报价" in mine.body
    [boss_note] = _notes(session, boss)
    assert "刘洋" in boss_note.title
    assert _notes(session, other_boss) == []  # another department's supervisor
    # the same day again: nothing new
    again = reminders.send_daily(session, TODAY, NOW)
    assert again["notified"] == 0 and again["already_notified"] == 2
    assert len(_notes(session, executor)) == 1
    # the next day it is still overdue: reminded again, and the lead due today is now late
    reminders.send_daily(session, TODAY + timedelta(days=1), NOW + timedelta(days=1))
    titles = [n.title for n in _notes(session, executor)]
    assert len(titles) == 3
    assert sum("上海瑞丰" in t for t in titles) == 2 and sum("宁波恒泰" in t for t in titles) == 1


def test_a_broken_plugged_source_is_reported_and_the_others_still_send(session, overdue, monkeypatch):
    monkeypatch.setattr(reminders, "PLUGGED_SOURCES", ["visits_missing=crm.services.nowhere:f"])
    calls = []

    @reminders.reminder_source("test_broken")
    def broken(session_, today, now):
        calls.append(today)
        raise RuntimeError("source broke")

    try:
        result = reminders.send_daily(session, TODAY, NOW)
    finally:
        reminders.SOURCES.pop("test_broken")
    assert calls == [TODAY]
    assert "source broke" in result["source_errors"]["test_broken"]
    assert "visits_missing" in result["source_errors"]
    assert result["by_source"]["overdue_follow_up"] == 2


def test_notifications_dedupe_count_and_mark_read(session, make_user):
    user, other = make_user("executor"), make_user("executor")
    first = notifications.notify(session, user, "test", "标题", dedup_key="k1")
    assert notifications.notify(session, user, "test", "标题", dedup_key="k1") is None
    notifications.notify(session, other, "test", "标题", dedup_key="k1")  # per user
    notifications.notify(session, user, "test", "二")
    assert notifications.unread_count(session, user) == 2
    notifications.mark_read(session, user, first.id)
    assert notifications.unread_count(session, user) == 1
    with pytest.raises(NotFound):
        notifications.mark_read(session, other, first.id)
    assert notifications.mark_all_read(session, user) == 1
    assert notifications.unread_count(session, user) == 0


def test_reminders_are_emailed_where_smtp_is_set(session, overdue, smtp_server):
    executor, boss, *_ = overdue
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.server_address[1],
              "SMTP_FROM": "crm@example.com", "BASE_URL": "https://crm.example.com"}
    result = reminders.send_daily(session, TODAY, NOW, config)
    assert result["emails_sent"] == 2 and result["emails_failed"] == 0
    by_rcpt = {tuple(r): m for r, m in smtp_server.messages}
    mail = by_rcpt[("liu@example.com",)]
    assert "上海瑞丰汽车零部件有限公司" in mail["Subject"]
    assert f"https://crm.example.com/companies/{overdue[3].company_id}" in mail.get_content()
    assert ("wang@example.com",) in by_rcpt
    assert all(n.emailed_at is not None for n in _notes(session, executor))
    # nothing new the same day: no second e-mail
    reminders.send_daily(session, TODAY, NOW, config)
    assert len(smtp_server.messages) == 2


def test_an_unreachable_smtp_server_is_reported_not_raised(session, overdue):
    server = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    result = reminders.send_daily(session, TODAY, NOW, {"SMTP_HOST": "127.0.0.1",
                                                        "SMTP_PORT": port})
    assert result["notified"] == 2  # the in-app notifications are kept
    assert result["emails_sent"] == 0 and result["emails_failed"] == 2
    assert "127.0.0.1" in result["email_errors"][0]
