"""Tests of the SQLite store that only it needs: schema, pragmas, driver errors, threads.

The behaviour every store shares is checked by the contract suite; these tests look at
the database underneath with a raw :mod:`sqlite3` connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verwijsindex.errors import CorruptRecordError, SchemaVersionError, StorageError
from verwijsindex.model import (
    Match,
    MatchKind,
)
from verwijsindex.storage import (
    Dossier,
    Store,
    Transaction,
    open_store,
)
from verwijsindex.storage.memory import MemoryStore
from verwijsindex.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStore
from verwijsindex.testing._records import (
    T0,
    dossier,
    entry,
    full_dossier,
    link,
    notification,
    organisation,
    professional,
)

SIDE_TABLES = ("dossier_links", "dossier_matches", "dossier_professionals", "dossier_parents")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "verwijsindex.db"


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, db_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db_path) if request.param == "file" else SQLiteStore()
    yield s
    s.close()


@pytest.fixture
def file_store(db_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db_path)
    yield s
    s.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def count(path: Path, table: str) -> int:
    with raw(path) as db:
        (n,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    db.close()
    assert isinstance(n, int)
    return n


# --- the store as a Store ------------------------------------------------------------------------


def test_is_a_store_and_opens_by_url(db_path: Path) -> None:
    memory: Store = SQLiteStore()
    assert isinstance(memory, Store)
    memory.close()
    by_url = open_store(f"sqlite:///{db_path}")
    assert isinstance(by_url, SQLiteStore)
    assert repr(by_url) == f"SQLiteStore({str(db_path)!r})"
    by_url.close()


def test_repr_shows_the_path_only(db_path: Path) -> None:
    s = SQLiteStore(db_path, timeout=1.5)
    assert repr(s) == f"SQLiteStore({str(db_path)!r})"
    s.close()
    assert repr(SQLiteStore()) == "SQLiteStore(':memory:')"


# --- dossiers ------------------------------------------------------------------------------------


def test_dossier_row_has_no_bsn_and_iso_dates(file_store: SQLiteStore, db_path: Path) -> None:
    with file_store.transaction() as tx:
        tx.save(full_dossier())
    with raw(db_path) as db:
        row = db.execute("SELECT key, data, sweep_due, information_due FROM dossiers").fetchone()
    db.close()
    assert row[0] == "k1"
    assert (row[2], row[3]) == ("2026-05-01", "2026-04-01")
    assert "bsn" not in row[1].lower()


KEYS = ("k1", "k2", "k3")
Op = tuple[str, str, frozenset[int], frozenset[int], frozenset[int], bool]
ops = st.lists(
    st.tuples(
        st.sampled_from(["save", "save", "load", "delete", "commit"]),
        st.sampled_from(KEYS),
        st.frozensets(st.integers(0, 4), max_size=3),  # links, by number
        st.frozensets(st.integers(0, 2), max_size=2),  # parents
        st.frozensets(st.integers(0, 2), max_size=2),  # professionals for the links
        st.booleans(),  # with a match
    ),
    max_size=30,
)


def sample_dossier(
    key: str, links: frozenset[int], parents: frozenset[int], profs: frozenset[int], matched: bool
) -> Dossier:
    """A dossier for *key*; its link ids carry the key, so no two dossiers share one."""
    prof = sorted(profs or {0})
    made = tuple(
        attrs.evolve(link(n, key, prof[n % len(prof)]), id=f"L{key}-L{n}") for n in sorted(links)
    )
    base = dossier(key, links=made, parents=tuple(f"parent-{p}" for p in sorted(parents)))
    match = None
    if matched:
        match = Match(
            id=f"M{key}",
            subject=key,
            links=tuple(x.id for x in made),
            professionals=tuple(x.professional for x in made),
            kind=MatchKind.SUBJECT,
            created_at=T0,
            updated_at=T0,
        )
    return attrs.evolve(base, match=match)


def look_ups(tx: Transaction) -> object:
    return (
        {k: tx.load(k) for k in KEYS},
        {f"L{k}-L{n}": tx.key_for_link(f"L{k}-L{n}") for k in KEYS for n in range(5)},
        {k: tx.key_for_match(f"M{k}") for k in KEYS},
        {p: tx.keys_for_professional(f"P{p}") for p in range(3)},
        {p: tx.keys_for_parent(f"parent-{p}") for p in range(3)},
    )


@settings(max_examples=60)
@given(ops)
def test_side_indexes_agree_with_the_memory_store(operations: list[Op]) -> None:
    memory, sqlite = MemoryStore(), SQLiteStore()
    stores: tuple[Store, Store] = (memory, sqlite)
    batches: list[list[Op]] = [[]]
    for op in operations:
        if op[0] == "commit":
            batches.append([])
        else:
            batches[-1].append(op)
    for batch in batches:
        seen = []
        for one in stores:
            with one.transaction() as tx:
                for kind, key, links, parents, profs, matched in batch:
                    if kind == "save":
                        tx.save(sample_dossier(key, links, parents, profs, matched))
                    elif kind == "load":
                        tx.load(key)
                    else:
                        tx.delete(key)
                inside = look_ups(tx)
            with one.transaction() as tx:
                assert look_ups(tx) == inside
            seen.append(inside)
        assert seen[0] == seen[1]
    sqlite.close()


def test_delete_leaves_no_side_rows_but_keeps_outbox_and_log(
    file_store: SQLiteStore, db_path: Path
) -> None:
    with file_store.transaction() as tx:
        tx.save(full_dossier("k1"))
        tx.add_notifications([("k1", notification(1))])
        tx.append_log([entry(0, 1, token="t1")], [("t1", "e0-1")])
    with file_store.transaction() as tx:
        tx.delete("k1")
    for table in ("dossiers", *SIDE_TABLES):
        assert count(db_path, table) == 0, table
    with file_store.transaction() as tx:
        assert tx.notifications_for("k1") == [notification(1)]
        assert [e.id for e in tx.log_entries_for("t1")] == ["e0-1"]


# --- organisations, professionals, outbox ---------------------------------------------------------


# --- logbook -------------------------------------------------------------------------------------


def test_log_head_is_stored_not_derived(file_store: SQLiteStore, db_path: Path) -> None:
    with file_store.transaction() as tx:
        tx.append_log([entry(4, 1), entry(4, 2)], [])
    with raw(db_path) as db:
        db.execute("DELETE FROM log_entries WHERE lane = 4 AND seq = 2")
    db.close()
    with file_store.transaction() as tx:
        assert tx.log_head(4) == (2, "h4-2")
        assert [e.seq for e in tx.log_entries()] == [1]


def test_duplicate_log_entry_is_a_storage_error(store: SQLiteStore) -> None:
    with store.transaction() as tx:
        tx.append_log([entry(0, 1)], [])
    with pytest.raises(StorageError) as caught, store.transaction() as tx:
        tx.append_log([entry(0, 1)], [])
    assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)


# --- transactions ---------------------------------------------------------------------------------


class Boom(Exception):
    pass


def fail_inside(store: SQLiteStore, work: Callable[[Transaction], object]) -> None:
    """Run *work* in a transaction that then raises :class:`Boom`."""
    with store.transaction() as tx:
        work(tx)
        raise Boom


def write_everything(tx: Transaction) -> None:
    tx.save(full_dossier("k1"))
    tx.put_organisation(organisation(1))
    tx.put_professional(professional(1))
    tx.add_notifications([("k1", notification(1))])
    tx.append_log([entry(0, 1, token="t")], [("t", "e0-1")])


def test_rollback_leaves_nothing_written(file_store: SQLiteStore, db_path: Path) -> None:
    with pytest.raises(Boom):
        fail_inside(file_store, write_everything)
    for table in (
        "dossiers",
        *SIDE_TABLES,
        "organisations",
        "professionals",
        "outbox",
        "log_entries",
        "log_heads",
        "log_refs",
    ):
        assert count(db_path, table) == 0, table
    with file_store.transaction() as tx:  # the connection is usable again
        assert tx.load("k1") is None
        assert tx.log_heads() == {}


def test_nested_transaction_is_refused_and_rolls_back(store: SQLiteStore) -> None:
    def nest(tx: Transaction) -> None:
        tx.put_organisation(organisation(1))
        with store.transaction():
            pass  # pragma: no cover

    with pytest.raises(StorageError, match="within a transaction") as caught:
        fail_inside(store, nest)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    with store.transaction() as tx:
        assert tx.get_organisation("O1") is None


# --- schema and pragmas ---------------------------------------------------------------------------


def test_schema_version_recorded_and_reopen_is_idempotent(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    SQLiteStore(db_path).close()
    with raw(db_path) as db:
        rows = db.execute("SELECT version FROM schema_version").fetchall()
    db.close()
    assert rows == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == 7
    assert sorted(MIGRATIONS) == [1, 2, 3, 4, 5, 6, 7]


def test_older_database_is_migrated(db_path: Path) -> None:
    with raw(db_path) as db:
        db.execute("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)")
    db.close()
    s = SQLiteStore(db_path)
    with s.transaction() as tx:
        tx.put_organisation(organisation(1))
    s.close()
    assert count(db_path, "organisations") == 1
    with raw(db_path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    db.close()


def test_newer_schema_version_is_refused(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    with raw(db_path) as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.close()
    with pytest.raises(SchemaVersionError, match=f"schema version {SCHEMA_VERSION + 1}"):
        SQLiteStore(db_path)


def test_file_store_uses_wal_full_sync_and_foreign_keys(
    file_store: SQLiteStore, db_path: Path
) -> None:
    with raw(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
    connection = file_store._thread_connection()
    assert connection.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert connection.isolation_level is None


def test_two_stores_on_one_file_see_each_others_commits(db_path: Path) -> None:
    one, two = SQLiteStore(db_path), SQLiteStore(db_path)
    with one.transaction() as tx:
        tx.save(full_dossier("k1"))
    with two.transaction() as tx:
        assert tx.load("k1") == full_dossier("k1")
        tx.put_organisation(organisation(7))
    with one.transaction() as tx:
        assert tx.get_organisation("O7") == organisation(7)
    one.close()
    two.close()


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [
        ("dossiers", "key", "k1"),
        ("organisations", "id", "O1"),
        ("professionals", "id", "P1"),
        ("log_entries", "id", "e0-1"),
    ],
)
def test_corrupt_record(
    file_store: SQLiteStore, db_path: Path, table: str, column: str, row: str
) -> None:
    with file_store.transaction() as tx:
        write_everything(tx)
    with raw(db_path) as db:
        db.execute(f"UPDATE {table} SET data = ? WHERE {column} = ?", ('{"secret-name', row))
    db.close()
    read: dict[str, Callable[[Transaction], object]] = {
        "dossiers": lambda tx: tx.load("k1"),
        "organisations": lambda tx: tx.get_organisation("O1"),
        "professionals": lambda tx: tx.get_professional("P1"),
        "log_entries": lambda tx: list(tx.log_entries()),
    }
    with file_store.transaction() as tx, pytest.raises(CorruptRecordError) as caught:
        read[table](tx)
    message = str(caught.value)
    assert table in message
    assert "secret-name" not in message


def test_a_corrupt_notification_is_set_aside_not_raised(
    file_store: SQLiteStore, db_path: Path
) -> None:
    """The outbox is read by every sender: one row that does not parse is set aside (and
    counted) instead of failing the read for everyone."""
    with file_store.transaction() as tx:
        write_everything(tx)
    with raw(db_path) as db:
        db.execute("UPDATE outbox SET data = ? WHERE id = 'N1'", ('{"secret-name',))
    db.close()
    with file_store.transaction() as tx:
        assert tx.pending_notifications(None) == []
        assert tx.set_aside_count() == 1


@pytest.mark.parametrize(
    "bad", ['{"secret-name', '{"subject": "secret-name"}', '"secret-name"', '{"match": 5}']
)
def test_a_corrupt_dossier_is_found_when_only_its_match_is_read(
    file_store: SQLiteStore, db_path: Path, bad: str
) -> None:
    with file_store.transaction() as tx:
        tx.save(full_dossier("k1"))
    with raw(db_path) as db:
        db.execute("UPDATE dossiers SET data = ? WHERE key = 'k1'", (bad,))
    db.close()
    with file_store.transaction() as tx, pytest.raises(CorruptRecordError, match="'k1'") as caught:
        tx.matches_for_professional("P1")
    assert "secret-name" not in str(caught.value)


def test_record_of_the_wrong_type_is_corrupt(file_store: SQLiteStore, db_path: Path) -> None:
    with file_store.transaction() as tx:
        tx.save(full_dossier("k1"))
    with raw(db_path) as db:
        db.execute("UPDATE dossiers SET data = x'7b7d' WHERE key = 'k1'")  # a blob, not text
    db.close()
    with file_store.transaction() as tx, pytest.raises(CorruptRecordError, match="'k1'"):
        tx.load("k1")


def test_record_saved_under_another_key_is_corrupt(file_store: SQLiteStore, db_path: Path) -> None:
    with file_store.transaction() as tx:
        tx.save(full_dossier("k1"))
        tx.save(dossier("k2"))
    with raw(db_path) as db:
        db.execute(
            "UPDATE dossiers SET data = (SELECT data FROM dossiers WHERE key = 'k1') "
            "WHERE key = 'k2'"
        )
    db.close()
    with file_store.transaction() as tx, pytest.raises(CorruptRecordError, match="another key"):
        tx.load("k2")


def test_driver_error_becomes_storage_error(file_store: SQLiteStore, db_path: Path) -> None:
    with file_store.transaction() as tx:
        tx.put_organisation(organisation(1))
    with raw(db_path) as db:
        db.execute("DROP TABLE organisations")
    db.close()
    with pytest.raises(StorageError) as caught, file_store.transaction() as tx:
        tx.get_organisation("O1")
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    assert "no such table" in str(caught.value)


def test_unopenable_path_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        SQLiteStore(tmp_path / "missing-dir" / "x.db")
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


# --- threads -------------------------------------------------------------------------------------


def run_threads(target: object, n: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            assert callable(target)
            target(i)
        except BaseException as e:  # pragma: no cover - reported by the assertion
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_threads_each_commit_their_own_transactions(store: SQLiteStore) -> None:
    def work(i: int) -> None:
        for j in range(50):
            with store.transaction() as tx:
                tx.put_organisation(organisation(i * 1000 + j))

    assert run_threads(work, 4) == []
    with store.transaction() as tx:
        for i in range(4):
            for j in range(50):
                assert tx.get_organisation(f"O{i * 1000 + j}") == organisation(i * 1000 + j)
    store.close()


def test_threads_serialise_read_modify_write(store: SQLiteStore) -> None:
    with store.transaction() as tx:
        tx.append_log([entry(0, 0)], [])

    def work(_: int) -> None:
        for _j in range(25):
            with store.transaction() as tx:
                head = tx.log_head(0)
                assert head is not None
                tx.append_log([entry(0, head[0] + 1)], [])

    assert run_threads(work, 4) == []
    with store.transaction() as tx:
        assert tx.log_head(0) == (100, "h0-100")


def test_connections_of_finished_threads_are_closed(file_store: SQLiteStore) -> None:
    def work(i: int) -> None:
        with file_store.transaction() as tx:
            tx.put_organisation(organisation(i))

    assert run_threads(work, 1) == []
    finished = list(file_store._connections.values())
    assert len(finished) == 2  # the opening thread's and the finished thread's
    assert run_threads(work, 1) == []
    assert len(file_store._connections) == 2  # the finished one was pruned, a new one added
    with pytest.raises(sqlite3.ProgrammingError):
        finished[1].execute("SELECT 1")


def test_in_memory_database_is_shared_between_threads() -> None:
    shared = SQLiteStore()

    def work(i: int) -> None:
        with shared.transaction() as tx:
            tx.put_organisation(organisation(i))

    assert run_threads(work, 3) == []
    with shared.transaction() as tx:
        assert [tx.get_organisation(f"O{i}") is not None for i in range(3)] == [True] * 3
    shared.close()


def test_opening_a_file_another_process_is_writing_waits_instead_of_failing(
    tmp_path: Path,
) -> None:
    """Web workers starting together on a new file: while one holds a write transaction
    (here before the file is in WAL mode), SQLite answers another's ``PRAGMA
    journal_mode=WAL`` with "database is locked" at once, without its busy handler. The
    store waits for it, as for any write, up to its timeout; after the timeout it fails
    with a library error."""
    path = tmp_path / "index.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("CREATE TABLE other_process (x)")
        other.execute("BEGIN IMMEDIATE")
        done = threading.Timer(0.3, other.execute, ("COMMIT",))
        done.start()
        store = SQLiteStore(path, timeout=10)
        done.join()
        with store.transaction() as tx:
            assert tx.keys(None, 1) == []
        store.close()
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="locked"):
            SQLiteStore(tmp_path / "index.db", timeout=0.2)
        other.execute("COMMIT")
    finally:
        other.close()
