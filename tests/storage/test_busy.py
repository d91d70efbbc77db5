"""The logbook checks on a busy store: ``verify_logbook`` and an anchor taken while other
threads register report nothing on a store nobody tampered with. (Read in separate
statements, the heads, the entries and the seals came from different moments, and a
clean PostgreSQL store was reported as tampered with about one time in six.)"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.storage.concurrency import many_youths
from verwijsindex.index import VerwijsIndex
from verwijsindex.storage import Store, open_store
from verwijsindex.testing import TEST_KEY, make_professional


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'busy.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    psycopg: Any = pytest.importorskip("psycopg")
    schema = f"vi_busy_{uuid.uuid4().hex[:12]}"
    yield f"{base}{'&' if '?' in base else '?'}schema={schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        drop = psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
        conn.execute(drop.format(psycopg.sql.Identifier(schema)))


def test_the_logbook_verifies_while_others_write(url: str) -> None:
    stores: list[Store] = [open_store(url) for _ in range(3)]
    indexes = [VerwijsIndex(store, key=TEST_KEY) for store in stores]
    pros = [make_professional(id=f"p{n}", organisation=f"Organisatie {n}") for n in range(2)]
    for p in pros:
        indexes[0].add_organisation(p.organisation)
    youths = many_youths(40)
    failures: list[BaseException] = []

    def write(index: VerwijsIndex, pro: Any) -> None:
        try:
            for youth in youths:
                index.register(youth, pro)
        except BaseException as error:  # reported below
            failures.append(error)

    writers = [threading.Thread(target=write, args=(indexes[n], pros[n])) for n in range(2)]
    for thread in writers:
        thread.start()
    reports = []
    while any(thread.is_alive() for thread in writers):
        reports.append(indexes[2].verify_logbook())
        anchor = indexes[2].logbook_anchor()
        reports.append(indexes[2].verify_logbook(anchor=anchor))
    for thread in writers:
        thread.join()
    assert not failures
    assert len(reports) >= 2
    assert [r.problems for r in reports if not r.ok] == []
    assert indexes[2].verify_logbook().ok
    for store in stores:
        store.close()
