"""China's working-day calendar: holidays, 调休 make-up days and working hours.

The calendar is data (table calendar_days, seeded from data/cn_workdays_2025_2027.yaml, the
State Council's yearly notices). A day not listed follows the week: Monday–Friday work,
Saturday and Sunday rest. Working hours are 09:00–18:00 Asia/Shanghai by default
(settings workday.start_hour and workday.end_hour).

Usage: `cal = workdays.load(session)`, then `cal.is_workday(day)`,
`cal.add_working_hours(start, 8)`, `cal.add_workdays(day, 3)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import CalendarDay, User
from crm.services import access, audit, fields, reference, settings
from crm.services.errors import N_, NotFound, ValidationFailed

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
CALENDAR_FILE = reference.DATA_DIR / "cn_workdays_2025_2027.yaml"
HOLIDAY = "holiday"
WORKDAY = "workday"

START_HOUR = settings.declare("workday.start_hour", 9, "Working day starts at (hour, Asia/Shanghai).",
                              minimum=0, maximum=23)
END_HOUR = settings.declare("workday.end_hour", 18, "Working day ends at (hour, Asia/Shanghai).",
                            minimum=1, maximum=24)


def local_date(moment: datetime) -> date:
    """Return the Asia/Shanghai date of an aware moment."""
    return moment.astimezone(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """Return the UTC moment at which a Shanghai day begins."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def week_start(day: date) -> date:
    """Return the Monday of the day's week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def week_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the UTC moments at which the day's Shanghai week (Monday–Sunday) begins and ends."""
    monday = week_start(day)
    return local_midnight(monday), local_midnight(monday + timedelta(days=7))


