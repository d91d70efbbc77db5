"""Every assumption of the simulation in one frozen value (aannames), with documented defaults.

The numbers are deliberately round: they shape a plausible verwijsindex, they are not
measurements. ``docs/simulation.md`` explains each one and where it comes from.

>>> import attrs
>>> a = Assumptions()
>>> a.youths_zuid_limburg, a.episode_rates[14], a.sweep_every_days
(130000, 20.5, 7)
>>> [k.value for k, _ in a.kinds_at(2).weights][:2]
['youth-health-care', 'general-practitioner']
>>> attrs.evolve(a, renew_share=1.5)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: renew_share must be a probability between 0 and 1
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex.errors import InvalidRecordError

__all__ = ["Assumptions", "KindWeights", "OrganisationKind"]

#: Ages 0 to 22: the verwijsindex's youths (JW 7.1.1.1).
AGES = 23


class OrganisationKind(enum.Enum):
    """The kinds of organisation (soorten instanties) that register youths."""

    SCHOOL = "school"
    YOUTH_HEALTH_CARE = "youth-health-care"
    YOUTH_CARE = "youth-care"
    SOCIAL_WORK = "social-work"
    POLICE = "police"
    SCHOOL_ATTENDANCE = "school-attendance"
    GENERAL_PRACTITIONER = "general-practitioner"


_K = OrganisationKind


def _probability(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidRecordError(f"{attribute.name} must be a probability between 0 and 1")


def _positive_number(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidRecordError(f"{attribute.name} must be a positive number")


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidRecordError(f"{attribute.name} must be a number, 0 or more")


def _whole(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRecordError(f"{attribute.name} must be a positive whole number")


def _up_to(check: _Validator, high: float) -> _Validator:
    """*check*, and at most *high*: a finite number far past what a youth's life or a
    country holds would run without end (or out of memory) instead of being refused."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        check(instance, attribute, value)
        if value > high:
            raise InvalidRecordError(f"{attribute.name} must be at most {high:,}")

    return validate


_Validator = Callable[[object, "attrs.Attribute[Any]", Any], None]
_DAYS = 23 * 366
"""The longest period that means something for a youth: their whole time in the index."""
_PEOPLE = 20_000_000
"""More youths, or youths per professional, than the whole country has."""


