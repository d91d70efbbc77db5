"""Synthetic but realistic inputs: valid BSNs, youths, professionals, registrations.

Everything is drawn from a seeded :class:`random.Random`, so every run and every backend
sees the same data. Youths live in the sixteen municipalities of Zuid-Limburg, are 0 to
22 years old, mostly have one or two registered parents, and carry varied names and
addresses (no cache anywhere can profit from repeated values that real data lacks).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from verwijsindex.clock import local_date
from verwijsindex.importing import ImportRecord
from verwijsindex.model import Address, Gender, Organisation, Professional, Subject, parse_bsn
from verwijsindex.regions import ZUID_LIMBURG

__all__ = [
    "NOW",
    "Registration",
    "World",
    "historic_records",
    "iter_bsns",
    "make_world",
    "registrations",
    "valid_bsns",
]

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
"""The benchmarks' fixed clock: the date of docs/performance.md."""

TODAY = local_date(NOW)

_WEIGHTS = (1, 2, 3, 7, 13, 17, 19, 23)
_FIRST = [
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fenna",
    "Gijs",
    "Hannah",
    "Ilse",
    "Jayden",
    "Julia",
    "Lars",
    "Lieke",
    "Luuk",
    "Milan",
    "Noah",
    "Nora",
    "Olivia",
    "Roos",
    "Sem",
    "Sophie",
    "Stijn",
    "Tess",
    "Thijs",
    "Yara",
    "Zoë",
    "Mila",
    "Finn",
    "Sara",
    "Levi",
    "Lotte",
]
_LAST = [
    "Bakker",
    "Beckers",
    "Bosch",
    "Claessens",
    "Dassen",
    "Dohmen",
    "Frissen",
    "Hermans",
    "Hendriks",
    "Janssen",
    "Jacobs",
    "Kleinen",
    "Kusters",
    "Lemmens",
    "Meijers",
    "Notermans",
    "Peeters",
    "Ramakers",
    "Schepers",
    "Smeets",
    "Stassen",
    "Vaessen",
    "Vliegen",
    "Willems",
    "Wetzels",
]
_STREETS = [
    "Kerkstraat",
    "Molenweg",
    "Schoolstraat",
    "Dorpstraat",
    "Akerstraat",
    "Rijksweg",
    "Markt",
    "Hoogstraat",
    "Putstraat",
    "Kloosterweg",
    "Beekstraat",
    "Heerenweg",
    "Maasboulevard",
    "Stationsstraat",
    "Veldstraat",
]
_LETTERS = "ABCEFGHJKLMNPRTVWXZ"


def iter_bsns(start: int) -> Iterator[str]:
    """Valid BSNs (elfproef), from eight-digit prefix *start* upwards."""
    prefix = start
    while True:
        digits = f"{prefix:08d}"
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            yield digits + str(check)
        prefix += 1


def valid_bsns(start: int, count: int) -> list[str]:
    """*count* distinct valid BSNs, from eight-digit prefix *start* upwards."""
    return list(itertools.islice(iter_bsns(start), count))


@dataclass(frozen=True)
class World:
    """Organisations and professionals, spread over Zuid-Limburg."""

    organisations: tuple[Organisation, ...]
    professionals: tuple[Professional, ...]


def make_world(professionals: int, organisations: int, seed: int = 1) -> World:
    """*professionals* professionals in *organisations* organisations (round robin)."""
    rng = random.Random(seed)
    places = ZUID_LIMBURG.municipalities()
    orgs = tuple(
        Organisation(
            id=f"org-{i}",
            name=f"Organisatie {i}",
            municipality_code=rng.choice(places).code,
            email=f"verwijsindex@org-{i}.example",
        )
        for i in range(organisations)
    )
    pros = tuple(
        Professional(
            id=f"p{i}",
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            organisation=orgs[i % organisations],
            email=f"p{i}@org-{i % organisations}.example",
        )
        for i in range(professionals)
    )
    return World(orgs, pros)


def _postcode(rng: random.Random) -> str:
    return f"{rng.randint(6200, 6499)} {rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"


def _subject(rng: random.Random, bsn: str, parents: Sequence[str]) -> Subject:
    place = rng.choice(ZUID_LIMBURG.municipalities())
    age_days = rng.randint(30, 22 * 365)
    return Subject(
        bsn=parse_bsn(bsn),
        name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        gender=rng.choice((Gender.MALE, Gender.FEMALE)),
        birth_date=TODAY - timedelta(days=age_days),
        address=Address(
            street=rng.choice(_STREETS),
            house_number=str(rng.randint(1, 250)),
            postcode=_postcode(rng),
            city=place.name,
            municipality_code=place.code,
        ),
        parents=tuple(parse_bsn(p) for p in parents),
    )


def _links_per_youth(rng: random.Random) -> int:
    """1 link for 60 % of youths, 2 for 25 %, 3 for 10 %, 4 for 5 % (1.6 on average)."""
    roll = rng.random()
    return 1 if roll < 0.60 else 2 if roll < 0.85 else 3 if roll < 0.95 else 4


@dataclass(frozen=True)
class Registration:
    subject: Subject
    professional: Professional


def _youths(
    rng: random.Random, world: World, links: int, bsn_start: int
) -> Iterator[tuple[Subject, list[Professional]]]:
    """Youths with their professionals, until *links* links are handed out.

    Parents' BSNs come from a range of their own; about one youth in ten shares a
    parent with the youth before (siblings), which is what family matching looks at.
    """
    parent_bsns = iter_bsns(bsn_start + 30_000_000)
    youth_bsns = iter_bsns(bsn_start)
    given = 0
    previous: list[str] = []
    while given < links:
        count = min(_links_per_youth(rng), links - given)
        roll = rng.random()
        if roll < 0.10 and previous:
            parents = previous
        elif roll < 0.85:
            parents = [next(parent_bsns) for _ in range(rng.choice((1, 2, 2)))]
        else:
            parents = []
        previous = parents
        chosen: dict[str, Professional] = {}
        while len(chosen) < count:
            p = rng.choice(world.professionals)
            chosen.setdefault(p.id, p)
        given += count
        yield _subject(rng, next(youth_bsns), parents), list(chosen.values())


def registrations(world: World, links: int, *, bsn_start: int, seed: int) -> list[Registration]:
    """*links* registrations on fresh youths; a youth's later links come some time after
    its first, so about a third of the registrations join or make a match."""
    rng = random.Random(seed)
    out: list[Registration] = []
    pool: list[Registration] = []
    for subject, pros in _youths(rng, world, links, bsn_start):
        out.append(Registration(subject, pros[0]))
        pool.extend(Registration(subject, p) for p in pros[1:])
        while pool and rng.random() < 0.4:
            out.append(pool.pop(rng.randrange(len(pool))))
    rng.shuffle(pool)
    out.extend(pool)
    return out


def historic_records(
    world: World, links: int, *, bsn_start: int, seed: int
) -> Iterator[ImportRecord]:
    """*links* historical links for a migration, made in the last 700 days (and after the
    youth's birth), each youth's links together, a month apart; the default end date (two
    years after the link was made) applies."""
    rng = random.Random(seed)
    for subject, pros in _youths(rng, world, links, bsn_start):
        born = datetime.combine(subject.birth_date, time(12), tzinfo=timezone.utc)
        first = max(NOW - timedelta(days=rng.uniform(1, 700)), born + timedelta(days=1))
        for n, p in enumerate(pros):
            made = min(NOW - timedelta(minutes=1), first + timedelta(days=30 * n))
            yield ImportRecord(subject=subject, professional=p, created_at=made)
