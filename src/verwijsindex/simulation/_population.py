"""A synthetic population (synthetische bevolking) of youths, kept compact in arrays.

Youths are numbered in order of birth. For each youth the population keeps three
integers (birth day, household, the next older sibling); for each household its
municipality, number of registered parents and youngest child. A :class:`Subject` with a
BSN is built only when a youth gets a link.

>>> p = synthetic_population(seed=1, fraction=0.001, years=1)
>>> p
<Population zuid-limburg youths=131 born-later=5 households=78>
>>> youth = p.aged(p.start, 14)[0]
>>> p.subject(youth).address.municipality_code == p.municipality(youth).code
True
>>> synthetic_bsn(7), synthetic_bsn(7, base=PARENT_BSN_BASE)
('100000083', '300000078')
>>> area_regions("country").name
'Nederland (Zuid-Limburg scaled)'
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect, bisect_right
from collections.abc import Iterator
from datetime import date

import attrs

from verwijsindex.clock import add_years
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Address, Gender, Subject, parse_bsn
from verwijsindex.regions import ZUID_LIMBURG, Municipality, Regions
from verwijsindex.simulation._assumptions import AGES, Assumptions, checked

__all__ = ["AREAS", "Population", "area_regions", "synthetic_bsn", "synthetic_population"]

#: The areas a population can be drawn for.
AREAS = ("zuid-limburg", "country")

#: First seven digits of the youths' synthetic BSNs, and of their parents'.
YOUTH_BSN_BASE = 1_000_000
PARENT_BSN_BASE = 3_000_000
_PREFIXES = 9_999_999


def synthetic_bsn(number: int, *, base: int = YOUTH_BSN_BASE) -> str:
    """The *number*-th synthetic BSN from *base*: nine digits passing the elfproef.

    Distinct numbers give distinct BSNs: each seven-digit prefix from *base* on has at
    least nine eighth digits whose check digit (the ninth) is 0..9; the *number*-th
    BSN takes prefix ``base + number // 9`` and the ``number % 9``-th of them.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise InvalidRecordError("a synthetic BSN number is a whole number, 0 or more")
    prefix, choice = divmod(number, 9)
    head = base + prefix
    if not 1_000_000 <= head <= _PREFIXES:
        raise InvalidRecordError("synthetic BSN number out of range")
    digits = f"{head:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(9, 2, -1), strict=True))
    seen = 0
    for eighth in range(10):
        check = (total + 2 * eighth) % 11
        if check == 10:
            continue
        if seen == choice:
            return f"{digits}{eighth}{check}"
        seen += 1
    raise AssertionError(
        "unreachable: every prefix has nine valid eighth digits"
    )  # pragma: no cover


def area_regions(area: str, assumptions: Assumptions | None = None) -> Regions:
    """The regions of *area*: Zuid-Limburg itself, or for ``"country"`` Zuid-Limburg's
    three regions and eighteen municipalities with their inhabitants scaled up so that
    they hold the whole country's youths (municipalities outside Zuid-Limburg are not in
    the region data)."""
    a = checked(assumptions)
    if area == "zuid-limburg":
        return ZUID_LIMBURG
    if area == "country":
        factor = a.youths_country / a.youths_zuid_limburg
        return attrs.evolve(
            ZUID_LIMBURG,
            name="Nederland (Zuid-Limburg scaled)",
            regions=tuple(
                attrs.evolve(
                    region,
                    municipalities=tuple(
                        attrs.evolve(m, inhabitants=round((m.inhabitants or 0) * factor))
                        for m in region.municipalities
                    ),
                )
                for region in ZUID_LIMBURG
            ),
        )
    raise InvalidRecordError(f"unknown area {area!r}; known: {', '.join(AREAS)}")


