"""Organisations and professionals (instanties en hulpverleners) of a simulated area.

Every region gets the organisations its region file names (for Westelijke Mijnstreek the
six of seed 002), and one of each regional kind it lacks (youth health care, youth care,
social work, police, school attendance); every municipality gets schools and GP
practices by its number of youths. Which organisation is involved with a youth follows
from the youth: their own school, their household's GP practice, their region's police;
only youth care is chosen at random, sometimes from another region.

>>> from verwijsindex.simulation._population import synthetic_population
>>> staff = build_staff(synthetic_population(fraction=0.01, years=0))
>>> staff
<Staff organisations=... professionals=...>
>>> [o.organisation.name for o in staff.organisations if o.kind is OrganisationKind.POLICE]
['Politie Maastricht-Heuvelland', 'Politie Parkstad Limburg', 'Politie Westelijke Mijnstreek']
>>> staff.professional(0, 0).id
'jeugdgezondheidszorg-maastricht-heuvelland-1'
"""

from __future__ import annotations

import random
import re
import unicodedata

import attrs

from verwijsindex.model import Organisation, Professional
from verwijsindex.simulation._assumptions import AGES, Assumptions, OrganisationKind, checked
from verwijsindex.simulation._population import Population

__all__ = ["KNOWN_ORGANISATIONS", "SimulatedOrganisation", "Staff", "build_staff"]

_K = OrganisationKind

#: Organisations named in the region data (seed 002), with their kind and the ages they
#: serve. Orbis Thuis gives youth health care to the youngest (0-3), the GGD from 4.
KNOWN_ORGANISATIONS: dict[str, tuple[OrganisationKind, int, int]] = {
    "Bureau Jeugdzorg Limburg": (_K.YOUTH_CARE, 0, 22),
    "MEE Zuid-Limburg": (_K.YOUTH_CARE, 0, 22),
    "GGD Zuid-Limburg": (_K.YOUTH_HEALTH_CARE, 4, 22),
    "Orbis Thuis": (_K.YOUTH_HEALTH_CARE, 0, 3),
    "Partners in Welzijn": (_K.SOCIAL_WORK, 0, 22),
    "Regionaal Bureau Leerplicht Westelijke Mijnstreek": (_K.SCHOOL_ATTENDANCE, 0, 22),
}

_GENERIC = {
    _K.YOUTH_HEALTH_CARE: "Jeugdgezondheidszorg {region}",
    _K.SOCIAL_WORK: "Welzijnswerk {region}",
    _K.POLICE: "Politie {region}",
    _K.SCHOOL_ATTENDANCE: "Leerplicht {region}",
}

_REGIONAL = (
    _K.YOUTH_HEALTH_CARE,
    _K.YOUTH_CARE,
    _K.SOCIAL_WORK,
    _K.POLICE,
    _K.SCHOOL_ATTENDANCE,
)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:56] or "org"


def _spread(key: int, count: int) -> int:
    """A fixed, well-spread choice of one of *count* for *key* (Knuth's multiplier)."""
    return ((key * 2_654_435_761) & 0xFFFF_FFFF) % count


@attrs.frozen
class SimulatedOrganisation:
    """An organisation with its kind, region, the ages it serves and its staff size."""

    organisation: Organisation
    kind: OrganisationKind
    region: int
    min_age: int
    max_age: int
    professionals: int


