"""The pure rules (regels): which links are active, whether they match, how links end.

Nothing here reads a clock or a store: every function takes the moment or the day it
judges. Every number lives in one :class:`Rules` value with the statutory defaults, so a
simulation can vary it.

>>> from datetime import date, datetime, timezone
>>> rules = Rules()
>>> at = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
>>> default_ends_on(at, rules)
datetime.date(2028, 11, 23)
>>> check_ends_on(at, date(2029, 1, 1), rules)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidPeriodError: ends_on is after the maximum active period of 2 years
>>> disposition(Event.WITHDRAWN_UNJUSTIFIED)
<Disposition.DELETE: 'delete'>
>>> deletion_date(date(2008, 2, 29), rules)  # the 23rd birthday
datetime.date(2031, 3, 1)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

import attrs

from verwijsindex import _validators as v
from verwijsindex._copy import copy_with
from verwijsindex.clock import (
    LATEST,
    add_months,
    add_years,
    age_on,
    birthday,
    ensure_aware,
    local_date,
)
from verwijsindex.errors import (
    AgeLimitError,
    DeceasedSubjectError,
    InvalidPeriodError,
    InvalidRecordError,
)
from verwijsindex.model import Link, LinkStatus, Subject, WithdrawalReason

__all__ = [
    "Disposition",
    "Event",
    "MatchRule",
    "Rules",
    "active_links",
    "archive_purge_date",
    "as_of",
    "check_ends_on",
    "check_registrable",
    "default_ends_on",
    "deletion_date",
    "disposition",
    "find_family_match",
    "find_match",
    "information_due",
    "is_active",
    "is_due_for_deletion",
    "match_of",
    "max_ends_on",
    "withdrawal_event",
]


def _follow_up(_: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or not timedelta(days=1) <= value <= timedelta(days=366):
        raise InvalidRecordError(f"{attribute.name} must be a timedelta from 1 to 366 days")


@attrs.frozen
class Rules:
    """Every number of the verwijsindex, with the statutory value as default.

    - ``active_years``: a link is active at most this long (JW 7.1.4.5(2)(a)).
    - ``archive_years``: an ended link is kept this long, then purged (JW 7.1.4.6(1)).
    - ``age_limit``: only youths under this age can be registered (JW 7.1.1.1).
    - ``information_months``: the youth/parents are informed within this (AVG 14(3)).
    - ``request_months`` / ``request_extension_months``: deadline for a data-subject
      request, and its maximum extension (AVG 12(3)).
    - ``family_match``: whether links on youths with a shared parent signal (JW 7.1.2.3(1)(e)).
    - ``follow_up_after``: how long a match may wait for coordination before the
      municipality's follow-up checker is reminded (JW 7.1.3.2). Four weeks is a practice
      value, not the statute's: the law names no period.
    - ``address_match``: whether links on youths registered at one address signal (JW
      7.1.2.3(1)(e)); off by default, as institution addresses must be excluded first.

    Each number is bounded (years at most 100, months at most 120), so that the calendar
    arithmetic on a date up to 2999 stays far from the end of ``datetime``.
    """

    active_years: int = attrs.field(default=2, validator=v.between(1, 100))
    archive_years: int = attrs.field(default=5, validator=v.between(1, 100))
    age_limit: int = attrs.field(default=23, validator=v.between(1, 150))
    information_months: int = attrs.field(default=1, validator=v.between(1, 120))
    request_months: int = attrs.field(default=1, validator=v.between(1, 120))
    request_extension_months: int = attrs.field(default=2, validator=v.between(1, 120))
    family_match: bool = attrs.field(default=True, validator=v.instance_of(bool))
    follow_up_after: timedelta = attrs.field(default=timedelta(weeks=4), validator=_follow_up)
    address_match: bool = attrs.field(default=False, validator=v.instance_of(bool))


class MatchRule(enum.Enum):
    """Which active links on one youth make a match (JW 7.1.2.3(1)(c))."""

    DIFFERENT_ORGANISATIONS = "different-organisations"
    """Two or more links from different organisations (seed 002; the default)."""
    DIFFERENT_PROFESSIONALS = "different-professionals"
    """Two or more links from different professionals (seed 000)."""
    ANY_TWO_LINKS = "any-two-links"
    """Any two active links."""


class Event(enum.Enum):
    """The events of a link's lifecycle (the table in the domain brief)."""

    EXPIRED = "expired"
    WITHDRAWN_RISK_RESOLVED = "withdrawn-risk-resolved"
    WITHDRAWN_UNJUSTIFIED = "withdrawn-unjustified"
    TURNED_23 = "turned-23"
    DIED = "died"
    ERASED = "erased"