@attrs.frozen(eq=False, repr=False)
class Population:
    """Youths under 23 on ``start`` and those born until ``end``, in order of birth.

    Build one with :func:`synthetic_population`. Youth ``i`` has a birth day, a household
    (its municipality and one or two registered parents) and siblings; :meth:`subject`
    turns a youth into the :class:`~verwijsindex.model.Subject` that the index registers.
    """

    regions: Regions
    area: str
    start: date
    end: date
    seed: int
    fraction: float
    at_start: int
    municipalities: tuple[Municipality, ...]
    region_of: tuple[int, ...]
    birth: array[int]
    household: array[int]
    prev_sibling: array[int]
    household_municipality: array[int]
    household_parents: array[int]
    household_last_child: array[int]

    def __repr__(self) -> str:
        return (
            f"<Population {self.area} youths={self.at_start} born-later="
            f"{len(self) - self.at_start} households={self.households}>"
        )

    def __len__(self) -> int:
        return len(self.birth)

    @property
    def households(self) -> int:
        return len(self.household_municipality)

    # -- ages -----------------------------------------------------------------------------------

    def birth_date(self, youth: int) -> date:
        return date.fromordinal(self.birth[youth])

    def aged(self, day: date, age: int) -> range:
        """The youths who are *age* on *day* (born in the year up to *age* years before)."""
        low = add_years(day, -(age + 1)).toordinal()
        high = add_years(day, -age).toordinal()
        return range(bisect_right(self.birth, low), bisect_right(self.birth, high))

    def under(self, day: date, age_limit: int = AGES) -> range:
        """The youths born by *day* and younger than *age_limit* on it."""
        low = add_years(day, -age_limit).toordinal()
        high = day.toordinal()
        return range(bisect_right(self.birth, low), bisect_right(self.birth, high))

    # -- households -------------------------------------------------------------------------------

    def siblings(self, youth: int) -> Iterator[int]:
        """The youth's siblings in the population (any age), youngest first."""
        other = self.household_last_child[self.household[youth]]
        while other >= 0:
            if other != youth:
                yield other
            other = self.prev_sibling[other]

    def municipality_index(self, youth: int) -> int:
        return self.household_municipality[self.household[youth]]

    def municipality(self, youth: int) -> Municipality:
        return self.municipalities[self.municipality_index(youth)]

    def region_index(self, youth: int) -> int:
        return self.region_of[self.municipality_index(youth)]

    # -- what the index sees ---------------------------------------------------------------------

    def bsn(self, youth: int) -> str:
        return synthetic_bsn(youth)

    def parent_bsns(self, youth: int) -> tuple[str, ...]:
        h = self.household[youth]
        return tuple(
            synthetic_bsn(2 * h + k, base=PARENT_BSN_BASE) for k in range(self.household_parents[h])
        )

    def subject(self, youth: int) -> Subject:
        """The youth as the population register would give them to the index."""
        h = self.household[youth]
        m = self.household_municipality[h]
        municipality = self.municipalities[m]
        return Subject(
            bsn=parse_bsn(self.bsn(youth)),
            name=f"Jeugdige {youth}",
            gender=Gender.FEMALE if youth % 2 else Gender.MALE,
            birth_date=self.birth_date(youth),
            address=Address(
                street="Simulatiestraat",
                house_number=str(h % 9_999 + 1),
                postcode=f"{6_200 + m % 3_700:04d} AB",
                city=municipality.name,
                municipality_code=municipality.code,
            ),
            parents=tuple(parse_bsn(p) for p in self.parent_bsns(youth)),
        )


def _check_fraction(fraction: float) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1:
        raise InvalidRecordError("population fraction must be a number above 0 and at most 1")
    return float(fraction)


