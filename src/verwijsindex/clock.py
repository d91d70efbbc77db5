"""Time (tijd): aware datetimes, the Amsterdam calendar, ages and calendar arithmetic.

Every datetime in the library is timezone-aware; naive ones are refused. Dates that the
statute counts (ages, end dates, deadlines) are counted on the calendar of
Europe/Amsterdam.

>>> from datetime import date, datetime, timedelta, timezone
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
from datetime import date, datetime, timedelta, timezone
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from verwijsindex.errors import InvalidRecordError, NaiveDatetimeError

__all__ = [
    "AMSTERDAM",
    "EARLIEST",
    "LATEST",
    "Clock",
    "add_months",
    "add_years",
    "age_on",
    "birthday",
    "check_moment",
    "ensure_aware",
    "local_date",
    "system_clock",
]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_UTC: Final = timezone.utc


class Clock(Protocol):
    """Anything that returns the current, timezone-aware time when called."""

    def __call__(self) -> datetime: ...


class FixedClock:
    """A clock that stands still until told to move. Call it for the current time, in UTC:
    a moment given in another zone is kept as the same moment in UTC, so that moving it
    by a *delta* moves it by elapsed time (in a zone with summer time, the wall clock's
    hour between 02:00 and 03:00 comes twice on the night the clocks go back)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = _in_utc(start or datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc), "start")

    def __call__(self) -> datetime:
        return self.now

    def __repr__(self) -> str:
        return f"FixedClock({self.now.isoformat()})"

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back) by *delta*."""
        self.now = self.now + delta

    def set(self, moment: datetime) -> None:
        """Put the clock at *moment*."""
        self.now = _in_utc(moment, "moment")


def _in_utc(value: datetime, name: str) -> datetime:
    """*value*, aware, as the same moment in UTC; as it is when it has none (at the ends
    of ``datetime``): the index refuses such a clock when it reads it."""
    ensure_aware(value, name)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return value


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(timezone.utc)


def ensure_aware(value: datetime, name: str = "datetime") -> datetime:
    """Return *value* if it carries a timezone; raise :class:`NaiveDatetimeError` if not,
    and :class:`InvalidRecordError` when it is no datetime at all or its time zone gives
    an offset that cannot be."""
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{name} must be a datetime, not {type(value).__name__}")
    tzinfo = value.tzinfo
    if tzinfo is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware")
    if tzinfo is not timezone.utc:
        try:
            offset = value.utcoffset()
        except Exception:  # a tzinfo of the caller's may raise anything: its offset is unusable
            raise InvalidRecordError(f"{name} has a time zone offset that cannot be") from None
        if offset is None:
            raise NaiveDatetimeError(f"{name} must be timezone-aware")
    return value


EARLIEST: Final = datetime(1900, 1, 1, tzinfo=timezone.utc)
"""The earliest moment the library accepts: nothing it records happened before."""
LATEST: Final = datetime(3000, 1, 1, tzinfo=timezone.utc)
"""No moment the library accepts lies at or after this; the calendar arithmetic on it
(ages, end dates, archive periods) stays far from the end of ``datetime``."""


def check_moment(value: datetime, name: str = "datetime") -> datetime:
    """*value* as the same moment in UTC, when it is aware and between :data:`EARLIEST` and
    :data:`LATEST`, or a library error naming *name* (never the value). In UTC, because
    Python compares, subtracts and shifts two moments of one zone by their wall-clock time,
    which in a zone with summer time is not elapsed time on the night the clocks go back.

    >>> from datetime import timedelta
    >>> check_moment(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23))), "created_at")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: created_at must lie between 1900 and 2999
    """
    if type(value) is datetime and value.tzinfo is _UTC:
        utc: datetime | None = value  # aware, and in UTC already: what the lines below find
    else:
        ensure_aware(value, name)
        try:
            utc = value.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InvalidRecordError(f"{name} must lie between 1900 and 2999")
    return utc


def local_date(at: datetime) -> date:
    """The calendar date in Europe/Amsterdam at the aware moment *at*."""
    if type(at) is datetime and at.tzinfo is _UTC:  # aware: ensure_aware would pass it as is
        return _local_date(at)
    # not through the cache: two moments of one zone's repeated hour are equal as keys
    return ensure_aware(at).astimezone(AMSTERDAM).date()


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
    if not date.min.year <= year <= date.max.year:
        raise InvalidRecordError("a date that many months away lies beyond the calendar")
    # calendar.monthrange(year, month + 1)[1] without its weekday and range checks (a
    # registration adds months twice; date() below refuses a year out of range)
    last = _MONTH_DAYS[month]
    if month == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return date(year, month + 1, min(day.day, last))


_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_years(day: date, years: int) -> date:
    """*day* plus *years*, never later than the same date: 29 February becomes 28 February."""
    return add_months(day, 12 * years)
