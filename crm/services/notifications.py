"""In-app notifications (站内通知) and their e-mail copies.

`notify` adds one notification for one user; with a `dedup_key` it is idempotent (the
same user and key notify once — the daily reminder puts the date in its keys). The bell
in the top bar shows `unread_count`; /notifications lists them and marks them read.

E-mail goes out where SMTP is configured (CRM_SMTP_HOST … in crm/config.py): `email_digest`
sends each user one message listing their new notifications. A failed send is reported
to the caller (and the job's run record), never raised.
"""
from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Notification, User
from crm.services.errors import N_, NotFound
from crm.services.paging import Page, paginate

log = logging.getLogger(__name__)


def notify(session: Session, user: User | int, kind: str, title: str, body: str | None = None,
           link: str | None = None, dedup_key: str | None = None) -> Notification | None:
    """Add a notification for `user`; None when one with this dedup_key exists already."""
    user_id = user if isinstance(user, int) else user.id
    if dedup_key is not None:
        found = session.scalar(select(Notification.id).where(
            Notification.user_id == user_id, Notification.dedup_key == dedup_key))
        if found is not None:
            return None
    note = Notification(user_id=user_id, kind=kind[:40], title=title[:200], body=body,
                        link=(link or None) and link[:500], dedup_key=dedup_key)
    try:
        with session.begin_nested():
            session.add(note)
            session.flush()
    except IntegrityError:
        return None  # sent meanwhile by another run
    return note


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def for_user(session: Session, user: User, *, unread_only: bool = False, page: int = 1,
             per_page: int = 50) -> Page[Notification]:
    """One page of the user's notifications, unread first, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                         Notification.id.desc())
    return paginate(session, stmt, page, per_page)


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (someone else's is not found)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(N_("No such notification."))
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return note


def mark_all_read(session: Session, user: User) -> int:
    result = session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


# --- e-mail -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "expolead@localhost"
    starttls: bool = False
    timeout: float = 10

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> SmtpSettings | None:
        """The SMTP settings of the app config, or None when no SMTP host is set."""
        config = config or {}
        if not config.get("SMTP_HOST"):
            return None
        return cls(host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 25),
                   user=config.get("SMTP_USER") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   sender=config.get("SMTP_FROM") or "expolead@localhost",
                   starttls=bool(config.get("SMTP_STARTTLS")))


@dataclass
class EmailReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"emails_sent": self.sent, "emails_failed": self.failed,
                **({"email_errors": self.errors[:10]} if self.errors else {})}


def _message(settings: SmtpSettings, user: User, notes: list[Notification],
             base_url: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = formataddr((user.display_name, user.email or ""))
    msg["Subject"] = (notes[0].title if len(notes) == 1
                      else f"ExpoLead：{len(notes)} 条新提醒 / {len(notes)} new reminders")
    lines = []
    for note in notes:
        lines.append(f"• {note.title}")
        if note.body:
            lines.append(f"  {note.body}")
        if note.link:
            lines.append(f"  {(base_url or '').rstrip('/')}{note.link}")
    msg.set_content("\n".join(lines) + "\n")
    return msg


def email_digest(session: Session, notes: Iterable[Notification], settings: SmtpSettings, *,
                 base_url: str | None = None) -> EmailReport:
    """E-mail each user (who has an address) one message listing their notifications."""
    report = EmailReport()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        if note.emailed_at is None:
            by_user[note.user_id].append(note)
    if not by_user:
        return report
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(by_user)))}
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        report.failed = sum(1 for uid in by_user if users[uid].email)
        report.errors.append(f"SMTP {settings.host}:{settings.port}: {exc}")
        log.warning("SMTP server %s:%s unreachable: %s", settings.host, settings.port, exc)
        return report
    try:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        for user_id, user_notes in by_user.items():
            user = users[user_id]
            if not user.email or not user.active:
                continue
            try:
                smtp.send_message(_message(settings, user, user_notes, base_url))
            except (OSError, smtplib.SMTPException) as exc:
                report.failed += 1
                report.errors.append(f"{user.username}: {exc}")
                continue
            report.sent += 1
            now = utcnow()
            for note in user_notes:
                note.emailed_at = now
    except (OSError, smtplib.SMTPException) as exc:
        report.failed += 1
        report.errors.append(f"SMTP {settings.host}:{settings.port}: {exc}")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    session.flush()
    return report
