"""The SQLite store passes the store contract, keeps no BSN, and shows tampering."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

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
from verwijsindex.storage import SQLiteStore, Store
from verwijsindex.testing import StoreContract, make_index


class TestSQLiteFileStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_store(self) -> Store:
        return SQLiteStore(self.folder / f"index-{len(self.stores)}.db")

    def stored_text(self, store: Store) -> str | None:
        assert isinstance(store, SQLiteStore)
        name = f"index-{self.stores.index(store)}.db"
        files = sorted(f for f in self.folder.iterdir() if f.name.startswith(name))
        return b"".join(f.read_bytes() for f in files).decode("latin-1")


class TestSQLiteMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return SQLiteStore(":memory:")


def test_no_bsn_anywhere_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    populate(f"sqlite:///{path}")
    blobs = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.name.startswith("index.db"))
    assert len(blobs) > 10_000
    for bsn in BSNS + PARENTS:
        assert bsn.encode() not in blobs
        assert bsn.lstrip("0").encode() not in blobs
        assert f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}".encode() not in blobs


@pytest.fixture
def tampered_db(tmp_path: Path) -> Path:
    path = tmp_path / "index.db"
    populate(f"sqlite:///{path}")
    index = make_index(f"sqlite:///{path}")
    assert index.verify_logbook().ok
    index.store.close()
    return path


def _busiest_lane(db: sqlite3.Connection) -> int:
    row = db.execute(
        "SELECT lane FROM log_entries GROUP BY lane ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    return int(row[0])


def _verify(path: Path) -> bool:
    index = make_index(f"sqlite:///{path}")
    try:
        return index.verify_logbook().ok
    finally:
        index.store.close()


def test_tamper_edit(tampered_db: Path) -> None:
    with sqlite3.connect(tampered_db) as db:
        lane = _busiest_lane(db)
        (data,) = db.execute(
            "SELECT data FROM log_entries WHERE lane = ? AND seq = 2", (lane,)
        ).fetchone()
        entry = json.loads(data)
        entry["actor"] = "professional:mallory"
        db.execute(
            "UPDATE log_entries SET data = ? WHERE lane = ? AND seq = 2",
            (json.dumps(entry), lane),
        )
    assert not _verify(tampered_db)


def test_tamper_delete(tampered_db: Path) -> None:
    with sqlite3.connect(tampered_db) as db:
        lane = _busiest_lane(db)
        db.execute("DELETE FROM log_entries WHERE lane = ? AND seq = 2", (lane,))
    assert not _verify(tampered_db)


def test_tamper_delete_last(tampered_db: Path) -> None:
    with sqlite3.connect(tampered_db) as db:
        lane = _busiest_lane(db)
        db.execute(
            "DELETE FROM log_entries WHERE lane = ? AND seq = "
            "(SELECT max(seq) FROM log_entries WHERE lane = ?)",
            (lane, lane),
        )
    assert not _verify(tampered_db)


def test_tamper_reorder(tampered_db: Path) -> None:
    with sqlite3.connect(tampered_db) as db:
        lane = _busiest_lane(db)
        db.execute("UPDATE log_entries SET seq = -1 WHERE lane = ? AND seq = 2", (lane,))
        db.execute("UPDATE log_entries SET seq = 2 WHERE lane = ? AND seq = 3", (lane,))
        db.execute("UPDATE log_entries SET seq = 3 WHERE lane = ? AND seq = -1", (lane,))
    assert not _verify(tampered_db)


@pytest.mark.slow
def test_processes_registering_one_youth_make_exactly_one_match(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = 6
    prepare(url, workers)
    assert register_from_processes(url, workers) == []
    check_exactly_one_match(url, workers)


@pytest.mark.slow
def test_a_sweep_is_safe_while_registrations_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    prepare_sweep_race(url, 60)
    assert sweep_while_registering(url, 60) == []
    check_sweep_race(url, 60)


@pytest.mark.slow
def test_a_process_that_dies_mid_transaction_leaves_no_trace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dies.db'}"
    assert die_mid_transaction(url) == 17
    check_only_committed_work(url)
