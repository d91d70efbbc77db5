"""The SQLite store passes the store contract, keeps no BSN, and shows tampering."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.storage.concurrency import (
    BSNS,
    PARENTS,
    check_copied_row_set_aside,
    check_exactly_one_match,
    check_only_committed_work,
    check_sweep_race,
    die_mid_transaction,
    object_and_erase,
    populate,
    prepare,
    prepare_sweep_race,
    register_from_processes,
    sweep_while_registering,
    three_youths_registered,
)
from verwijsindex.errors import ScrubIncompleteError, StorageError
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Notification, Recipient, Subject, WithdrawalReason
from verwijsindex.privacy import RequestKind, RightsRequest, decide, erase, file_request, rectify
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.roles import RightsOfficer
from verwijsindex.storage import SQLiteStore, Store, open_store
from verwijsindex.storage.sqlite import BATCH_CHECKPOINT_PAGES, BATCH_LOCKS, CHECKPOINT_PAGES
from verwijsindex.testing import (
    TEST_KEY,
    FixedClock,
    StoreContract,
    make_index,
    make_professional,
    make_subject,
)
from verwijsindex.testing._base import BSN_A, BSN_B, valid_bsns

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


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
def test_a_sweep_in_batches_with_the_longer_log_is_safe_while_registrations_run(
    tmp_path: Path,
) -> None:
    """The same race with batches of :data:`BATCH_LOCKS` youths, which commit with the
    longer write-ahead log (decision 69) while the registrations commit with SQLite's."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    prepare_sweep_race(url, 2 * BATCH_LOCKS + 10)
    assert sweep_while_registering(url, 2 * BATCH_LOCKS + 10, batch=BATCH_LOCKS) == []
    check_sweep_race(url, 2 * BATCH_LOCKS + 10)


@pytest.mark.slow
def test_a_process_that_dies_mid_transaction_leaves_no_trace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dies.db'}"
    assert die_mid_transaction(url) == 17
    check_only_committed_work(url)


# --- deleted personal data leaves the files (erasure, death, the age limit, rectification) --------

SECRETS = {
    "death": ("Anna Sterfgeval", "Overlijdensstraat"),
    "age": ("Bram Drieentwintig", "Leeftijdsgrenslaan"),
    "rectify": ("Carla Oudenaam", "Oudestraatweg"),
    "move": ("Dirk Verhuizer", "Vertrekstraatje"),
    "erase": ("Eva Bezwaarmaker", "Bezwaarsteeg"),
}


def _files(path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in path.parent.iterdir() if f.name.startswith(path.name))


def _named(bsn: str, which: str, born: date = date(2014, 3, 15)) -> Subject:
    name, street = SECRETS[which]
    youth = make_subject(bsn=bsn, birth_date=born, name=name)
    return attrs.evolve(youth, address=attrs.evolve(youth.address, street=street))


def test_deleted_or_replaced_personal_data_leaves_the_database_and_its_wal(tmp_path: Path) -> None:
    """Finding 5: names and streets of youths deleted by a death, a rectification or the age
    limit stayed readable in the -wal file."""
    path = tmp_path / "index.db"
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    index = make_index(f"sqlite:///{path}", clock=clock)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    youths = {
        "death": _named("111222333", "death"),
        "age": _named("123456782", "age", born=date(2004, 1, 1)),
        "rectify": _named("010000008", "rectify"),
        "move": _named("100000009", "move"),
        "erase": _named("999999990", "erase"),
    }
    for youth in youths.values():
        index.register(youth, nurse)
    everything = _files(path)
    for name, street in SECRETS.values():
        assert name.encode() in everything and street.encode() in everything
    officer = RightsOfficer("0935")
    both = {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}

    def granted(kind: RequestKind, youth: Subject) -> RightsRequest:
        request = file_request(kind, youth, both, received_on=date(2026, 11, 23))
        return decide(request, granted=True)

    index.record_death(youths["death"], date(2026, 11, 22))
    corrected = attrs.evolve(
        youths["rectify"],
        name="Carla Nieuwenaam",
        address=attrs.evolve(youths["rectify"].address, street="Nieuwestraatweg"),
    )
    rectify(index, granted(RequestKind.RECTIFICATION, youths["rectify"]), corrected, by=officer)
    moved = attrs.evolve(
        youths["move"], address=attrs.evolve(youths["move"].address, street="Aankomststraat")
    )
    index.record_move(moved)
    erase(index, granted(RequestKind.OBJECTION, youths["erase"]), by=officer)
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
    assert index.sweep().deleted_subjects == 1
    remaining = _files(path)
    for which, (name, street) in SECRETS.items():
        if which == "move":  # the youth is still recorded, under the new address
            assert name.encode() in remaining, which
        else:
            assert name.encode() not in remaining, which
        assert street.encode() not in remaining, which
    assert b"Carla Nieuwenaam" in remaining and b"Aankomststraat" in remaining
    index.store.close()