class Disposition(enum.Enum):
    """What happens to a link that stops being active."""

    ARCHIVE = "archive"
    """Kept, unable to match, for ``Rules.archive_years``; then purged."""
    DELETE = "delete"
    """Removed at once, with no archive."""


_DISPOSITIONS = {
    Event.EXPIRED: Disposition.ARCHIVE,  # JW 7.1.4.5(2)(a), 7.1.4.6(1)
    Event.WITHDRAWN_RISK_RESOLVED: Disposition.ARCHIVE,  # JW 7.1.4.5(1)(b)
    Event.WITHDRAWN_UNJUSTIFIED: Disposition.DELETE,  # JW 7.1.4.5(1)(a)
    Event.TURNED_23: Disposition.DELETE,  # JW 7.1.1.1, 7.1.4.5(2)(b)
    Event.DIED: Disposition.DELETE,  # JW 7.1.4.5(2)(c)
    Event.ERASED: Disposition.DELETE,  # JW 7.1.4.6(1), AVG 17/21
}


def disposition(event: Event) -> Disposition:
    """Whether a link is archived or deleted when *event* happens."""
    return _DISPOSITIONS[event]


def withdrawal_event(reason: WithdrawalReason) -> Event:
    """The lifecycle event of a withdrawal on statutory ground *reason*."""
    if reason is WithdrawalReason.UNJUSTIFIED:
        return Event.WITHDRAWN_UNJUSTIFIED
    return Event.WITHDRAWN_RISK_RESOLVED


# --- active period ----------------------------------------------------------------------------


_LAST_DAY = LATEST.date() - timedelta(days=1)


def max_ends_on(created_at: datetime, rules: Rules) -> date:
    """The latest end date of a link made at *created_at*: ``active_years`` later, or the
    last day a date in the index may have (31 December 2999), if that comes first."""
    return min(add_years(local_date(created_at), rules.active_years), _LAST_DAY)


def default_ends_on(created_at: datetime, rules: Rules) -> date:
    """The end date when the professional chooses none: the maximum."""
    return max_ends_on(created_at, rules)


def check_ends_on(created_at: datetime, ends_on: date | None, rules: Rules) -> date:
    """*ends_on*, or the default; raise :class:`InvalidPeriodError` if it is not after the
    day of *created_at* or is beyond the maximum active period."""
    maximum = max_ends_on(created_at, rules)
    if maximum <= local_date(created_at):  # 31 December 2999: no later day to end on
        raise InvalidPeriodError(
            "no link can be made on 31 December 2999: the index keeps no later date"
        )
    if ends_on is None:
        return maximum
    if not isinstance(ends_on, date) or isinstance(ends_on, datetime):
        raise InvalidPeriodError("ends_on must be a date")
    if ends_on <= local_date(created_at):
        raise InvalidPeriodError("ends_on is not after the day the link is made")
    if ends_on > maximum:
        raise InvalidPeriodError(
            f"ends_on is after the maximum active period of {rules.active_years} years"
        )
    return ends_on


def is_active(link: Link, at: datetime) -> bool:
    """Whether *link* can match at *at*: not archived and not yet ended.

    A link is active up to (not including) its ``ends_on`` day on the Amsterdam calendar,
    whether or not a sweep has archived it yet. A stored link counts from the moment it
    is stored: a reader whose clock lags behind the host that stamped it (``created_at``
    after *at*) still sees it active (decision 30).
    """
    ensure_aware(at, "at")
    return link.status is LinkStatus.ACTIVE and local_date(at) < link.ends_on


def as_of(link: Link, at: datetime) -> Link:
    """*link* as the lifecycle has it at *at*: a link whose end day has come is archived
    (from that day), whether or not a sweep has stored that yet."""
    if link.status is LinkStatus.ACTIVE and link.ends_on <= local_date(at):
        # an enum member and the link's own valid end day: no validator to run again
        return copy_with(link, status=LinkStatus.ARCHIVED, archived_on=link.ends_on)
    return link


def active_links(links: Iterable[Link], at: datetime) -> tuple[Link, ...]:
    """The links among *links* that are active at *at*, oldest first (ties keep their order)."""
    # is_active(lk, at) for each link, with *at* checked and its day found once, at the
    # first link that needs them (as is_active would: none for no links, no day unless
    # a link's status is active)
    found: list[Link] = []
    checked = False
    day: date | None = None
    active = LinkStatus.ACTIVE
    for lk in links:
        if not checked:
            ensure_aware(at, "at")
            checked = True
        if lk.status is active:
            if day is None:
                day = local_date(at)
            if day < lk.ends_on:
                found.append(lk)
    if len(found) > 1:
        found.sort(key=_created)
    return tuple(found)


