"""Time (tijd): aware datetimes, the Amsterdam calendar, ages and calendar arithmetic.

Every datetime in the library is timezone-aware; naive ones are refused. Dates that the
statute counts (ages, end dates, deadlines) are counted on the calendar of
Europe/Amsterdam.

>>> from datetime import date, datetime, timezone
>>> age_on(date(2008, 2, 29), date(2026, 2, 28))
17
>>> age_on(date(2008, 2, 29), date(2026, 3, 1))
18
>>> local_date(datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
datetime.date(2026, 3, 2)
>>> add_months(date(2027, 1, 31), 1)
datetime.date(2027, 2, 28)
>>> ensure_aware(datetime(2026, 1, 1))
Traceback (most recent call last):
    ...
verwijsindex.errors.NaiveDatetimeError: datetime must be timezone-aware
"""

from __future__ import annotations

import calendar
import functools
from datetime import date, datetime, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from verwijsindex.errors import NaiveDatetimeError

__all__ = [
    "AMSTERDAM",
    "Clock",
    "add_months",
    "add_years",
    "age_on",
    "birthday",
    "ensure_aware",
    "local_date",
    "system_clock",
]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock(Protocol):
    """Anything that returns the current, timezone-aware time when called."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(timezone.utc)


def ensure_aware(value: datetime, name: str = "datetime") -> datetime:
    """Return *value* if it carries a timezone; raise :class:`NaiveDatetimeError` if not."""
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware")
    return value


def local_date(at: datetime) -> date:
    """The calendar date in Europe/Amsterdam at the aware moment *at*."""
    return _local_date(ensure_aware(at))


@functools.lru_cache(maxsize=256)
def _local_date(at: datetime) -> date:
    # One registration asks for the day of the same moment several times; so does a
    # simulation, whose clock stands still between steps.
    return at.astimezone(AMSTERDAM).date()


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on *day*. A 29 February birthday turns over on 1 March."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def birthday(birth_date: date, age: int) -> date:
    """The first day on which someone born on *birth_date* is *age* years old."""
    year = birth_date.year + age
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth_date.replace(year=year)


def add_months(day: date, months: int) -> date:
    """*day* plus *months* calendar months, clamped to the last day of the month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """*day* plus *years*, never later than the same date: 29 February becomes 28 February."""
    return add_months(day, 12 * years)
