"""Factories with readable defaults, and a ``raises`` that needs no test framework."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from verwijsindex.clock import FixedClock
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import (
    Address,
    Gender,
    Organisation,
    Professional,
    Subject,
    parse_bsn,
)
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import ZUID_LIMBURG
from verwijsindex.storage import open_store

__all__ = ["TEST_KEY", "make_index", "make_professional", "make_subject", "raises"]


E = TypeVar("E", bound=BaseException)


@contextmanager
def raises(kind: type[E]) -> Iterator[list[E]]:
    """Like ``pytest.raises``, without needing pytest: the contract runs anywhere."""
    caught: list[E] = []
    try:
        yield caught
    except kind as error:
        caught.append(error)
    else:
        raise AssertionError(f"{kind.__name__} was not raised")


TEST_KEY = PseudonymKey("test-key", b"verwijsindex-test-key-not-secret!")
"""A fixed pseudonym key for tests. Never use it for real data."""


def make_index(url: str = "memory://", *, clock: FixedClock | None = None) -> VerwijsIndex:
    """An index on the store at *url* with the test key and a fixed clock."""
    return VerwijsIndex(open_store(url), key=TEST_KEY, clock=clock or FixedClock())


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def make_subject(
    *,
    bsn: str | None,
    birth_date: date,
    municipality: str = "Maastricht",
    parents: Iterable[str] = (),
    name: str = "Test Jeugdige",
    died_on: date | None = None,
    surname: str | None = None,
    gender: Gender = Gender.UNKNOWN,
    twin: int | None = None,
) -> Subject:
    """A youth with readable defaults, living in *municipality* (name or CBS code). With
    ``bsn=None`` give the *surname*: the youth is known by their service number."""
    found = ZUID_LIMBURG.municipality(municipality)
    return Subject(
        bsn=None if bsn is None else parse_bsn(bsn),
        surname=surname,
        twin=twin,
        name=name,
        gender=gender,
        birth_date=birth_date,
        address=Address(
            street="Teststraat",
            house_number="1",
            postcode="6211 AA",
            city=found.name,
            municipality_code=found.code,
        ),
        parents=tuple(parse_bsn(p) for p in parents),
        died_on=died_on,
    )


def make_professional(
    *, id: str, organisation: str, municipality: str = "Maastricht"
) -> Professional:
    """A professional of *organisation*; the same organisation name gives the same
    organisation (its id is the name in lower case, hyphenated)."""
    found = ZUID_LIMBURG.municipality(municipality)
    slug = _slug(organisation)
    org = Organisation(
        id=slug,
        name=organisation,
        municipality_code=found.code,
        email=f"verwijsindex@{slug}.example",
    )
    return Professional(
        id=id, name=f"Professional {id}", organisation=org, email=f"{_slug(id)}@{slug}.example"
    )
