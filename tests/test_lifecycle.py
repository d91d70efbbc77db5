"""Stores and the index are context managers; a scenario run under ``-W error`` (and in
Python's development mode) gives no warning, ResourceWarning included."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.storage.conftest import postgres_schema, postgres_url  # noqa: F401 - fixtures
from tests.storage.field import with_schema
from verwijsindex.index import VerwijsIndex
from verwijsindex.storage import MemoryStore, open_store
from verwijsindex.testing import TEST_KEY

SCENARIO = """
from datetime import date, timedelta
from verwijsindex import VerwijsIndex, open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

clock = FixedClock()
with open_store(URL) as store, VerwijsIndex(store, key=TEST_KEY, clock=clock) as index:
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    for pro in (nurse, teacher):
        index.add_organisation(pro.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2014, 1, 1))
    index.register(youth, nurse)
    assert index.register(youth, teacher).match is not None
    claim = index.claim_notifications(10)
    assert index.acknowledge(claim) == 3
    clock.advance(timedelta(days=800))
    index.sweep()
    assert index.verify_logbook().ok
with open_store(URL) as again:
    with again.transaction() as tx:
        assert tx.load("no-such-key") is None
print("done")
"""


@pytest.mark.parametrize(
    "kind",
    [
        "memory",
        "sqlite-file",
        "sqlite-memory",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ],
)
def test_a_scenario_in_with_blocks_warns_of_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "postgres":
        url = with_schema(
            request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_schema")
        )
    else:
        url = {
            "memory": "memory://",
            "sqlite-file": f"sqlite:///{tmp_path / 'index.db'}",
            "sqlite-memory": "sqlite://",
        }[kind]
    code = f"URL = {url!r}\n" + textwrap.dedent(SCENARIO)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done" and done.stderr == ""


def test_close_is_harmless_twice_and_closes_the_store(tmp_path: Path) -> None:
    index = VerwijsIndex(open_store(f"sqlite:///{tmp_path / 'x.db'}"), key=TEST_KEY)
    with index:
        pass
    index.close()
    with pytest.raises(RuntimeError), index.store.transaction():  # StorageError: closed
        pass
    with MemoryStore() as store:
        assert store.transaction() is not None