def test_a_checkpoint_blocked_by_a_reader_is_reported_not_done(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    store = SQLiteStore(path, timeout=0.3)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    youth = _named("111222333", "erase")
    index.register(youth, nurse)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM dossiers").fetchone()  # holds a snapshot of the WAL
    with pytest.raises(ScrubIncompleteError):
        object_and_erase(index, youth, date(2026, 11, 23))
    assert index.links_for(nurse) == []  # the erasure itself stands
    reader.execute("COMMIT")
    reader.close()
    store.scrub()
    assert b"Bezwaarsteeg" not in _files(path)
    store.close()


def test_an_unjustified_link_and_old_general_data_leave_the_files(tmp_path: Path) -> None:
    """An unjustified withdrawal deletes a link that is not the youth's last, and a new
    registration can replace the general data: neither may stay readable in the files."""
    path = tmp_path / "index.db"
    index = make_index(f"sqlite:///{path}", clock=FixedClock(START))
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    for p in (nurse, teacher):
        index.add_organisation(p.organisation)
    youth = _named("111222333", "rectify")
    wrong = index.register(youth, nurse).link
    index.register(youth, teacher)
    assert wrong.id.encode() in _files(path)
    index.withdraw(wrong.id, by=nurse, reason=WithdrawalReason.UNJUSTIFIED)
    assert wrong.id.encode() not in _files(path)
    renamed = attrs.evolve(youth, name="Carla Nieuwenaam")
    index.register(renamed, nurse)
    remaining = _files(path)
    assert b"Carla Oudenaam" not in remaining and b"Carla Nieuwenaam" in remaining
    index.store.close()


def test_a_corrupt_outbox_row_is_set_aside_and_blocks_no_one(tmp_path: Path) -> None:
    """One row that does not parse made pending_notifications() raise for everyone; now it
    is set aside, counted, and the others are read, claimed and acknowledged."""
    from datetime import timedelta

    path = tmp_path / "index.db"
    index = make_index(f"sqlite:///{path}")
    populate(index)
    with sqlite3.connect(path) as db:
        seq = db.execute("SELECT min(seq) FROM outbox").fetchone()[0]
        db.execute("UPDATE outbox SET data = '{\"kind\": 1}' WHERE seq = ?", (seq,))
    db.close()
    with sqlite3.connect(path) as db:
        written = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    db.close()
    pending = index.pending_notifications()
    assert len(pending) == written - 1  # one set aside
    claim = index.claim_notifications(1000, lease=timedelta(minutes=1))
    assert len(claim.notifications) == written - 1
    assert index.acknowledge(claim) == written - 1 and index.pending_notifications() == []
    with index.store.transaction() as tx:
        assert tx.set_aside_count() == 1
    index.close()


def test_a_row_holding_another_rows_notification_is_set_aside(tmp_path: Path) -> None:
    """A row whose data was copied from another row parses: it went out under the other's
    id, its acknowledgement removed nothing, and it went out again after every lease. It
    is set aside; the row it copied is sent once."""

    path = tmp_path / "index.db"
    clock = FixedClock()
    index = make_index(f"sqlite:///{path}", clock=clock)
    populate(index)
    ids = [n.id for n in index.pending_notifications()]
    with sqlite3.connect(path) as db:
        (other,) = db.execute("SELECT data FROM outbox WHERE id = ?", (ids[1],)).fetchone()
        db.execute("UPDATE outbox SET data = ? WHERE id = ?", (other, ids[0]))
    db.close()
    check_copied_row_set_aside(index, clock, ids)
    index.close()


def _notifications_for(transaction: Callable[[], Any], key: str) -> list[Notification]:
    with transaction() as tx:
        found: list[Notification] = tx.notifications_for(key)
        return found


def _by_signal(transaction: Callable[[], Any]) -> list[tuple[str, Notification]]:
    with transaction() as tx:
        found: list[tuple[str, Notification]] = tx.signal_notifications(["family-x"])
        return found


def test_a_row_that_is_not_utf_8_is_set_aside_and_its_text_never_quoted(
    tmp_path: Path,
) -> None:
    """One outbox row whose bytes are not UTF-8 (a damaged page, or tampering) made every
    read of the outbox fail in the driver, so no notification went out, run after run: it
    is set aside like any row that does not parse. A dossier in that state cannot be read,
    and the error says so without quoting the stored text (which the driver's message did)."""
    from datetime import timedelta

    path = tmp_path / "index.db"
    index = make_index(f"sqlite:///{path}")
    populate(index)
    ids = [n.id for n in index.pending_notifications()]
    damage = "UPDATE {} SET data = CAST(CAST(data AS BLOB) || X'FF' AS TEXT) WHERE {} = ?"
    with sqlite3.connect(path) as db:
        db.execute(damage.format("outbox", "id"), (ids[0],))
        (key,) = db.execute("SELECT key FROM dossiers LIMIT 1").fetchone()
        db.execute(damage.format("dossiers", "key"), (key,))
    db.close()
    damaged = index.store.transaction  # each reader of the outbox, the row back each time
    with sqlite3.connect(path) as db:
        key_of = dict(db.execute("SELECT id, key FROM outbox").fetchall())
        (recipient,) = db.execute("SELECT recipient FROM outbox WHERE id = ?", (ids[0],)).fetchone()
    db.close()
    readers: dict[str, Callable[[], list[str]]] = {
        "pending": lambda: [n.id for n in index.pending_notifications()],
        "a professional's": lambda: [n.id for n in index.notifications_for(recipient)],
        "by key": lambda: [n.id for n in _notifications_for(damaged, key_of[ids[0]])],
        "by signal": lambda: [n.id for _, n in _by_signal(damaged)],
        "claimed": lambda: [
            n.id for n in index.claim_notifications(1000, lease=timedelta(minutes=1)).notifications
        ],
    }
    for name, read in readers.items():
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE outbox SET set_aside = 0, signal = 'family-x' WHERE id = ?", (ids[0],)
            )
        db.close()
        assert ids[0] not in read(), name
        with index.store.transaction() as tx:
            assert tx.set_aside_count() == 1, name
    with pytest.raises(StorageError) as caught, index.store.transaction() as tx:
        tx.load(key)
    assert "Could not decode" in str(caught.value)
    assert "with text" not in str(caught.value) and "subject" not in str(caught.value)
    index.close()


