"""The benchmarks' raw baselines write what the library writes.

A ratio to a raw baseline means something only when the baseline does the same work:
here the library registers a mix of youths on a store, and the hand-written replay of the
same registrations (recorded on a memory store) writes a second store of the same
backend. Every table must end up with as many rows (and the statistics with the same
counts, and the logbook's lanes with as many entries and seals) on both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks._common import add_organisations
from benchmarks._data import NOW, make_world, registrations
from benchmarks._raw import PostgresReplay, RecordedTransaction, RecordingStore, SQLiteReplay
from verwijsindex.clock import FixedClock
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import Rules
from verwijsindex.storage import Store
from verwijsindex.testing import TEST_KEY

_TABLES = (
    "dossiers",
    "dossier_links",
    "dossier_matches",
    "dossier_professionals",
    "dossier_parents",
    "dossier_addresses",
    "professionals",
    "outbox",
    "log_entries",
    "log_refs",
    "stat_counts",
)
_FIGURES = (
    *(f"SELECT count(*) FROM {table}" for table in _TABLES),
    "SELECT coalesce(sum(count), 0) FROM stat_counts",
    "SELECT count(*) FROM dossiers WHERE log_token IS NOT NULL AND log_seal IS NOT NULL",
    "SELECT count(*) FROM dossiers WHERE follow_up_due IS NOT NULL",
    "SELECT count(*) FROM log_heads WHERE seal <> ''",
    "SELECT coalesce(sum(seq), 0) FROM log_heads",
    "SELECT coalesce(sum(logged), 0) FROM dossiers",
    "SELECT count(recipient) FROM outbox",
)
_RULES = Rules(address_match=True)
"""With the address match on (off by default), so that dwellings are looked up and filed."""


def _index(store: Any) -> VerwijsIndex:
    return VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(NOW), rules=_RULES)


def _registered(open_store: Callable[[], Store], n: int) -> tuple[Any, list[RecordedTransaction]]:
    """The library's registrations on a store, and what the same ones read and write,
    recorded on a memory store, one transaction each."""
    world = make_world(professionals=40, organisations=8)
    regs = registrations(world, n, bsn_start=30_000_000, seed=5)
    store = open_store()
    index = _index(store)  # first: it records the address match on (decision 124)
    add_organisations(store, world)
    for r in regs:
        index.register(r.subject, r.professional)
    store.close()
    recorder = RecordingStore()
    recording = _index(recorder)
    add_organisations(recorder, world)
    recorder.take()
    for r in regs:
        recording.register(r.subject, r.professional)
    recorded = recorder.take()
    assert any(op[0] == "address" for tx in recorded for op in tx.ops)
    return world, recorded


def _has_every_kind(figures: list[Any]) -> None:
    """The mix writes matches, dwellings, notifications, statistics and sealed lanes."""
    for table in ("dossier_matches", "dossier_addresses", "outbox", "log_refs", "stat_counts"):
        assert figures[_TABLES.index(table)] > 0, table
    assert figures[_FIGURES.index("SELECT count(*) FROM log_heads WHERE seal <> ''")] > 0


def _figures(execute: Callable[[str], Any]) -> list[Any]:
    return [execute(query) for query in _FIGURES]


def test_the_sqlite_replay_writes_what_the_library_writes(tmp_path: Path) -> None:
    import sqlite3

    from verwijsindex.storage import SQLiteStore

    ours = tmp_path / "ours.db"
    world, recorded = _registered(lambda: SQLiteStore(ours), 120)
    raw = tmp_path / "raw.db"
    store = SQLiteStore(raw)
    add_organisations(store, world)
    store.close()
    replay = SQLiteReplay(str(raw))
    for tx in recorded:
        replay.run(tx)
    replay.close()

    def figures(path: Path) -> list[Any]:
        db = sqlite3.connect(path)
        try:
            return _figures(lambda q: db.execute(q).fetchone()[0])
        finally:
            db.close()

    expected = figures(ours)
    _has_every_kind(expected)
    assert figures(raw) == expected


@pytest.mark.postgres
@pytest.mark.parametrize(
    "pipelined", [False, True], ids=["a statement a round trip", "3 pipelines"]
)
def test_the_postgres_replay_writes_what_the_library_writes(
    postgres_url: str, pipelined: bool
) -> None:
    import uuid

    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    from verwijsindex.storage.postgres import PostgresStore

    ours, raw = (f"vi_test_{uuid.uuid4().hex}" for _ in range(2))
    try:
        world, recorded = _registered(lambda: PostgresStore(postgres_url, schema=ours), 120)
        store = PostgresStore(postgres_url, schema=raw)
        add_organisations(store, world)
        store.close()
        replay = PostgresReplay(postgres_url, raw, pipelined=pipelined)
        for tx in recorded:
            replay.run(tx)
        replay.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:

            def figures(schema: str) -> list[Any]:
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
                return _figures(lambda q: conn.execute(q).fetchone()[0])

            expected = figures(ours)
            _has_every_kind(expected)
            assert figures(raw) == expected
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for schema in (ours, raw):
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )
