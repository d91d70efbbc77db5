"""A database written under schema version 1 opens, migrates and keeps working.

Version 1 had no key check values, no sealed heads and no log token or sealed count beside
each dossier. The test writes a store with today's code, takes it back to version 1 (the
columns and table dropped, the dossiers' JSON without the fields version 1 did not have),
then opens it again: the store migrates, the first index seals what it finds (decision 31),
and the logbook verifies, the access report reads, and registrations go on.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Recipient
from verwijsindex.privacy import RequestKind, access_report, file_request
from verwijsindex.roles import RightsOfficer
from verwijsindex.storage import open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BSNS = ["111222333", "123456782"]
NEW_IN_2 = ("changed_at", "logged", "log_seal")


def _fill(url: str) -> None:
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    pros = [
        make_professional(id="p1", organisation="GGD Zuid-Limburg"),
        make_professional(id="p2", organisation="MEE Zuid-Limburg"),
    ]
    for p in pros:
        index.add_organisation(p.organisation)
    for bsn in BSNS:
        for p in pros:
            index.register(make_subject(bsn=bsn, birth_date=date(2014, 1, 1)), p)
    store.close()


def _old_json(data: str) -> str:
    dossier = json.loads(data)
    for name in NEW_IN_2:
        dossier.pop(name, None)
    return json.dumps(dossier)


def _check(url: str) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        assert index.verify_logbook().ok
        youth = make_subject(bsn=BSNS[0], birth_date=date(2014, 1, 1))
        request = file_request(
            RequestKind.ACCESS,
            youth,
            {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
            received_on=START.date(),
        )
        report = access_report(index, request, by=RightsOfficer("0935"))
        assert {e.action.value for e in report.log} >= {"registered", "signalled"}
        teacher = make_professional(id="p3", organisation="Sint Jozefschool")
        index.add_organisation(teacher.organisation)
        again = index.register(youth, teacher)
        assert again.match is not None and len(again.match.professionals) == 3
        assert index.verify_logbook().ok
        with pytest.raises(Exception, match="another secret"):
            VerwijsIndex(store, key=type(TEST_KEY)(TEST_KEY.id, b"x" * 32))
    finally:
        store.close()


def test_a_sqlite_database_of_version_1_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    _fill(url)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key, data FROM dossiers").fetchall()
        for key, data in rows:
            db.execute("UPDATE dossiers SET data = ? WHERE key = ?", (_old_json(data), key))
        db.execute("DROP INDEX dossiers_log_token")
        for column in ("log_token", "logged", "log_seal"):
            db.execute(f"ALTER TABLE dossiers DROP COLUMN {column}")
        db.execute("ALTER TABLE log_heads DROP COLUMN seal")
        db.execute("DROP TABLE key_checks")
        db.execute("UPDATE schema_version SET version = 1")
    db.close()
    _check(url)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert db.execute("SELECT count(*) FROM dossiers WHERE log_token IS NULL").fetchone() == (
            0,
        )
    db.close()


@pytest.fixture
def postgres_url_with_schema(postgres_url: str) -> Iterator[tuple[str, Callable[..., Any]]]:
    psycopg = pytest.importorskip("psycopg")
    schema = f"vi_migrate_{uuid.uuid4().hex[:12]}"

    def run(query: Any, params: Any = ()) -> list[Any]:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("SELECT set_config('search_path', %s, false)", [schema])
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description is not None else []

    yield f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}", run
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                psycopg.sql.Identifier(schema)
            )
        )


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_1_is_migrated(
    postgres_url_with_schema: tuple[str, Callable[..., Any]],
) -> None:
    url, run = postgres_url_with_schema
    _fill(url)
    for key, data in run("SELECT key, data FROM dossiers"):
        run("UPDATE dossiers SET data = %s WHERE key = %s", [_old_json(data), key])
    run("DROP INDEX dossiers_log_token")
    run("ALTER TABLE dossiers DROP COLUMN log_token, DROP COLUMN logged, DROP COLUMN log_seal")
    run("ALTER TABLE log_heads DROP COLUMN seal")
    run("DROP TABLE key_checks")
    run("UPDATE schema_version SET version = 1")
    _check(url)
    assert run("SELECT version FROM schema_version") == [(2,)]
    assert run("SELECT count(*) FROM dossiers WHERE log_token IS NULL") == [(0,)]