@dataclass
class WorkCalendar:
    """The working days and hours; built by `load` from the calendar table."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    start_hour: int = 9
    end_hour: int = 18

    def is_workday(self, day: date) -> bool:
        """Tell whether people work on this day (a 调休 Saturday counts, a holiday not)."""
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        return self.holidays.get(day)

    def covers(self, year: int) -> bool:
        """Tell whether the year's official schedule is loaded (else weekdays are assumed)."""
        return any(d.year == year for d in self.holidays)

    def next_workday(self, day: date, *, include_today: bool = False) -> date:
        """Return the first working day after `day` (or `day` itself if asked and working)."""
        current = day if include_today else day + timedelta(days=1)
        for _ in range(400):
            if self.is_workday(current):
                return current
            current += timedelta(days=1)
        raise ValueError(f"no working day within 400 days of {day}")

    def add_workdays(self, day: date, count: int) -> date:
        """Return the working day `count` working days after `day`."""
        current = day
        for _ in range(count):
            current = self.next_workday(current)
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Count the working days from start to end, both included."""
        return sum(1 for i in range((end - start).days + 1)
                   if self.is_workday(start + timedelta(days=i)))

    def _open(self, day: date) -> datetime:
        return datetime.combine(day, time(self.start_hour), tzinfo=LOCAL_TZ)

    def _close(self, day: date) -> datetime:
        if self.end_hour >= 24:
            return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
        return datetime.combine(day, time(self.end_hour), tzinfo=LOCAL_TZ)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Return the moment `hours` working hours after `start` (aware; returned in UTC).

        Time outside working hours, on weekends and holidays does not count; a 调休
        Saturday does. Starting at night, the clock begins at the next opening.
        """
        remaining = timedelta(hours=hours)
        moment = start.astimezone(LOCAL_TZ)
        day = moment.date()
        for _ in range(800):
            if self.is_workday(day) and moment < self._close(day):
                begin = max(moment, self._open(day))
                available = self._close(day) - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(timezone.utc)
                remaining -= available
            day = self.next_workday(day)
            moment = self._open(day)
        raise ValueError("working hours span more than 800 days")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Return the working hours from start to end (0 when end is not after start)."""
        if end <= start:
            return 0.0
        total = timedelta()
        a, b = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                lo, hi = max(a, self._open(day)), min(b, self._close(day))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


def load(session: Session) -> WorkCalendar:
    """Read the calendar table and the working hours into a WorkCalendar."""
    hours = settings.get_many(session, "workday.")
    cal = WorkCalendar(start_hour=int(hours[START_HOUR]), end_hour=int(hours[END_HOUR]))
    if cal.end_hour <= cal.start_hour:
        cal.start_hour, cal.end_hour = 9, 18
    for day, kind, name in session.execute(_DAYS):
        target = cal.holidays if kind == HOLIDAY else cal.workdays
        target[day] = name or ""
    return cal


_DAYS = select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)


def read_calendar_file(path: str | Path | None = None) -> list[CalendarDay]:
    """Return the days of the calendar file as (unsaved) rows, checked for clashes."""
    path = Path(path or CALENDAR_FILE)
    data = reference.load_yaml(path) or {}
    rows: dict[date, CalendarDay] = {}
    for year, spec in (data.get("years") or {}).items():
        source = spec.get("source")
        for entry in spec.get("holidays") or []:
            first, last = _as_date(entry["from"]), _as_date(entry["to"])
            if last < first:
                raise reference.ReferenceDataError(f"{path}: {year} {entry['name']}: ends before it starts")
            day = first
            while day <= last:
                _put(rows, CalendarDay(day=day, kind=HOLIDAY, name=entry["name"], source=source), path)
                day += timedelta(days=1)
        for entry in spec.get("workdays") or []:
            day = _as_date(entry["day"])
            _put(rows, CalendarDay(day=day, kind=WORKDAY, name=entry.get("name"), source=source), path)
    return [rows[d] for d in sorted(rows)]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _put(rows: dict[date, CalendarDay], row: CalendarDay, path: Path) -> None:
    if row.day in rows:
        raise reference.ReferenceDataError(f"{path}: {row.day} is listed twice")
    rows[row.day] = row


def seed_calendar(session: Session, path: str | Path | None = None) -> int:
    """Add the shipped calendar days that are missing; edits made since are kept."""
    existing = set(session.scalars(select(CalendarDay.day)))
    added = 0
    for row in read_calendar_file(path):
        if row.day not in existing:
            session.add(row)
            added += 1
    session.flush()
    return added


# --- keeping the calendar up to date (the assignment administration) ----------------------

MAX_HOLIDAY_DAYS = 14  # the longest official holiday (春节) is 8–9 days
# From this month on, next year's schedule is due (the State Council publishes it in
# October–December) and the administration says so until it is entered.
NEXT_YEAR_DUE_MONTH = 10


@dataclass(frozen=True)
class YearSummary:
    year: int
    holidays: int  # holiday days
    make_up_days: int  # 调休 working weekend days


def years(session: Session) -> list[YearSummary]:
    """The years the calendar holds official days for, oldest first."""
    counts: dict[int, list[int]] = {}
    for day, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)):
        entry = counts.setdefault(day.year, [0, 0])
        entry[0 if kind == HOLIDAY else 1] += 1
    return [YearSummary(y, h, m) for y, (h, m) in sorted(counts.items())]


def missing_year(session: Session, today: date) -> int | None:
    """The year whose official schedule is due but not entered: this year if it has none,
    next year from October on; else None."""
    held = {s.year for s in years(session) if s.holidays}
    if today.year not in held:
        return today.year
    if today.month >= NEXT_YEAR_DUE_MONTH and today.year + 1 not in held:
        return today.year + 1
    return None


def days_of(session: Session, year: int) -> list[CalendarDay]:
    """The listed days of a year, in order."""
    return list(session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))


def _check_free(session: Session, field_name: str, days: list[date]) -> None:
    for row in session.scalars(select(CalendarDay).where(CalendarDay.day.in_(days))
                               .order_by(CalendarDay.day)):
        raise ValidationFailed.on(field_name, N_("%(day)s is already listed (%(name)s)."),
                                  day=row.day.isoformat(), name=row.name or row.kind)


def add_holiday(session: Session, by: User, name: str | None, first: date | None,
                last: date | None, source: str | None = None) -> list[CalendarDay]:
    """Enter an official holiday (放假), first to last day included, from the notice."""
    access.require(by, "lead.rules")
    name = fields.one_text("name", name, max_len=60, required=True, block=False)
    source = fields.one_text("source", source, max_len=200, block=False)
    if first is None:
        raise ValidationFailed.on("first_day", N_("Give the date."))
    if last is None:
        raise ValidationFailed.on("last_day", N_("Give the date."))
    if last < first:
        raise ValidationFailed.on("last_day", N_("The last day is before the first."))
    if (last - first).days + 1 > MAX_HOLIDAY_DAYS:
        raise ValidationFailed.on("last_day", N_("A holiday lasts at most %(n)s days."),
                                  n=MAX_HOLIDAY_DAYS)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    _check_free(session, "first_day", days)
    rows = [CalendarDay(day=d, kind=HOLIDAY, name=name, source=source) for d in days]
    session.add_all(rows)
    audit.record(session, "create", "calendar_days", None, after={
        "kind": HOLIDAY, "name": name, "from": first.isoformat(), "to": last.isoformat(),
        "source": source})
    session.flush()
    return rows


def add_make_up_day(session: Session, by: User, day: date | None, name: str | None,
                    source: str | None = None) -> CalendarDay:
    """Enter a 调休 make-up working day: a Saturday or Sunday people work."""
    access.require(by, "lead.rules")
    name = fields.one_text("name", name, max_len=60, required=True, block=False)
    source = fields.one_text("source", source, max_len=200, block=False)
    if day is None:
        raise ValidationFailed.on("day", N_("Give the date."))
    if day.weekday() < 5:
        raise ValidationFailed.on("day", N_("A make-up working day is a Saturday or a Sunday."))
    _check_free(session, "day", [day])
    row = CalendarDay(day=day, kind=WORKDAY, name=name, source=source)
    session.add(row)
    audit.record(session, "create", "calendar_days", None, after={
        "kind": WORKDAY, "name": name, "day": day.isoformat(), "source": source})
    session.flush()
    return row


def remove_day(session: Session, by: User, day: date) -> None:
    """Take a day off the calendar (it follows the week again)."""
    access.require(by, "lead.rules")
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(N_("That day is not on the calendar."))
    audit.record(session, "delete", "calendar_days", None, before={
        "kind": row.kind, "name": row.name, "day": row.day.isoformat(), "source": row.source})
    session.delete(row)
    session.flush()