def test_a_sibling_s_record_that_is_not_utf_8_stops_no_death_notice(tmp_path: Path) -> None:
    """A and B share a parent, with a family signal pending; B's record is damaged (not
    UTF-8). A's death notice takes A out of the signal, reading the household: the
    driver refused that read, and the death notice failed, every time. The record reads as
    corrupt, every part in doubt is kept, and A's data goes (decision 94)."""
    path = tmp_path / "index.db"
    index = make_index(f"sqlite:///{path}")
    pa = make_professional(id="pa", organisation="GGD Zuid-Limburg")
    pb = make_professional(id="pb", organisation="MEE Zuid-Limburg")
    for p in (pa, pb):
        index.add_organisation(p.organisation)
    a_youth = make_subject(bsn=BSN_A, birth_date=date(2014, 1, 1), parents=["100000009"])
    b_youth = make_subject(bsn=BSN_B, birth_date=date(2013, 1, 1), parents=["100000009"])
    index.register(a_youth, pa)
    index.register(b_youth, pb)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE dossiers SET data = CAST(CAST(data AS BLOB) || X'FF' AS TEXT) WHERE key = ?",
            (index.keyring.pseudonym(b_youth.number),),
        )
    db.close()
    assert index.record_death(a_youth, index.clock().date()) == 1
    assert index.links_for("pa") == []
    index.close()


def test_a_migration_reads_an_outbox_row_that_is_not_utf_8_as_one_set_aside(
    tmp_path: Path,
) -> None:
    """Opening a database of version 4 fills in each notification's signal; one row that
    was not UTF-8 made the driver refuse the read, and the store could not be opened."""
    path = tmp_path / "index.db"
    index = make_index(f"sqlite:///{path}")
    populate(index)
    ids = [n.id for n in index.pending_notifications()]
    index.close()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE dossiers DROP COLUMN birth_date")  # version 6's
        db.execute("ALTER TABLE dossiers DROP COLUMN died_on")
        db.execute("DROP INDEX outbox_signal")
        db.execute("ALTER TABLE outbox DROP COLUMN signal")
        db.execute("UPDATE schema_version SET version = 4")
        db.execute(
            "UPDATE outbox SET data = CAST(CAST(data AS BLOB) || X'FF' AS TEXT) WHERE id = ?",
            (ids[0],),
        )
    db.close()
    index = make_index(f"sqlite:///{path}")
    assert [n.id for n in index.pending_notifications()] == ids[1:]
    index.close()


# --- a batch checkpoints the write-ahead log less often (decision 69) ---------------------------


def _autocheckpoint(store: SQLiteStore, locks: list[str]) -> int:
    """The ``wal_autocheckpoint`` a transaction locking *locks* commits with."""
    with store.transaction(locks) as tx:
        (pages,) = tx._db.execute("PRAGMA wal_autocheckpoint").fetchone()
    assert isinstance(pages, int)
    return pages


