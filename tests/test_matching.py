"""The pure rules: active links, match rules, the lifecycle table, Rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.errors import (
    AgeLimitError,
    DeceasedSubjectError,
    InvalidPeriodError,
    InvalidRecordError,
    NaiveDatetimeError,
)
from verwijsindex.matching import (
    Disposition,
    Event,
    MatchRule,
    Rules,
    active_links,
    archive_purge_date,
    check_ends_on,
    check_registrable,
    default_ends_on,
    deletion_date,
    disposition,
    find_family_match,
    find_match,
    information_due,
    is_active,
    is_due_for_deletion,
    max_ends_on,
    withdrawal_event,
)
from verwijsindex.model import Link, LinkStatus, WithdrawalReason
from verwijsindex.testing import make_subject

AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
RULES = Rules()


def link(
    id: str = "l1",
    *,
    professional: str = "p1",
    organisation: str = "o1",
    created_at: datetime = AT,
    ends_on: date = date(2028, 11, 23),
    status: LinkStatus = LinkStatus.ACTIVE,
) -> Link:
    archived_on = date(2027, 1, 1) if status is LinkStatus.ARCHIVED else None
    return Link(
        id=id,
        subject="key",
        professional=professional,
        organisation=organisation,
        created_at=created_at,
        ends_on=ends_on,
        status=status,
        archived_on=archived_on,
    )


# --- the lifecycle table of the domain brief, one row each ---------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event.EXPIRED, Disposition.ARCHIVE),  # 2-year (or chosen) end reached
        (Event.WITHDRAWN_RISK_RESOLVED, Disposition.ARCHIVE),  # withdrawn: risk no longer present
        (Event.WITHDRAWN_UNJUSTIFIED, Disposition.DELETE),  # withdrawn: link was unjustified
        (Event.TURNED_23, Disposition.DELETE),  # youth turns 23
        (Event.DIED, Disposition.DELETE),  # youth died
        (Event.ERASED, Disposition.DELETE),  # granted objection or correction
    ],
)
def test_lifecycle_table(event: Event, expected: Disposition) -> None:
    assert disposition(event) is expected


def test_every_event_has_a_disposition() -> None:
    assert {disposition(e) for e in Event} == set(Disposition)


def test_withdrawal_reasons_map_to_events() -> None:
    assert withdrawal_event(WithdrawalReason.RISK_RESOLVED) is Event.WITHDRAWN_RISK_RESOLVED
    assert withdrawal_event(WithdrawalReason.UNJUSTIFIED) is Event.WITHDRAWN_UNJUSTIFIED


def test_registered_is_active_for_two_years_at_most() -> None:
    assert default_ends_on(AT, RULES) == date(2028, 11, 23)
    assert max_ends_on(AT, RULES) == date(2028, 11, 23)
    assert check_ends_on(AT, None, RULES) == date(2028, 11, 23)
    assert check_ends_on(AT, date(2027, 1, 1), RULES) == date(2027, 1, 1)
    assert check_ends_on(AT, date(2028, 11, 23), RULES) == date(2028, 11, 23)


@pytest.mark.parametrize(
    "ends_on", [date(2028, 11, 24), date(2026, 11, 23), date(2026, 1, 1)], ids=str
)
def test_end_in_the_past_or_beyond_the_maximum_is_refused(ends_on: date) -> None:
    with pytest.raises(InvalidPeriodError):
        check_ends_on(AT, ends_on, RULES)


def test_end_must_be_a_date() -> None:
    with pytest.raises(InvalidPeriodError):
        check_ends_on(AT, AT, RULES)


def test_end_date_on_29_february_stays_within_two_years() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert max_ends_on(leap, RULES) == date(2030, 2, 28)


def test_period_counts_on_the_amsterdam_calendar() -> None:
    late_evening_utc = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 1 January there
    assert max_ends_on(late_evening_utc, RULES) == date(2029, 1, 1)


def test_active_until_the_end_date() -> None:
    lk = link(ends_on=date(2027, 1, 1))
    assert is_active(lk, datetime(2026, 12, 31, 22, 59, tzinfo=timezone.utc))
    assert not is_active(lk, datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc))
    assert is_active(lk, AT - timedelta(seconds=1))  # a lagging clock still sees it (decision 30)
    assert not is_active(link(status=LinkStatus.ARCHIVED), AT)


def test_is_active_refuses_naive_time() -> None:
    with pytest.raises(NaiveDatetimeError):
        is_active(link(), datetime(2026, 11, 23, 9, 0))


def test_archive_is_purged_after_five_years() -> None:
    assert archive_purge_date(date(2027, 1, 1), RULES) == date(2032, 1, 1)
    assert archive_purge_date(date(2028, 2, 29), RULES) == date(2033, 2, 28)


def test_deletion_on_the_23rd_birthday_and_on_death() -> None:
    assert deletion_date(date(2004, 2, 29), RULES) == date(2027, 3, 1)
    youth = make_subject(bsn="111222333", birth_date=date(2004, 2, 29))
    assert not is_due_for_deletion(youth, date(2027, 2, 28), RULES)
    assert is_due_for_deletion(youth, date(2027, 3, 1), RULES)
    dead = attrs.evolve(youth, died_on=date(2026, 1, 1))
    assert is_due_for_deletion(dead, date(2026, 1, 1), RULES)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (11, True), (22, True), (23, False)])
def test_only_under_23_can_be_registered(age: int, ok: bool) -> None:
    youth = make_subject(bsn="111222333", birth_date=date(2026 - age, 11, 23))
    if ok:
        assert check_registrable(youth, AT, RULES) == age
    else:
        with pytest.raises(AgeLimitError) as caught:
            check_registrable(youth, AT, RULES)
        assert caught.value.age == 23


def test_birthday_29_february_for_the_age_limit() -> None:
    youth = make_subject(bsn="111222333", birth_date=date(2004, 2, 29))
    on_28_feb = datetime(2027, 2, 28, 12, 0, tzinfo=timezone.utc)
    assert check_registrable(youth, on_28_feb, RULES) == 22
    with pytest.raises(AgeLimitError):
        check_registrable(youth, on_28_feb + timedelta(days=1), RULES)


def test_deceased_and_unborn_are_refused() -> None:
    youth = make_subject(bsn="111222333", birth_date=date(2010, 1, 1), died_on=date(2026, 1, 1))
    with pytest.raises(DeceasedSubjectError):
        check_registrable(youth, AT, RULES)
    unborn = make_subject(bsn="111222333", birth_date=date(2027, 1, 1))
    with pytest.raises(InvalidRecordError):
        check_registrable(unborn, AT, RULES)


def test_information_due_in_one_month() -> None:
    assert information_due(datetime(2027, 1, 31, 9, 0, tzinfo=timezone.utc), RULES) == date(
        2027, 2, 28
    )


# --- match rules ----------------------------------------------------------------------------------


def test_one_link_never_matches() -> None:
    for rule in MatchRule:
        assert find_match([link()], rule, at=AT) is None


def test_default_rule_needs_different_organisations() -> None:
    same_org = [link("a", professional="p1"), link("b", professional="p2")]
    assert find_match(same_org, at=AT) is None
    assert find_match(same_org, MatchRule.DIFFERENT_PROFESSIONALS, at=AT) is not None
    two_orgs = [link("a", organisation="o1"), link("b", professional="p2", organisation="o2")]
    assert find_match(two_orgs, at=AT) == tuple(two_orgs)


def test_different_professionals_rule() -> None:
    same_professional = [link("a"), link("b")]
    assert find_match(same_professional, MatchRule.DIFFERENT_PROFESSIONALS, at=AT) is None
    assert find_match(same_professional, MatchRule.ANY_TWO_LINKS, at=AT) is not None


def test_archived_and_ended_links_never_match() -> None:
    archived = link("a", status=LinkStatus.ARCHIVED, organisation="o1")
    ended = link("b", organisation="o2", ends_on=date(2026, 11, 23))
    live = link("c", organisation="o3")
    for rule in MatchRule:
        assert find_match([archived, ended, live], rule, at=AT) is None


def test_a_match_includes_every_active_link_oldest_first() -> None:
    older = link("old", organisation="o1", created_at=AT - timedelta(days=5))
    newer = link("new", professional="p2", organisation="o2")
    same_org = link(
        "third", professional="p3", organisation="o2", created_at=AT - timedelta(days=1)
    )
    assert find_match([newer, same_org, older], at=AT) == (older, same_org, newer)
    assert active_links([newer, older], at=AT) == (older, newer)


def test_family_match_needs_two_youths() -> None:
    a = [link("a1", organisation="o1"), link("a2", professional="p2", organisation="o2")]
    b = [link("b1", professional="p3", organisation="o3")]
    assert find_family_match([a], at=AT) is None
    assert find_family_match([a, []], at=AT) is None
    found = find_family_match([a, b], at=AT)
    assert found is not None and {lk.id for lk in found} == {"a1", "a2", "b1"}
    same_org = [[link("x1")], [link("x2", professional="p2")]]
    assert find_family_match(same_org, at=AT) is None


@given(
    orgs=st.lists(st.sampled_from(["o1", "o2", "o3"]), min_size=0, max_size=6),
)
def test_match_rules_are_ordered_by_strictness(orgs: list[str]) -> None:
    links = [link(f"l{i}", professional=f"p{i}", organisation=org) for i, org in enumerate(orgs)]
    by_org = find_match(links, MatchRule.DIFFERENT_ORGANISATIONS, at=AT) is not None
    by_pro = find_match(links, MatchRule.DIFFERENT_PROFESSIONALS, at=AT) is not None
    any_two = find_match(links, MatchRule.ANY_TWO_LINKS, at=AT) is not None
    assert by_org == (len(set(orgs)) >= 2)
    assert (not by_org or by_pro) and (not by_pro or any_two)
    assert any_two == (len(orgs) >= 2)


# --- Rules ------------------------------------------------------------------------------------


def test_rules_have_statutory_defaults() -> None:
    assert (RULES.active_years, RULES.archive_years, RULES.age_limit) == (2, 5, 23)
    assert (RULES.information_months, RULES.request_months, RULES.request_extension_months) == (
        1,
        1,
        2,
    )
    assert RULES.family_match


def test_rules_can_vary() -> None:
    one_year = Rules(active_years=1)
    assert max_ends_on(AT, one_year) == date(2027, 11, 23)
    with pytest.raises(InvalidPeriodError):
        check_ends_on(AT, date(2028, 1, 1), one_year)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_rules_refuse_nonsense(bad: object) -> None:
    with pytest.raises(InvalidRecordError):
        Rules(active_years=bad)  # type: ignore[arg-type]


def test_is_active_tells_the_two_moments_of_a_repeated_hour_apart() -> None:
    """00:30 on 29 October 2021 happened twice in Amman: at 21:30 UTC (the 28th in
    Amsterdam) and at 22:30 UTC (the 29th). A link that ends on the 29th is active at the
    first and not at the second; the cache of days took the two for one key."""
    from zoneinfo import ZoneInfo

    first = datetime(2021, 10, 29, 0, 30, tzinfo=ZoneInfo("Asia/Amman"))
    second = first.replace(fold=1)
    ending = link(created_at=datetime(2021, 1, 1, tzinfo=timezone.utc), ends_on=date(2021, 10, 29))
    assert is_active(ending, first)
    assert not is_active(ending, second)
    later = first.replace(minute=31)
    assert active_links([ending], later) == (ending,)
    assert active_links([ending], later.replace(fold=1)) == ()


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    today=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    age_limit=st.integers(min_value=1, max_value=30),
)
def test_due_for_deletion_is_the_day_of_the_birthday_at_the_limit(
    born: date, today: date, age_limit: int
) -> None:
    """The short cut for a birthday in a later year against the rule as the brief states it."""
    rules = Rules(age_limit=age_limit)
    youth = _Lifetime(born)
    assert is_due_for_deletion(youth, today, rules) is (today >= deletion_date(born, rules))


@attrs.frozen
class _Lifetime:
    birth_date: date
    died_on: date | None = None


def test_the_longest_period_ends_on_the_last_day_a_date_may_have() -> None:
    # made in 2998, two years would end in 3000, past the dates the index keeps: a link made
    # without an end date ends on 31 December 2999 and a registration there goes through
    late = datetime(2998, 6, 1, 9, 0, tzinfo=timezone.utc)
    assert max_ends_on(late, RULES) == date(2999, 12, 31)
    assert check_ends_on(late, None, RULES) == date(2999, 12, 31)
    with pytest.raises(InvalidPeriodError):
        check_ends_on(late, date(3000, 1, 1), RULES)
    last = datetime(2999, 12, 31, 9, 0, tzinfo=timezone.utc)  # a link would end that day
    with pytest.raises(InvalidPeriodError, match="31 December 2999"):
        check_ends_on(last, None, RULES)


def test_a_registration_late_in_the_range_of_dates_goes_through() -> None:
    from verwijsindex.testing import FixedClock, make_index, make_professional

    index = make_index(clock=FixedClock(datetime(2998, 6, 1, 9, 0, tzinfo=timezone.utc)))
    pro = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(pro.organisation)
    made = index.register(make_subject(bsn="111222333", birth_date=date(2990, 1, 1)), pro)
    assert made.link.ends_on == date(2999, 12, 31)


@given(
    today=st.dates(min_value=date(1930, 1, 1), max_value=date(2200, 12, 31)),
    age_limit=st.integers(min_value=1, max_value=30),
    near=st.integers(min_value=-4, max_value=4),
)
def test_the_outbox_withholds_exactly_the_youths_due_for_deletion(
    today: date, age_limit: int, near: int
) -> None:
    """The stores compare a birth date with one day (decision 106); that day must answer
    as the rule does, 29 February birthdays and leap years included: the birth dates
    tried lie within four days of the youths who turn *age_limit* on *today*."""
    from verwijsindex.dossier import Withheld

    rules = Rules(age_limit=age_limit)
    held = Withheld.on(today, rules)
    born = today.replace(year=today.year - age_limit, day=1) + timedelta(days=today.day - 1 + near)
    assert held.holds(born, None) is is_due_for_deletion(_Lifetime(born), today, rules)
    assert held.holds(born, today)
