"""Small factories for test data; each flushes so ids exist."""
from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from crm.models import Company, Contact, Department, Exhibition, Participation, Role, User
from crm.services import companies

PASSWORD = "correct horse"
# A cheap hash keeps the suite fast; production uses werkzeug's default (scrypt).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def department(session: Session, code: str) -> Department:
    found = session.scalars(select(Department).where(Department.code == code)).first()
    if found:
        return found
    dept = Department(code=code, name_zh=code)
    session.add(dept)
    session.flush()
    return dept


def user(session: Session, role: Role | str, username: str | None = None, *,
         department_code: str | None = None, **fields) -> User:
    role = Role(role)
    username = username or f"{role.value}{next(_seq)}"
    dept = department(session, department_code) if department_code else None
    u = User(username=username, display_name=fields.pop("display_name", username.title()),
             role=role.value, password_hash=_HASH, department=dept, **fields)
    session.add(u)
    session.flush()
    return u


def company(session: Session, name_zh: str | None = None, **fields) -> Company:
    data = companies.CompanyData(name_zh=name_zh, **fields)
    if not data.name_zh and not data.name_en:
        data.name_zh = f"测试{next(_seq)}有限公司"
    return companies.create(session, data)


def contact(session: Session, company_: Company, name: str = "王伟", **fields) -> Contact:
    c = Contact(company_id=company_.id, name=name, **fields)
    session.add(c)
    session.flush()
    return c


def exhibition(session: Session, name_zh: str = "中国国际测试展览会", year: int = 2026, **fields) -> Exhibition:
    ex = Exhibition(name_zh=name_zh, year=year, **fields)
    session.add(ex)
    session.flush()
    return ex


def participation(session: Session, company_: Company, exhibition_: Exhibition, **fields) -> Participation:
    p = Participation(company_id=company_.id, exhibition_id=exhibition_.id, **fields)
    session.add(p)
    session.flush()
    return p


def venue(session: Session, name_zh: str | None = None, **fields):
    from crm.models import Venue

    v = Venue(name_zh=name_zh or f"测试会展中心{next(_seq)}", **fields)
    session.add(v)
    session.flush()
    return v


def hall(session: Session, venue_, name: str = "1H", **fields):
    from crm.models import Hall

    h = Hall(venue_id=venue_.id, name=name, **fields)
    session.add(h)
    session.flush()
    return h


def pavilion(session: Session, name_zh: str | None = None, country: str = "DE", **fields):
    from crm.models import CountryPavilion

    p = CountryPavilion(name_zh=name_zh or f"测试国家馆{next(_seq)}", country=country, **fields)
    session.add(p)
    session.flush()
    return p


def competitor(session: Session, name_zh: str | None = None, **profile_fields) -> Company:
    """A company of kind competitor with a profile."""
    from crm.models import CompetitorProfile

    c = company(session, name_zh or f"测试展览工程{next(_seq)}有限公司", kinds=["competitor"])
    session.add(CompetitorProfile(company_id=c.id, **profile_fields))
    session.flush()
    return c


def media(session: Session, name_zh: str | None = None, **profile_fields) -> Company:
    """A company of kind media with a profile."""
    from crm.models import MediaProfile

    c = company(session, name_zh or f"测试传媒{next(_seq)}有限公司", kinds=["media"])
    session.add(MediaProfile(company_id=c.id, **profile_fields))
    session.flush()
    return c


# --- calls, leads and attribution (issue 5) ------------------------------------------------

def call_outcomes(session: Session) -> None:
    """Seed the shipped call outcomes (data/call_outcomes.yaml)."""
    from crm.services import calls

    calls.seed_outcomes(session)


def call_list(session: Session, companies_: list[Company], *, owner=None, name: str = "测试清单",
              **fields):
    """A call list holding the companies in the given order (rank 1 first)."""
    from crm.models import CallItem, CallList

    lst = CallList(name=name, owner_id=owner.id if owner is not None else None, **fields)
    session.add(lst)
    session.flush()
    for rank, c in enumerate(companies_, start=1):
        session.add(CallItem(list_id=lst.id, company_id=c.id, status="queued", priority=rank))
    session.flush()
    return lst


def lead(session: Session, company_: Company, *, source: str = "telesales", status: str = "open",
         executor=None, **fields):
    from crm.models import Lead

    row = Lead(company_id=company_.id, source=source, status=status,
               executor_id=executor.id if executor is not None else None, **fields)
    session.add(row)
    session.flush()
    return row


def cooperation(session: Session, company_: Company, signed_on, *, kind: str = "contract",
                **fields):
    from crm.models import Cooperation

    row = Cooperation(company_id=company_.id, signed_on=signed_on, kind=kind, **fields)
    session.add(row)
    session.flush()
    return row


# --- executor's desk: mailing tasks (issue 6) ------------------------------------------------

def mailing_task(session: Session, company_: Company, *, kind: str = "standard_pack",
                 assignee=None, **fields):
    from crm.models import MailingTask

    row = MailingTask(company_id=company_.id, kind=kind,
                      assignee_id=assignee.id if assignee is not None else None, **fields)
    session.add(row)
    session.flush()
    return row