def test_a_batch_commits_with_a_longer_write_ahead_log_and_then_sets_it_back(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(str(tmp_path / "batch.db"))
    keys = [f"youth-{n:03}" for n in range(BATCH_LOCKS)]
    assert _autocheckpoint(store, []) == CHECKPOINT_PAGES
    assert _autocheckpoint(store, keys[:1]) == CHECKPOINT_PAGES
    assert _autocheckpoint(store, keys[:-1]) == CHECKPOINT_PAGES
    assert _autocheckpoint(store, keys) == BATCH_CHECKPOINT_PAGES
    assert _autocheckpoint(store, []) == CHECKPOINT_PAGES  # set back after the batch
    with pytest.raises(LookupError), store.transaction(keys):
        raise LookupError
    assert _autocheckpoint(store, []) == CHECKPOINT_PAGES  # and after a batch that failed
    store.close()


def test_a_sweep_and_an_import_in_batches_keep_every_record(tmp_path: Path) -> None:
    """The batches of an import and a sweep on a file, with the longer write-ahead log:
    what they wrote is in the database after the store is closed and opened again, and
    the scrub after the sweep's deletions leaves the -wal file empty."""
    path = tmp_path / "batches.db"
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    index = VerwijsIndex(open_store(f"sqlite:///{path}"), key=TEST_KEY, clock=clock)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    born = [date(2004, 1, 1) if n % 2 else date(2014, 3, 15) for n in range(3 * BATCH_LOCKS)]
    records = [
        ImportRecord(make_subject(bsn=bsn, birth_date=day), nurse)
        for bsn, day in zip(valid_bsns(len(born)), born, strict=True)
    ]
    assert index.bulk_register(records, batch_size=BATCH_LOCKS).created == len(records)
    index.store.close()
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
    index = VerwijsIndex(
        open_store(f"sqlite:///{path}"), key=TEST_KEY, clock=clock, batch_size=BATCH_LOCKS
    )
    report = index.sweep()
    assert report.deleted_subjects == len(records) // 2
    assert (tmp_path / "batches.db-wal").stat().st_size == 0  # scrubbed: nothing left behind
    index.store.close()
    index = make_index(f"sqlite:///{path}", clock=clock)
    with index.store.transaction() as tx:
        assert len(tx.keys(None, 10 * BATCH_LOCKS)) == len(records) // 2
    assert index.verify_logbook().ok
    index.store.close()


def test_a_batch_whose_store_is_closed_meanwhile_fails_with_a_storage_error(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(str(tmp_path / "closed.db"))
    keys = [f"youth-{n:03}" for n in range(BATCH_LOCKS)]
    with pytest.raises(StorageError, match="closed database"), store.transaction(keys):
        store.close()


def test_a_rekey_leaves_no_pseudonym_of_the_old_key_in_the_files(tmp_path: Path) -> None:
    """A re-key moves each youth to pseudonyms under the new key; the old ones (which the
    old key, if it leaked, links to a BSN) leave the database file and its -wal."""
    path = tmp_path / "rekey.db"
    index = make_index(f"sqlite:///{path}")
    old = three_youths_registered(index)
    assert len(old) == 3 and all(key.encode() in _files(path) for key in old)
    assert index.rekey(PseudonymKey("second", bytes(range(32)))) == 3
    remaining = _files(path)
    assert [key for key in old if key.encode() in remaining] == []
    with index.store.transaction() as tx:
        assert len(tx.keys(None, 10)) == 3
    index.store.close()


def test_a_rekey_whose_scrub_a_reader_blocks_is_reported_and_the_new_key_holds(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index.db"
    store = SQLiteStore(path, timeout=0.3)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2014, 3, 15))
    index.register(youth, nurse)
    with store.transaction() as tx:
        (old,) = tx.keys(None, 10)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM dossiers").fetchone()  # holds a snapshot of the WAL
    with pytest.raises(ScrubIncompleteError):
        index.rekey(PseudonymKey("second", bytes(range(32))))
    reader.execute("COMMIT")
    reader.close()
    # the re-key stands and this index uses the new key: the same youth is found again,
    # not registered as a second one
    teacher = make_professional(id="t1", organisation="Basisschool De Regenboog")
    index.add_organisation(teacher.organisation)
    index.register(youth, teacher)
    with store.transaction() as tx:
        assert len(tx.keys(None, 10)) == 1
    assert len(index.matches_for(nurse)) == 1
    assert old.encode() in _files(path)  # the scrub did not happen...
    assert index.rekey(PseudonymKey("second", bytes(range(32)))) == 0  # ...running it again
    assert old.encode() not in _files(path)  # finishes it
    store.close()
