"""China's working-day calendar: 国庆节, 调休 Saturdays, working hours across holidays."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from crm.services import workdays
from crm.services.workdays import LOCAL_TZ


@pytest.fixture()
def cal(session):
    workdays.seed_calendar(session)
    return workdays.load(session)


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_national_day_2025_is_eight_days_off_with_two_make_up_days(cal):
    golden_week = [date(2025, 10, d) for d in range(1, 9)]
    assert not any(cal.is_workday(d) for d in golden_week)
    assert cal.holiday_name(date(2025, 10, 6)) == "国庆节、中秋节"
    # 调休: Sunday 28 September and Saturday 11 October are working days.
    assert cal.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6
    assert cal.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5
    # An ordinary Saturday is not.
    assert not cal.is_workday(date(2025, 10, 18))
    # 29, 30 September; 9, 10 and (调休) Saturday 11 October.
    assert cal.workdays_between(date(2025, 9, 29), date(2025, 10, 12)) == 5


def test_accept_deadline_skips_the_golden_week(cal):
    # Assigned at 17:00 on the eve of 国庆节: one hour that day, seven after the holiday.
    deadline = cal.add_working_hours(shanghai(2025, 9, 30, 17, 0), 8)
    assert deadline == shanghai(2025, 10, 9, 16, 0).astimezone(timezone.utc)
    assert deadline.tzinfo == timezone.utc
    assert cal.working_hours_between(shanghai(2025, 9, 30, 17, 0), deadline) == pytest.approx(8)


def test_a_make_up_saturday_counts_as_a_working_day(cal):
    # Friday 10 October 2025 is a working day after the holiday; Saturday 11th is 调休.
    deadline = cal.add_working_hours(shanghai(2025, 10, 10, 15, 0), 8)
    assert deadline == shanghai(2025, 10, 11, 14, 0).astimezone(timezone.utc)
    # 2026: Saturday 10 October is a make-up day too; Sunday 11th is not.
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 11))
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_night_and_weekend_starts_wait_for_opening_time(cal):
    assert cal.add_working_hours(shanghai(2026, 3, 6, 22, 30), 2) == \
        shanghai(2026, 3, 9, 11, 0).astimezone(timezone.utc)  # Friday night → Monday 11:00
    assert cal.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)  # 春节调休 Saturday
    assert cal.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)  # after 春节 (15–23)


def test_the_file_matches_the_state_council_notices_and_seeding_is_idempotent(session, cal):
    days = workdays.read_calendar_file()
    holidays_2026 = [d for d in days if d.kind == "holiday" and d.day.year == 2026]
    assert len(holidays_2026) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert all(d.day.weekday() >= 5 for d in days if d.kind == "workday")
    assert all("国务院办公厅" in d.source for d in days)
    assert workdays.seed_calendar(session) == 0
    assert cal.covers(2025) and cal.covers(2026)
    # A year without the notice loaded falls back to Monday–Friday, and says so.
    assert not cal.covers(2027)
    assert cal.is_workday(date(2027, 10, 1))  # a Friday; the 2027 notice is not out yet


# --- keeping the calendar up to date --------------------------------------------------------

def test_next_years_schedule_is_asked_for_from_october(session):
    workdays.seed_calendar(session)
    assert workdays.missing_year(session, date(2026, 9, 30)) is None
    assert workdays.missing_year(session, date(2026, 11, 27)) == 2027
    assert workdays.missing_year(session, date(2027, 3, 1)) == 2027


def test_a_holiday_entered_from_the_notice_counts_at_once(session, make_user):
    from crm.models import AuditEntry
    from sqlalchemy import select

    workdays.seed_calendar(session)
    sup = make_user("execution_supervisor")
    rows = workdays.add_holiday(session, sup, "元旦", date(2027, 1, 1), date(2027, 1, 3),
                                "国务院办公厅关于2027年部分节假日安排的通知")
    assert [r.day for r in rows] == [date(2027, 1, d) for d in (1, 2, 3)]
    workdays.add_make_up_day(session, sup, date(2027, 1, 9), "元旦调休")
    cal = workdays.load(session)
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2027, 1, 9))
    assert cal.covers(2027)
    assert workdays.missing_year(session, date(2026, 12, 1)) is None
    logged = session.scalars(select(AuditEntry).where(AuditEntry.entity == "calendar_days")
                             .order_by(AuditEntry.id)).all()
    assert [e.after["name"] for e in logged] == ["元旦", "元旦调休"]
    workdays.remove_day(session, sup, date(2027, 1, 9))
    assert not workdays.load(session).is_workday(date(2027, 1, 9))


@pytest.mark.parametrize("first, last, field, words", [
    (date(2027, 1, 3), date(2027, 1, 1), "last_day", "before"),
    (date(2027, 1, 1), date(2027, 1, 30), "last_day", "at most"),
    (date(2025, 10, 5), date(2025, 10, 6), "first_day", "2025-10-05"),  # already 国庆节
    (None, date(2027, 1, 1), "first_day", "date"),
])
def test_a_wrong_holiday_names_the_field(session, make_user, first, last, field, words):
    from crm.services.errors import ValidationFailed

    workdays.seed_calendar(session)
    with pytest.raises(ValidationFailed) as caught:
        workdays.add_holiday(session, make_user("execution_supervisor"), "春节", first, last)
    assert caught.value.field == field
    assert words in caught.value.messages(lambda s: s)[field][0]


def test_a_make_up_day_is_a_weekend_day_and_only_supervisors_edit(session, make_user):
    from crm.services.errors import Forbidden, ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        workdays.add_make_up_day(session, make_user("execution_supervisor"), date(2027, 1, 4),
                                 "调休")  # a Monday
    assert caught.value.field == "day"
    with pytest.raises(Forbidden):
        workdays.add_holiday(session, make_user("executor"), "春节", date(2027, 2, 6),
                             date(2027, 2, 12))