def _floats(value: Iterable[float]) -> tuple[float, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError("expected a list of numbers")
    return tuple(value)


def _per_age(high: float) -> _Validator:
    """One number per age 0..22, each from 0 to *high*, not all zero."""
    each = _up_to(_non_negative, high)

    def validate(_: object, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
        if len(value) != AGES:
            raise InvalidRecordError(f"{attribute.name} needs {AGES} numbers, one per age 0..22")
        for number in value:
            each(None, attribute, number)
        if not sum(value) > 0:
            raise InvalidRecordError(f"{attribute.name} must not be all zero")

    return validate


@attrs.frozen
class KindWeights:
    """Which kinds of organisation get involved with a youth aged *min_age*..*max_age*,
    as relative weights."""

    min_age: int
    max_age: int
    weights: tuple[tuple[OrganisationKind, float], ...]

    def __attrs_post_init__(self) -> None:
        if not (isinstance(self.min_age, int) and isinstance(self.max_age, int)) or not (
            0 <= self.min_age <= self.max_age < AGES
        ):
            raise InvalidRecordError("KindWeights ages must satisfy 0 <= min_age <= max_age <= 22")
        if not self.weights or not all(
            isinstance(k, OrganisationKind)
            and isinstance(w, int | float)
            and not isinstance(w, bool)
            and w >= 0
            for k, w in self.weights
        ):
            raise InvalidRecordError(
                "KindWeights.weights are (OrganisationKind, weight >= 0) pairs"
            )
        if not sum(w for _, w in self.weights) > 0:
            raise InvalidRecordError("KindWeights.weights must not be all zero")


def _kind_bands(value: Iterable[KindWeights]) -> tuple[KindWeights, ...]:
    if not isinstance(value, Iterable):
        raise InvalidRecordError("kind_weights must be a list of KindWeights")
    bands = tuple(value)
    if not all(isinstance(b, KindWeights) for b in bands):
        raise InvalidRecordError("kind_weights must be a list of KindWeights")
    bands = tuple(sorted(bands, key=lambda b: b.min_age))
    expected = 0
    for band in bands:
        if band.min_age != expected:
            raise InvalidRecordError("kind_weights must cover ages 0..22 exactly once")
        expected = band.max_age + 1
    if expected != AGES:
        raise InvalidRecordError("kind_weights must cover ages 0..22 exactly once")
    return bands


def _start(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRecordError(f"{attribute.name} must be a date")


def _hours(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(h, int) and not isinstance(h, bool) for h in value)
        or not 0 <= value[0] < value[1] <= 24
    ):
        raise InvalidRecordError(f"{attribute.name} must be (first hour, last hour) within 0..24")


#: Relative number of youths per year of age 0..22: the shape of the Dutch age pyramid
#: (CBS StatLine 03759ned, 1 January 2023, approximate, in thousands). Only the shape is used.
AGE_PYRAMID = (
    167, 169, 172, 174, 176, 178, 180, 183, 186, 190, 194, 198,
    201, 203, 204, 206, 208, 211, 215, 221, 226, 228, 227,
)  # fmt: skip

#: New episodes of need per 1,000 youths per year, by age 0..22 (about 14 on average).
EPISODE_RATES = (
    8.0, 8.0, 8.0, 8.0,  # 0-3: youth health care, GP, youth care
    12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0,  # 4-11: primary school
    20.5, 20.5, 20.5, 20.5, 20.5, 20.5,  # 12-17: secondary school, attendance, police
    14.5, 14.5, 14.5, 14.5, 14.5,  # 18-22: vocational school, police, social work
)  # fmt: skip

#: Which kinds of organisation are involved, by age band.
KIND_WEIGHTS = (
    KindWeights(
        0,
        3,
        (
            (_K.YOUTH_HEALTH_CARE, 0.45),
            (_K.GENERAL_PRACTITIONER, 0.15),
            (_K.YOUTH_CARE, 0.30),
            (_K.SOCIAL_WORK, 0.05),
            (_K.POLICE, 0.05),
        ),
    ),
    KindWeights(
        4,
        11,
        (
            (_K.SCHOOL, 0.40),
            (_K.YOUTH_HEALTH_CARE, 0.15),
            (_K.YOUTH_CARE, 0.25),
            (_K.GENERAL_PRACTITIONER, 0.05),
            (_K.SOCIAL_WORK, 0.10),
            (_K.POLICE, 0.05),
        ),
    ),
    KindWeights(
        12,
        17,
        (
            (_K.SCHOOL, 0.30),
            (_K.SCHOOL_ATTENDANCE, 0.15),
            (_K.YOUTH_CARE, 0.20),
            (_K.POLICE, 0.15),
            (_K.SOCIAL_WORK, 0.10),
            (_K.YOUTH_HEALTH_CARE, 0.05),
            (_K.GENERAL_PRACTITIONER, 0.05),
        ),
    ),
    KindWeights(
        18,
        22,
        (
            (_K.SCHOOL, 0.15),
            (_K.SCHOOL_ATTENDANCE, 0.05),
            (_K.YOUTH_CARE, 0.20),
            (_K.POLICE, 0.25),
            (_K.SOCIAL_WORK, 0.30),
            (_K.GENERAL_PRACTITIONER, 0.05),
        ),
    ),
)


@attrs.frozen
class Assumptions:
    """Every assumption of the simulation, each with its default (see docs/simulation.md).

    Population:

    - ``start``: the first simulated day (a Monday); ages are counted from it.
    - ``youths_zuid_limburg`` / ``youths_country``: youths under 23 at the start, for the
      areas ``"zuid-limburg"`` and ``"country"`` (before ``population_fraction``).
    - ``age_pyramid``: relative number of youths per year of age 0..22.
    - ``household_join_share``: share of youths born into a household that already has a
      child born ``sibling_gap_years`` earlier, up to ``max_children`` (about 1.8
      children under 23 per household).
    - ``single_parent_share``: share of households with one registered parent.

    Need and involvement (the "world", the same for every scenario):

    - ``episode_rates``: new episodes of need per 1,000 youths per year, by age 0..22.
    - ``episode_mean_days``: mean length of an episode (exponential).
    - ``extra_involvements_per_year``: rate at which further professionals get involved
      during an episode (a Poisson process), so youths already linked get more links.
    - ``involvement_mean_days``: mean time one professional stays involved (exponential,
      at most until the episode ends).
    - ``kind_weights``: which kinds of organisation get involved, by age band.
    - ``sibling_share`` / ``sibling_within_days``: share of episodes that also start one
      for a sibling within so many days (this makes family matches).
    - ``cross_region_share``: share of youth-care involvements by an organisation of
      another region (specialised care; this makes cross-region matches).

    What professionals do in the index:

    - ``withdraw_resolved_share``: share who withdraw the link (risk resolved) when their
      involvement ends while it is still active.
    - ``withdraw_unjustified_share`` / ``unjustified_within_days``: share who withdraw the
      link as unjustified within so many days.
    - ``renew_share``: share who register again when their link ends while they are still
      involved.
    - ``working_hours``: links are made at a uniform moment between these local hours.

    Organisations:

    - ``youths_per_school`` / ``youths_per_practice``: one school (GP practice) per so many
      youths of a municipality; a youth has one school, a household one GP practice.
    - ``youths_per_youth_care_organisation``: youth-care organisations per region.
    - ``youths_per_professional`` / ``min_professionals``: professionals per organisation.

    The index:

    - ``sweep_every_days``: how often the sweep runs (weekly by default).
    """

    start: date = attrs.field(default=date(2026, 1, 5), validator=_start)
    youths_zuid_limburg: int = attrs.field(default=130_000, validator=_up_to(_whole, _PEOPLE))
    youths_country: int = attrs.field(default=4_500_000, validator=_up_to(_whole, _PEOPLE))
    age_pyramid: tuple[float, ...] = attrs.field(
        default=AGE_PYRAMID, converter=_floats, validator=_per_age(_PEOPLE)
    )
    household_join_share: float = attrs.field(default=0.8, validator=_probability)
    sibling_gap_years: tuple[int, int] = (1, 6)
    max_children: int = attrs.field(default=4, validator=_up_to(_whole, 20))
    single_parent_share: float = attrs.field(default=0.2, validator=_probability)
    episode_rates: tuple[float, ...] = attrs.field(
        default=EPISODE_RATES, converter=_floats, validator=_per_age(1_000)
    )
    episode_mean_days: float = attrs.field(default=540.0, validator=_up_to(_positive_number, _DAYS))
    extra_involvements_per_year: float = attrs.field(
        default=0.5, validator=_up_to(_non_negative, 52)
    )
    involvement_mean_days: float = attrs.field(
        default=365.0, validator=_up_to(_positive_number, _DAYS)
    )
    kind_weights: tuple[KindWeights, ...] = attrs.field(default=KIND_WEIGHTS, converter=_kind_bands)
    sibling_share: float = attrs.field(default=0.15, validator=_probability)
    sibling_within_days: int = attrs.field(default=90, validator=_up_to(_whole, _DAYS))
    cross_region_share: float = attrs.field(default=0.05, validator=_probability)
    withdraw_resolved_share: float = attrs.field(default=0.3, validator=_probability)
    withdraw_unjustified_share: float = attrs.field(default=0.02, validator=_probability)
    unjustified_within_days: int = attrs.field(default=28, validator=_up_to(_whole, _DAYS))
    renew_share: float = attrs.field(default=0.5, validator=_probability)
    working_hours: tuple[int, int] = attrs.field(default=(8, 17), validator=_hours)
    youths_per_school: int = attrs.field(default=400, validator=_up_to(_whole, _PEOPLE))
    youths_per_practice: int = attrs.field(default=1_000, validator=_up_to(_whole, _PEOPLE))
    youths_per_youth_care_organisation: int = attrs.field(
        default=8_000, validator=_up_to(_whole, _PEOPLE)
    )
    youths_per_professional: int = attrs.field(default=2_000, validator=_up_to(_whole, _PEOPLE))
    min_professionals: int = attrs.field(default=2, validator=_up_to(_whole, 10_000))
    sweep_every_days: int = attrs.field(default=7, validator=_up_to(_whole, 366))

    def __attrs_post_init__(self) -> None:
        low, high = self.sibling_gap_years
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high <= 22):
            raise InvalidRecordError("sibling_gap_years must be (low, high) with 1 <= low <= high")
        if self.withdraw_resolved_share + self.withdraw_unjustified_share > 1:
            raise InvalidRecordError(
                "withdraw_resolved_share + withdraw_unjustified_share must be at most 1"
            )

    def kinds_at(self, age: int) -> KindWeights:
        """The kind weights of the band holding *age*."""
        for band in self.kind_weights:
            if band.min_age <= age <= band.max_age:
                return band
        raise InvalidRecordError(f"no kind weights for age {age}")


def checked(assumptions: Assumptions | None) -> Assumptions:
    """*assumptions*, or the defaults for ``None``; anything else is refused."""
    if assumptions is None:
        return Assumptions()
    if not isinstance(assumptions, Assumptions):
        raise InvalidRecordError("assumptions must be an Assumptions value")
    return assumptions
