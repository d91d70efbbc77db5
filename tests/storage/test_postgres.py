"""The PostgreSQL store passes the store contract, keeps no BSN, and shows tampering."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any, LiteralString

import pytest

from tests.storage.concurrency import (
    BSNS,
    PARENTS,
    check_exactly_one_match,
    check_only_committed_work,
    check_sweep_race,
    die_mid_transaction,
    populate,
    prepare,
    prepare_sweep_race,
    register_from_processes,
    sweep_while_registering,
)
from verwijsindex.storage import Store
from verwijsindex.testing import StoreContract, make_index

pytestmark = pytest.mark.postgres
psycopg = pytest.importorskip("psycopg")
sql = psycopg.sql


def _drop(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


class TestPostgresStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _server(self, postgres_url: str) -> Iterator[None]:
        self.url = postgres_url
        self.schemas: list[str] = []
        yield
        for schema in self.schemas:
            _drop(postgres_url, schema)

    def make_store(self) -> Store:
        from verwijsindex.storage.postgres import PostgresStore

        schema = f"vi_contract_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        return PostgresStore(self.url, schema=schema)

    def stored_text(self, store: Store) -> str | None:
        return _dump(self.url, self.schemas[self.stores.index(store)])


@pytest.fixture
def populated(postgres_url: str, postgres_schema: str) -> str:
    url = _with_schema(postgres_url, postgres_schema)
    populate(url)
    return url


def _dump(postgres_url: str, schema: str) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to search a dump of the database")
    done = subprocess.run(
        [pg_dump, "--no-owner", "--schema", schema, postgres_url],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_no_bsn_anywhere_in_a_dump(populated: str, postgres_url: str, postgres_schema: str) -> None:
    dump = _dump(postgres_url, postgres_schema)
    assert "dossiers" in dump and len(dump) > 10_000
    for bsn in BSNS + PARENTS:
        assert bsn not in dump
        assert bsn.lstrip("0") not in dump
        assert f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}" not in dump


def _execute(url: str, schema: str, query: LiteralString, params: tuple[Any, ...] = ()) -> Any:
    """Run *query* in *schema* behind the store's back; return its rows, if any."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description is not None else None


def _busiest_lane(url: str, schema: str) -> int:
    rows = _execute(
        url,
        schema,
        "SELECT lane FROM log_entries GROUP BY lane ORDER BY count(*) DESC, lane LIMIT 1",
    )
    return int(rows[0][0])


def _verify(url: str) -> bool:
    index = make_index(url)
    try:
        return index.verify_logbook().ok
    finally:
        index.store.close()


def test_tamper_edit(populated: str, postgres_url: str, postgres_schema: str) -> None:
    lane = _busiest_lane(postgres_url, postgres_schema)
    ((data,),) = _execute(
        postgres_url,
        postgres_schema,
        "SELECT data FROM log_entries WHERE lane = %s AND seq = 2",
        (lane,),
    )
    entry = json.loads(data)
    entry["actor"] = "professional:mallory"
    _execute(
        postgres_url,
        postgres_schema,
        "UPDATE log_entries SET data = %s WHERE lane = %s AND seq = 2",
        (json.dumps(entry), lane),
    )
    assert not _verify(populated)


def test_tamper_delete(populated: str, postgres_url: str, postgres_schema: str) -> None:
    lane = _busiest_lane(postgres_url, postgres_schema)
    _execute(
        postgres_url,
        postgres_schema,
        "DELETE FROM log_entries WHERE lane = %s AND seq = 2",
        (lane,),
    )
    assert not _verify(populated)


def test_tamper_reorder(populated: str, postgres_url: str, postgres_schema: str) -> None:
    lane = _busiest_lane(postgres_url, postgres_schema)
    for old, new in ((2, -1), (3, 2), (-1, 3)):
        _execute(
            postgres_url,
            postgres_schema,
            "UPDATE log_entries SET seq = %s WHERE lane = %s AND seq = %s",
            (new, lane, old),
        )
    assert not _verify(populated)


@pytest.mark.slow
def test_processes_registering_one_youth_make_exactly_one_match(
    postgres_url: str, postgres_schema: str
) -> None:
    url = _with_schema(postgres_url, postgres_schema)
    workers = 6
    prepare(url, workers)
    assert register_from_processes(url, workers) == []
    check_exactly_one_match(url, workers)


@pytest.mark.slow
def test_a_sweep_is_safe_while_registrations_run(postgres_url: str, postgres_schema: str) -> None:
    url = _with_schema(postgres_url, postgres_schema)
    prepare_sweep_race(url, 60)
    assert sweep_while_registering(url, 60) == []
    check_sweep_race(url, 60)


@pytest.mark.slow
def test_a_process_that_dies_mid_transaction_leaves_no_trace(
    postgres_url: str, postgres_schema: str
) -> None:
    url = _with_schema(postgres_url, postgres_schema)
    assert die_mid_transaction(url) == 17
    check_only_committed_work(url)
