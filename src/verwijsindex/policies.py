"""Notification policies (informatieplicht): who is told of a link, by the youth's age.

The statute (JW 7.1.5.1) is the default; the two leaflets' readings are named policies
that differ from it, and :func:`deviations` says where:

>>> sorted(r.value for r in STATUTORY.recipients(14))
['legal-representative', 'youth']
>>> STATUTORY.recipients(23)
Traceback (most recent call last):
    ...
verwijsindex.errors.AgeLimitError: ... under 23 (age on the day: 23)
>>> deviations(LEAFLET_WESTELIJKE_MIJNSTREEK)[0]
Deviation(age=12, missing=frozenset({<Recipient.YOUTH: 'youth'>}), extra=frozenset())
>>> [d.age for d in deviations(LEAFLET_ZUID_LIMBURG)]
[16, 17, 18, 19, 20, 21, 22]
>>> policy("wet")
Traceback (most recent call last):
    ...
verwijsindex.errors.NotFoundError: unknown notification policy; the shipped ones are ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

import attrs

from verwijsindex import _validators as v
from verwijsindex.clock import age_on, check_moment, local_date
from verwijsindex.errors import AgeLimitError, InvalidRecordError, NotFoundError
from verwijsindex.model import Recipient

__all__ = [
    "LEAFLET_WESTELIJKE_MIJNSTREEK",
    "LEAFLET_ZUID_LIMBURG",
    "MAX_AGE",
    "POLICIES",
    "STATUTORY",
    "AgeBand",
    "Deviation",
    "NotificationPolicy",
    "deviations",
    "information_duty",
    "policy",
]

MAX_AGE = 22
"""The verwijsindex covers ages 0 to 22 inclusive (JW 7.1.1.1)."""

_TEXT = v.text(2_000)


def _age(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRecordError(f"{attribute.name} must be a whole number of years, 0 or more")


def _recipients(value: Iterable[Recipient]) -> frozenset[Recipient]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError("recipients must be a set of Recipient")
    result = frozenset(value)
    if not all(isinstance(r, Recipient) for r in result):
        raise InvalidRecordError("recipients must be a set of Recipient")
    return result


@attrs.frozen
class AgeBand:
    """An age band (leeftijdsgroep): a link on a youth aged *min_age* to *max_age*
    (inclusive) informs *recipients*."""

    min_age: int = attrs.field(validator=_age)
    max_age: int = attrs.field(validator=_age)
    recipients: frozenset[Recipient] = attrs.field(converter=_recipients)

    def __attrs_post_init__(self) -> None:
        if self.max_age < self.min_age:
            raise InvalidRecordError(
                f"age band {self.min_age}..{self.max_age}: max_age is below min_age"
            )


def _bands(value: Iterable[AgeBand]) -> tuple[AgeBand, ...]:
    if not isinstance(value, Iterable):
        raise InvalidRecordError("bands must be a list of AgeBand")
    bands = tuple(value)
    if not all(isinstance(b, AgeBand) for b in bands):
        raise InvalidRecordError("bands must be a list of AgeBand")
    return tuple(sorted(bands, key=lambda b: (b.min_age, b.max_age)))


def _ages(first: int, last: int) -> str:
    return f"age {first}" if first == last else f"ages {first}..{last}"


def _check_coverage(instance: NotificationPolicy, _: object, bands: tuple[AgeBand, ...]) -> None:
    """The bands must cover ages 0 to 22 exactly once each."""
    where = f"policy {instance.name!r}"
    expected = 0
    for band in bands:
        if band.min_age > expected:
            gap = _ages(expected, band.min_age - 1)
            raise InvalidRecordError(f"{where}: no band covers {gap}")
        if band.min_age < expected:
            both = _ages(band.min_age, min(expected, band.max_age + 1) - 1)
            raise InvalidRecordError(f"{where}: bands overlap at {both}")
        expected = band.max_age + 1
    if expected <= MAX_AGE:
        raise InvalidRecordError(f"{where}: no band covers {_ages(expected, MAX_AGE)}")
    if expected > MAX_AGE + 1:
        raise InvalidRecordError(
            f"{where}: bands reach age {expected - 1}; the verwijsindex ends at {MAX_AGE}"
        )


@attrs.frozen
class NotificationPolicy:
    """A reading of the information duty (informatieplicht): who is told, by age 0..22.

    The bands may be given in any order; they are kept sorted and must cover every age
    from 0 to 22 exactly once. A band may inform nobody (a region that drops the duty).
    """

    name: str = attrs.field(validator=_TEXT)
    title: str = attrs.field(validator=_TEXT)
    source: str = attrs.field(validator=_TEXT)
    bands: tuple[AgeBand, ...] = attrs.field(converter=_bands, validator=_check_coverage)
    _by_age: tuple[frozenset[Recipient], ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        by_age = tuple(
            band.recipients for band in self.bands for _ in range(band.min_age, band.max_age + 1)
        )
        object.__setattr__(self, "_by_age", by_age)

    def recipients(self, age: int) -> frozenset[Recipient]:
        """Who must be informed of a link on a youth of *age* (whole years) on the day."""
        if not isinstance(age, int) or isinstance(age, bool):
            raise InvalidRecordError(f"age must be a whole number, not {type(age).__name__}")
        if age < 0:
            raise InvalidRecordError("age must be 0 or more")
        if age > MAX_AGE:
            raise AgeLimitError(age=age)
        return self._by_age[age]


_LEGAL = Recipient.LEGAL_REPRESENTATIVE
_YOUTH = Recipient.YOUTH

#: The statute, JW 7.1.5.1: the default everywhere.
STATUTORY = NotificationPolicy(
    name="statute",
    title="Jeugdwet",
    source="JW 7.1.5.1",
    bands=(
        AgeBand(0, 11, frozenset({_LEGAL})),
        AgeBand(12, 15, frozenset({_YOUTH, _LEGAL})),
        AgeBand(16, 22, frozenset({_YOUTH})),
    ),
)

#: The Zuid-Limburg leaflet as written (seed 000): parents always, the youth from 12.
LEAFLET_ZUID_LIMBURG = NotificationPolicy(
    name="leaflet-zuid-limburg",
    title="Leaflet Vroeg samenwerken in Zuid-Limburg, as written",
    source="seed 000: 'Als uw kind 12 jaar of ouder is, dan bespreekt de hulpverlener dit "
    "met u en uw kind'",
    bands=(
        AgeBand(0, 11, frozenset({_LEGAL})),
        AgeBand(12, 22, frozenset({_YOUTH, _LEGAL})),
    ),
)

#: The Westelijke Mijnstreek page as written (seed 002): parents under 16, the youth from 16.
LEAFLET_WESTELIJKE_MIJNSTREEK = NotificationPolicy(
    name="leaflet-westelijke-mijnstreek",
    title="Verwijsindex Westelijke Mijnstreek page, as written",
    source="seed 002: 'Is een kind jonger dan 16 jaar, dan krijgt de ouder of verzorger bericht'",
    bands=(
        AgeBand(0, 15, frozenset({_LEGAL})),
        AgeBand(16, 22, frozenset({_YOUTH})),
    ),
)

#: Every shipped policy by name.
POLICIES: Mapping[str, NotificationPolicy] = MappingProxyType(
    {p.name: p for p in (STATUTORY, LEAFLET_ZUID_LIMBURG, LEAFLET_WESTELIJKE_MIJNSTREEK)}
)


def policy(name: str) -> NotificationPolicy:
    """The shipped policy called *name*; :class:`~verwijsindex.errors.NotFoundError` if none.

    A name is a key looked up, like ``dict[name]``, hence a ``LookupError``; a region file
    that names an unknown policy is malformed and gives ``InvalidRecordError`` instead.
    """
    if not v.plain_text(name, 200):
        raise InvalidRecordError("a notification policy is named by one line of text")
    found = POLICIES.get(name)
    if found is None:
        known = ", ".join(sorted(POLICIES))
        raise NotFoundError(
            f"unknown notification policy; the shipped ones are {known}",
            kind="notification policy",
            id=name if isinstance(name, str) else None,
        )
    return found


@attrs.frozen
class Deviation:
    """An age at which a policy informs differently from the reference (afwijking)."""

    age: int = attrs.field(validator=_age)
    missing: frozenset[Recipient] = attrs.field(converter=_recipients)
    extra: frozenset[Recipient] = attrs.field(converter=_recipients)

    def __attrs_post_init__(self) -> None:
        if not (self.missing or self.extra):
            raise InvalidRecordError("a deviation has something missing or extra")

    @property
    def kind(self) -> Literal["under-informs", "over-informs", "both"]:
        """``"under-informs"``, ``"over-informs"``, or ``"both"``."""
        if self.missing and self.extra:
            return "both"
        return "under-informs" if self.missing else "over-informs"


def deviations(
    policy: NotificationPolicy, reference: NotificationPolicy = STATUTORY
) -> tuple[Deviation, ...]:
    """Every age 0..22 where *policy* informs fewer (missing) or others (extra) than *reference*."""
    found = []
    for age in range(MAX_AGE + 1):
        told, due = policy.recipients(age), reference.recipients(age)
        if told != due:
            found.append(Deviation(age=age, missing=due - told, extra=told - due))
    return tuple(found)


def information_duty(
    policy: NotificationPolicy, birth_date: date, at: datetime
) -> frozenset[Recipient]:
    """Who must be informed of a link made at *at*, by age on the Amsterdam date of *at*.

    23:30 UTC on 28 February 2020 is already 29 February in Amsterdam, the twelfth
    birthday of a youth born on 29 February 2008:

    >>> from datetime import date, datetime, timezone
    >>> born = date(2008, 2, 29)
    >>> information_duty(STATUTORY, born, datetime(2020, 2, 28, 22, 30, tzinfo=timezone.utc))
    frozenset({<Recipient.LEGAL_REPRESENTATIVE: 'legal-representative'>})
    >>> at = datetime(2020, 2, 28, 23, 30, tzinfo=timezone.utc)
    >>> sorted(r.value for r in information_duty(STATUTORY, born, at))
    ['legal-representative', 'youth']
    >>> information_duty(STATUTORY, born, datetime(2020, 3, 1))
    Traceback (most recent call last):
        ...
    verwijsindex.errors.NaiveDatetimeError: at must be timezone-aware
    """
    if not isinstance(policy, NotificationPolicy):
        raise InvalidRecordError("policy must be a NotificationPolicy")
    day = local_date(check_moment(at, "at"))
    if isinstance(birth_date, datetime) or not isinstance(birth_date, date):
        raise InvalidRecordError("birth_date must be a date")
    age = age_on(birth_date, day)
    if age < 0:
        raise InvalidRecordError(f"the youth is not yet born on {day.isoformat()}")
    return policy.recipients(age)