def synthetic_population(
    area: str = "zuid-limburg",
    *,
    seed: int = 0,
    fraction: float = 1.0,
    years: int = 5,
    assumptions: Assumptions | None = None,
) -> Population:
    """Draw the youths of *area* (``"zuid-limburg"`` or ``"country"``) under 23 on
    ``assumptions.start``, times *fraction*, plus those born in the *years* after.

    Ages follow ``assumptions.age_pyramid``; municipalities are weighted by their
    inhabitants; a youth joins the household of a child born 1 to 6 years earlier
    (``household_join_share``), else starts one, with one or two parents.
    """
    a = checked(assumptions)
    share = _check_fraction(fraction)
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise InvalidRecordError("years must be a whole number, 0 or more")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidRecordError("seed must be a whole number")
    regions = area_regions(area, a)
    municipalities = regions.municipalities()
    region_names = [r.name for r in regions]
    region_of = tuple(
        region_names.index(regions.region_of_municipality(m.code).name) for m in municipalities
    )
    weights = [m.inhabitants or 0 for m in municipalities]
    if not sum(weights) > 0:
        raise InvalidRecordError(f"the municipalities of {area} have no inhabitants")
    cumulative: list[float] = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    youths = a.youths_zuid_limburg if area == "zuid-limburg" else a.youths_country
    target = max(1, round(youths * share))
    rng = random.Random(f"verwijsindex-population:{area}:{seed}")
    birth = _births(rng, a, target, years)
    at_start = bisect_right(birth, a.start.toordinal())
    household, prev, hh_municipality, hh_parents, hh_last = _households(
        rng, a, birth, cumulative, running
    )
    return Population(
        regions=regions,
        area=area,
        start=a.start,
        end=add_years(a.start, years),
        seed=seed,
        fraction=share,
        at_start=at_start,
        municipalities=municipalities,
        region_of=region_of,
        birth=birth,
        household=household,
        prev_sibling=prev,
        household_municipality=hh_municipality,
        household_parents=hh_parents,
        household_last_child=hh_last,
    )


def _births(rng: random.Random, a: Assumptions, target: int, years: int) -> array[int]:
    """Birth days in ascending order: the cohorts aged 22 down to 0 on the start day,
    then one cohort of age-0 size for each simulated year."""
    total = sum(a.age_pyramid)
    sizes = [round(target * w / total) for w in a.age_pyramid]
    cohorts: list[tuple[date, date, int]] = [
        (add_years(a.start, -(age + 1)), add_years(a.start, -age), sizes[age])
        for age in range(AGES - 1, -1, -1)
    ]
    cohorts += [
        (add_years(a.start, year - 1), add_years(a.start, year), sizes[0])
        for year in range(1, years + 1)
    ]
    birth: array[int] = array("i")
    random_ = rng.random
    for after, until, size in cohorts:
        low = after.toordinal() + 1
        span = until.toordinal() - after.toordinal()
        birth.extend(sorted(low + int(random_() * span) for _ in range(size)))
    return birth


def _households(
    rng: random.Random,
    a: Assumptions,
    birth: array[int],
    cumulative: list[float],
    total: float,
) -> tuple[array[int], array[int], array[int], array[int], array[int]]:
    """Group youths into households in one pass in order of birth."""
    n = len(birth)
    household: array[int] = array("i", bytes(4 * n))
    prev: array[int] = array("i", bytes(4 * n))
    hh_municipality: array[int] = array("H")
    hh_parents: array[int] = array("B")
    hh_last: array[int] = array("i")
    hh_size: array[int] = array("B")
    most = a.max_children
    gap_low = round(a.sibling_gap_years[0] * 365.25)
    gap_high = round(a.sibling_gap_years[1] * 365.25)
    join = a.household_join_share
    single = a.single_parent_share
    random_ = rng.random
    first = last = 0
    for i in range(n):
        born = birth[i]
        while first < i and birth[first] < born - gap_high:
            first += 1
        while last < i and birth[last] <= born - gap_low:
            last += 1
        if last > first and random_() < join:
            h = household[first + int(random_() * (last - first))]
            youngest = hh_last[h]
            size = hh_size[h]
            # a household is picked through one of its children: accept with 1/size so
            # large households are not favoured
            if birth[youngest] <= born - gap_low and size < most and random_() * size < 1:
                household[i] = h
                prev[i] = youngest
                hh_last[h] = i
                hh_size[h] += 1
                continue
        household[i] = len(hh_last)
        prev[i] = -1
        hh_last.append(i)
        hh_size.append(1)
        hh_municipality.append(bisect(cumulative, random_() * total) if total else 0)
        hh_parents.append(1 if random_() < single else 2)
    return household, prev, hh_municipality, hh_parents, hh_last
