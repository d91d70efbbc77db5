"""Tests for :mod:`verwijsindex.clock`: ages, the Amsterdam calendar, month arithmetic."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import aware_datetimes, timezones
from verwijsindex.clock import (
    AMSTERDAM,
    Clock,
    FixedClock,
    add_months,
    add_years,
    age_on,
    birthday,
    ensure_aware,
    local_date,
    system_clock,
)
from verwijsindex.errors import InvalidRecordError, NaiveDatetimeError

BIRTH_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


# --- age_on and birthday ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2003, 6, 15), date(2026, 6, 14), 22),
        (date(2003, 6, 15), date(2026, 6, 15), 23),
        (date(2003, 6, 15), date(2003, 6, 15), 0),
        (date(2003, 12, 31), date(2004, 1, 1), 0),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # not yet: no 29 February in 2026
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # turns over on 1 March
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2008, 2, 29), date(2028, 2, 29), 20),  # a leap year has the day itself
        (date(2004, 2, 29), date(2027, 2, 28), 22),  # still under 23 on 28 February
        (date(2004, 2, 29), date(2027, 3, 1), 23),
        (date(2010, 3, 1), date(2026, 2, 28), 15),
    ],
)
def test_age_on(born: date, day: date, age: int) -> None:
    assert age_on(born, day) == age


@pytest.mark.parametrize(
    ("born", "age", "day"),
    [
        (date(2008, 2, 29), 18, date(2026, 3, 1)),
        (date(2008, 2, 29), 20, date(2028, 2, 29)),
        (date(2008, 2, 29), 0, date(2008, 2, 29)),
        (date(2003, 6, 15), 23, date(2026, 6, 15)),
        (date(2003, 12, 31), 1, date(2004, 12, 31)),
    ],
)
def test_birthday(born: date, age: int, day: date) -> None:
    assert birthday(born, age) == day


@given(BIRTH_DATES, st.integers(1, 120))
def test_birthday_is_the_first_day_of_that_age(born: date, age: int) -> None:
    day = birthday(born, age)
    assert age_on(born, day) == age
    assert age_on(born, day - timedelta(days=1)) == age - 1


@given(BIRTH_DATES, st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_age_is_monotonic(born: date, day: date) -> None:
    assert age_on(born, day + timedelta(days=1)) - age_on(born, day) in (0, 1)


# --- local_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "day"),
    [
        # winter time, UTC+1: midnight in Amsterdam is 23:00 UTC
        (datetime(2026, 1, 15, 22, 59, 59, tzinfo=UTC), date(2026, 1, 15)),
        (datetime(2026, 1, 15, 23, 0, tzinfo=UTC), date(2026, 1, 16)),
        # summer time, UTC+2: midnight in Amsterdam is 22:00 UTC
        (datetime(2026, 7, 15, 21, 59, 59, tzinfo=UTC), date(2026, 7, 15)),
        (datetime(2026, 7, 15, 22, 0, tzinfo=UTC), date(2026, 7, 16)),
        # the night summer time starts (29 March 2026, 02:00 → 03:00)
        (datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),
        # the night summer time ends (25 October 2026, 03:00 → 02:00)
        (datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC), date(2026, 10, 24)),
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
        # other zones and offsets
        (datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("America/New_York")), date(2026, 3, 2)),
        (datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo")), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), date(2026, 2, 28)),
    ],
)
def test_local_date_counts_on_the_amsterdam_calendar(at: datetime, day: date) -> None:
    assert local_date(at) == day


def test_local_date_in_the_autumn_fold() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM)
    second = first.replace(fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert local_date(first) == local_date(second) == date(2026, 10, 25)


def test_local_date_refuses_naive() -> None:
    with pytest.raises(NaiveDatetimeError):
        local_date(datetime(2026, 3, 1, 12, 0))


@given(aware_datetimes(), timezones())
def test_local_date_depends_only_on_the_instant(at: datetime, zone: tzinfo) -> None:
    assert local_date(at) == local_date(at.astimezone(zone))


@given(st.dates(min_value=date(1900, 1, 2), max_value=date(2100, 12, 30)), st.times())
def test_local_date_of_a_local_time_is_its_date(day: date, moment: time) -> None:
    at = datetime.combine(day, moment, tzinfo=AMSTERDAM)
    assert local_date(at) == day


# --- add_months and add_years -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "result"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 2000 is
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
        (date(2026, 8, 31), 24, date(2028, 8, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, result: date) -> None:
    assert add_months(day, months) == result


@pytest.mark.parametrize(
    ("day", "years", "result"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 2, date(2026, 2, 28)),  # a link made on 29 February ends a day early
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2026, 6, 15), 2, date(2028, 6, 15)),
        (date(2026, 3, 1), 2, date(2028, 3, 1)),
    ],
)
def test_add_years(day: date, years: int, result: date) -> None:
    assert add_years(day, years) == result


def test_add_years_differs_from_birthday_on_29_february() -> None:
    born = date(2008, 2, 29)
    assert add_years(born, 18) == date(2026, 2, 28)  # never later than the same date
    assert birthday(born, 18) == date(2026, 3, 1)  # a year older only on 1 March


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(-1200, 1200),
)
def test_add_months_properties(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)
    if day.day <= 28:
        assert add_months(result, -months) == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-100, 100))
def test_add_years_is_add_months_of_twelve(day: date, years: int) -> None:
    assert add_years(day, years) == add_months(day, 12 * years)
    assert add_years(day, years) <= birthday(day, years)


# --- ensure_aware and the clock ---------------------------------------------------------------


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: the datetime counts as naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


@given(aware_datetimes())
def test_ensure_aware_returns_an_aware_datetime_unchanged(at: datetime) -> None:
    assert ensure_aware(at) is at


def test_ensure_aware_refuses_naive_datetimes() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"^datetime must be timezone-aware$"):
        ensure_aware(datetime(2026, 1, 1))
    with pytest.raises(NaiveDatetimeError, match=r"^created_at must be timezone-aware$"):
        ensure_aware(datetime(2026, 1, 1), "created_at")
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        ensure_aware(datetime(2026, 1, 1, tzinfo=_NoOffset()))


@pytest.mark.parametrize("value", [date(2026, 1, 1), "2026-01-01T00:00:00+00:00", None, 0])
def test_ensure_aware_refuses_what_is_not_a_datetime(value: object) -> None:
    """What is no datetime at all is malformed (InvalidRecordError); NaiveDatetimeError is
    only for a datetime without a time zone."""
    with pytest.raises(InvalidRecordError, match="must be a datetime, not") as info:
        ensure_aware(value)  # type: ignore[arg-type]
    assert not isinstance(info.value, NaiveDatetimeError)


def test_naive_datetime_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ensure_aware(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = system_clock()
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_a_fixed_clock_is_a_clock() -> None:
    fixed = datetime(2026, 3, 1, 12, tzinfo=UTC)
    clock: Clock = lambda: fixed  # noqa: E731
    assert local_date(clock()) == date(2026, 3, 1)
    assert isinstance(AMSTERDAM, ZoneInfo)


@pytest.mark.parametrize(("day", "months"), [(date(9999, 12, 1), 1), (date(1, 1, 31), -1)])
def test_months_beyond_the_calendar_are_a_library_error(day: date, months: int) -> None:
    with pytest.raises(InvalidRecordError, match="beyond the calendar"):
        add_months(day, months)


# --- moments in a zone with a repeated hour -----------------------------------------------------


def test_a_fixed_clock_moves_by_elapsed_time_across_the_night_the_clocks_go_back() -> None:
    """Set in Amsterdam time at 02:30 winter time (01:30 UTC), ten minutes on was 00:40 UTC:
    the move was made on the wall clock, which reads 02:40 summer time then."""
    clock = FixedClock(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM))
    before = clock()
    clock.advance(timedelta(minutes=10))
    assert clock() - before == timedelta(minutes=10)
    assert clock() == datetime(2026, 10, 25, 1, 40, tzinfo=UTC)


def test_local_date_tells_the_two_moments_of_a_repeated_hour_apart() -> None:
    """29 October 2021, 00:00-01:00 happened twice in Amman: first at 21:30 UTC (still the
    28th in Amsterdam), then at 22:30 UTC (the 29th). The cache of days took the two for
    one key and answered the second with the first's day."""
    amman = ZoneInfo("Asia/Amman")
    first = datetime(2021, 10, 29, 0, 30, tzinfo=amman)
    second = first.replace(fold=1)
    assert local_date(first) == date(2021, 10, 28)
    assert local_date(second) == date(2021, 10, 29)
