"""Registering systems whose clocks disagree still make one complete match per youth.

A link committed later may carry an earlier time than a link already stored (each system
reads its own clock). The match must not depend on that order: it holds every active link,
and every professional in it is told of all the others. See :mod:`tests.storage.field`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.storage.field import (
    C_AT,
    Field,
    check_field,
    out_of_order_cast,
    prepare,
    race,
    register_out_of_order,
    with_schema,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.storage import Store, open_store
from verwijsindex.testing import TEST_KEY, FixedClock

PLAN = Field()


def _race_and_check(url: str) -> None:
    prepare(url, PLAN)
    assert race(url, PLAN) == []
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        at = datetime.now(timezone.utc) + timedelta(seconds=max(PLAN.skews))
        report = check_field(index, PLAN.registered(index), at)
        assert report.ok, report.summary()
    finally:
        store.close()


def test_processes_with_skewed_clocks_on_a_sqlite_file(tmp_path: Path) -> None:
    _race_and_check(f"sqlite:///{tmp_path / 'field.db'}")


@pytest.mark.postgres
def test_processes_with_skewed_clocks_on_postgres(postgres_url: str, postgres_schema: str) -> None:
    _race_and_check(with_schema(postgres_url, postgres_schema))


@pytest.fixture(
    params=["memory", "sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / 'clocks.db'}"
    else:
        url = with_schema(
            request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_schema")
        )
    opened = open_store(url)
    yield opened
    opened.close()


def test_a_link_stamped_before_the_match_it_joins(store: Store) -> None:
    """a at 21:07:17.322, b at .417, then c, whose clock reads .197: one match of a, b, c."""
    registered = register_out_of_order(store)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(C_AT))
    report = check_field(index, registered, C_AT)
    assert report.ok, report.summary()
    youth, cast = out_of_order_cast()
    with store.transaction() as tx:
        dossier = tx.load(index.keyring.pseudonym(youth.number))
    assert dossier is not None and dossier.match is not None
    assert sorted(dossier.match.professionals) == sorted(p.id for p, _ in cast)