def _created(link: Link) -> datetime:
    return link.created_at


def find_match(
    links: Iterable[Link], rule: MatchRule = MatchRule.DIFFERENT_ORGANISATIONS, *, at: datetime
) -> tuple[Link, ...] | None:
    """The active links that make a match under *rule* at *at*, or ``None``.

    When there is a match, *every* active link on the youth takes part (all professionals
    concerned are told), oldest first.
    """
    return match_of(active_links(links, at), rule)


def match_of(
    active: tuple[Link, ...], rule: MatchRule = MatchRule.DIFFERENT_ORGANISATIONS
) -> tuple[Link, ...] | None:
    """*active* if these links make a match under *rule*, else ``None``: the rule of
    :func:`find_match` for links that :func:`active_links` gave already (a caller that
    judges several sets of one youth's links sorts them once)."""
    if len(active) < 2:
        return None
    if rule is MatchRule.DIFFERENT_ORGANISATIONS:
        distinct = len({lk.organisation for lk in active})
    elif rule is MatchRule.DIFFERENT_PROFESSIONALS:
        distinct = len({lk.professional for lk in active})
    else:
        distinct = len(active)
    return active if distinct >= 2 else None


def find_family_match(
    links_by_youth: Sequence[Sequence[Link]],
    rule: MatchRule = MatchRule.DIFFERENT_ORGANISATIONS,
    *,
    at: datetime,
) -> tuple[Link, ...] | None:
    """The active links across youths sharing a parent that make a family match, or ``None``.

    At least two youths must have an active link, and the links together must satisfy
    *rule* (JW 7.1.2.3(1)(e)).
    """
    per_youth = [active_links(links, at) for links in links_by_youth]
    if sum(1 for links in per_youth if links) < 2:
        return None
    return find_match([lk for links in per_youth for lk in links], rule, at=at)


# --- deletion and archive -------------------------------------------------------------------


def deletion_date(birth_date: date, rules: Rules) -> date:
    """The day everything about the youth is deleted: their birthday at ``age_limit``."""
    return birthday(birth_date, rules.age_limit)


class _Lifetime(Protocol):
    @property
    def birth_date(self) -> date: ...
    @property
    def died_on(self) -> date | None: ...


def is_due_for_deletion(subject: _Lifetime, today: date, rules: Rules) -> bool:
    """Whether all of the youth's links must go: from the 23rd birthday, or on death.

    *subject* is a :class:`~verwijsindex.model.Subject` or anything with its
    ``birth_date`` and ``died_on``."""
    if subject.died_on is not None:
        return True
    born = subject.birth_date
    if born.year + rules.age_limit > today.year:  # that birthday falls in a later year (a
        # 29 February one too): nearly every youth, without working out the day
        return False
    return today >= deletion_date(born, rules)


def archive_purge_date(archived_on: date, rules: Rules) -> date:
    """The day an archived link is purged: ``archive_years`` after it was archived."""
    return add_years(archived_on, rules.archive_years)


def check_registrable(subject: Subject, at: datetime, rules: Rules) -> int:
    """The youth's age on the day of *at*; raise if they cannot be registered.

    Raises :class:`AgeLimitError` from the 23rd birthday, :class:`DeceasedSubjectError`
    when a death is recorded, and :class:`InvalidRecordError` for a birth date in the future.
    """
    today = local_date(at)
    if subject.died_on is not None:
        raise DeceasedSubjectError()
    if subject.birth_date > today:
        raise InvalidRecordError("birth_date is in the future")
    age = age_on(subject.birth_date, today)
    if age >= rules.age_limit:
        raise AgeLimitError(age=age, field="birth_date")
    return age


def check_general_data(subject: Subject, at: datetime) -> None:
    """Raise :class:`InvalidRecordError` for general data that a rectification or a merge
    may not store: a birth date after the day of *at*, or a date of death (a death is
    recorded by ``record_death``, which checks its day and deletes the record)."""
    if subject.died_on is not None:
        raise InvalidRecordError("died_on is recorded by record_death(), not as a correction")
    if subject.birth_date > local_date(at):
        raise InvalidRecordError("birth_date is in the future")


def information_due(created_at: datetime, rules: Rules) -> date:
    """The last day to inform the youth or parents of a link made at *created_at*."""
    return add_months(local_date(created_at), rules.information_months)