class Staff:
    """The organisations and professionals of a population's area."""

    def __init__(
        self,
        population: Population,
        organisations: list[SimulatedOrganisation],
        *,
        cross_region_share: float = 0.0,
    ) -> None:
        self.population = population
        self.organisations = tuple(organisations)
        self.cross_region_share = cross_region_share
        self._local: dict[tuple[OrganisationKind, int], list[int]] = {}
        self._regional: dict[tuple[OrganisationKind, int], list[int]] = {}
        for i, org in enumerate(self.organisations):
            if org.kind in (_K.SCHOOL, _K.GENERAL_PRACTITIONER):
                municipality = self._municipality_index(org.organisation.municipality_code)
                self._local.setdefault((org.kind, municipality), []).append(i)
            else:
                self._regional.setdefault((org.kind, org.region), []).append(i)
        self._professionals: dict[tuple[int, int], Professional] = {}

    def __repr__(self) -> str:
        return f"<Staff organisations={len(self.organisations)} professionals={self.headcount}>"

    def _municipality_index(self, code: str) -> int:
        for i, m in enumerate(self.population.municipalities):
            if m.code == code:
                return i
        raise LookupError(code)  # pragma: no cover - organisations are placed by code

    @property
    def headcount(self) -> int:
        return sum(org.professionals for org in self.organisations)

    def choose(self, rng: random.Random, youth: int, kind: OrganisationKind, age: int) -> int:
        """The organisation (its index) of *kind* that gets involved with *youth* at *age*."""
        p = self.population
        if kind is _K.SCHOOL:
            schools = self._local[(kind, p.municipality_index(youth))]
            return schools[_spread(youth, len(schools))]
        if kind is _K.GENERAL_PRACTITIONER:
            practices = self._local[(kind, p.municipality_index(youth))]
            return practices[_spread(p.household[youth], len(practices))]
        region = p.region_index(youth)
        if kind is _K.YOUTH_CARE:
            regions = len(p.regions)
            if regions > 1 and rng.random() < self.cross_region_share:
                region = (region + 1 + int(rng.random() * (regions - 1))) % regions
            candidates = self._regional[(kind, region)]
            return candidates[int(rng.random() * len(candidates))]
        candidates = self._regional[(kind, region)]
        serving = [
            i
            for i in candidates
            if self.organisations[i].min_age <= age <= self.organisations[i].max_age
        ]
        pool = serving or candidates
        return pool[_spread(youth, len(pool))]

    def professional(self, organisation: int, number: int) -> Professional:
        """Professional *number* of *organisation* (made when first needed)."""
        found = self._professionals.get((organisation, number))
        if found is None:
            org = self.organisations[organisation].organisation
            found = Professional(
                id=f"{org.id}-{number + 1}",
                name=f"Medewerker {number + 1}, {org.name}",
                organisation=org,
                email=f"medewerker{number + 1}@{org.id}.example",
            )
            self._professionals[(organisation, number)] = found
        return found


def build_staff(population: Population, assumptions: Assumptions | None = None) -> Staff:
    """The organisations of *population*'s area, sized by its number of youths."""
    a = checked(assumptions)
    p = population
    total = sum(m.inhabitants or 0 for m in p.municipalities)
    youths = [p.at_start * (m.inhabitants or 0) / total for m in p.municipalities]
    orgs: list[SimulatedOrganisation] = []
    used: set[str] = set()

    def add(
        name: str, kind: OrganisationKind, region: int, municipality: int, ages: tuple[int, int]
    ) -> SimulatedOrganisation:
        slug = base = _slug(name)
        n = 2
        while slug in used:
            slug = f"{base[:52]}-{n}"
            n += 1
        used.add(slug)
        org = SimulatedOrganisation(
            organisation=Organisation(
                id=slug,
                name=name,
                municipality_code=p.municipalities[municipality].code,
                email=f"verwijsindex@{slug}.example",
            ),
            kind=kind,
            region=region,
            min_age=ages[0],
            max_age=ages[1],
            professionals=a.min_professionals,
        )
        orgs.append(org)
        return org

    for r, region in enumerate(p.regions):
        members = [i for i, reg in enumerate(p.region_of) if reg == r]
        seat = max(members, key=lambda i: p.municipalities[i].inhabitants or 0)
        region_youths = sum(youths[i] for i in members)
        start = len(orgs)
        for name in region.organisations:
            kind, low, high = KNOWN_ORGANISATIONS.get(name, (_K.YOUTH_CARE, 0, AGES - 1))
            add(name, kind, r, seat, (low, high))
        kinds = {org.kind for org in orgs[start:]}
        for kind, pattern in _GENERIC.items():
            if kind not in kinds:
                add(pattern.format(region=region.name), kind, r, seat, (0, AGES - 1))
        wanted = max(2, round(region_youths / a.youths_per_youth_care_organisation))
        have = sum(1 for org in orgs[start:] if org.kind is _K.YOUTH_CARE)
        for n in range(have, wanted):
            add(f"Jeugdhulp {region.name} {n + 1}", _K.YOUTH_CARE, r, seat, (0, AGES - 1))
        for kind in _REGIONAL:
            mine = [i for i in range(start, len(orgs)) if orgs[i].kind is kind]
            size = max(a.min_professionals, round(region_youths / a.youths_per_professional))
            for i in mine:
                share = max(a.min_professionals, size // len(mine))
                orgs[i] = attrs.evolve(orgs[i], professionals=share)
        for m in members:
            name = p.municipalities[m].name
            for kind, per, label in (
                (_K.SCHOOL, a.youths_per_school, "School"),
                (_K.GENERAL_PRACTITIONER, a.youths_per_practice, "Huisartsenpraktijk"),
            ):
                count = max(1, round(youths[m] / per))
                size = max(a.min_professionals, round(per / a.youths_per_professional))
                for n in range(count):
                    org = add(f"{label} {n + 1} {name}", kind, r, m, (0, AGES - 1))
                    orgs[-1] = attrs.evolve(org, professionals=size)
    return Staff(p, orgs, cross_region_share=a.cross_region_share)
