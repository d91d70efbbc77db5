"""Two siblings' data goes at once, from two processes: their household's signal is left
telling no one of them, and nobody waits on anybody for good (decision 94).

Families of three siblings share a parent; each sibling has a professional of their own,
and a family signal pending for each names the other two. One process records the deaths
of every family's first sibling while another erases every family's second on objection,
released together, in opposite orders of families. Each deletion takes the youth out of
the signal, which writes to the notices filed under the other siblings: the units ask for
their locks and try again (on PostgreSQL two deletions that wrote under each other's keys
without them deadlocked). Afterwards only the third sibling of each family is left, so no
family signal remains, every third sibling keeps their link, and the logbook verifies. On a
SQLite file and on PostgreSQL, with each process on the wall clock.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.storage.concurrency import object_and_erase, run_together
from tests.storage.field import with_schema
from verwijsindex.clock import local_date
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import NotificationKind, Subject
from verwijsindex.storage import open_store
from verwijsindex.testing import TEST_KEY, make_professional, make_subject
from verwijsindex.testing._base import valid_bsns

FAMILIES = 6
PROFESSIONALS = [
    make_professional(id="pa", organisation="GGD Zuid-Limburg"),
    make_professional(id="pb", organisation="MEE Zuid-Limburg"),
    make_professional(id="pc", organisation="Sint Jozefschool"),
]


def _families() -> list[list[Subject]]:
    """Three siblings per family, born 2012, 2013 and 2014, sharing a parent."""
    numbers = valid_bsns(4 * FAMILIES)
    return [
        [
            make_subject(
                bsn=numbers[4 * f + 1 + i],
                birth_date=date(2012 + i, 5, 1),
                parents=[numbers[4 * f]],
            )
            for i in range(3)
        ]
        for f in range(FAMILIES)
    ]


def _prepare(url: str) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        for p in PROFESSIONALS:
            index.add_organisation(p.organisation)
        for family in _families():
            for youth, professional in zip(family, PROFESSIONALS, strict=True):
                index.register(youth, professional)
        signals = [n for n in index.pending_notifications() if n.kind is _FAMILY]
        assert len(signals) == 5 * FAMILIES  # 2 when the second joins, 3 when the third
    finally:
        store.close()


_FAMILY = NotificationKind.FAMILY_MATCH


def _deaths(url: str, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY)
        start.wait(30)
        for family in _families():
            index.record_death(family[0], local_date(index.clock()))
        store.close()
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(repr(error))


def _objections(url: str, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY)
        start.wait(30)
        for family in reversed(_families()):
            object_and_erase(index, family[1], local_date(index.clock()))
        store.close()
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(repr(error))


def _check(url: str) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        assert [n for n in index.pending_notifications() if n.kind is _FAMILY] == []
        assert len(index.links_for("pc")) == FAMILIES  # the third siblings keep theirs
        assert index.links_for("pa") == [] and index.links_for("pb") == []
        assert index.verify_logbook().ok
    finally:
        store.close()


def _race(url: str) -> None:
    _prepare(url)
    assert run_together([(_deaths, (url,)), (_objections, (url,))]) == []
    _check(url)


def test_two_siblings_leave_at_once_on_a_sqlite_file(tmp_path: Path) -> None:
    _race(f"sqlite:///{tmp_path / 'family.db'}")


@pytest.mark.postgres
def test_two_siblings_leave_at_once_on_postgres(postgres_url: str, postgres_schema: str) -> None:
    _race(with_schema(postgres_url, postgres_schema))
