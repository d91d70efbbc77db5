"""The PostgreSQL store passes the store contract, keeps no BSN, and shows tampering."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, LiteralString

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
from verwijsindex.storage import Store
from verwijsindex.testing import FixedClock, StoreContract, make_index

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


def _count(url: str, schema: str, query: LiteralString) -> Any:
    return _execute(url, schema, query)[0][0]


def test_erasure_vacuums_the_tables_that_held_the_youth(
    postgres_url: str, postgres_schema: str
) -> None:
    """After an erasure the deleted rows are vacuumed at once: gone from the table files
    (checked in the heap files themselves when the server's data directory is on this
    machine), not left for autovacuum."""
    from datetime import date

    import attrs

    from verwijsindex.testing import make_professional, make_subject

    url = _with_schema(postgres_url, postgres_schema)
    index = make_index(url)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2014, 1, 1), name="Eva Bezwaarmaker")
    youth = attrs.evolve(youth, address=attrs.evolve(youth.address, street="Bezwaarsteeg"))
    index.register(youth, nurse)
    index.register(make_subject(bsn="123456782", birth_date=date(2014, 1, 1)), nurse)
    before = _count(
        postgres_url,
        postgres_schema,
        "SELECT vacuum_count FROM pg_stat_user_tables"
        " WHERE schemaname = current_schema() AND relname = 'dossiers'",
    )
    object_and_erase(index, youth, date(2026, 1, 1))
    index.store.close()
    stats = _execute(
        postgres_url,
        postgres_schema,
        "SELECT relname, vacuum_count, n_dead_tup FROM pg_stat_user_tables"
        " WHERE schemaname = current_schema()",
    )
    vacuumed = {name: (count, dead) for name, count, dead in stats}
    assert vacuumed["dossiers"][0] > before
    for table in ("dossiers", "outbox", "log_refs", "dossier_links", "dossier_professionals"):
        assert vacuumed[table][0] >= 1, table
    _execute(postgres_url, postgres_schema, "CHECKPOINT")
    ((directory, files),) = _execute(
        postgres_url,
        postgres_schema,
        "SELECT current_setting('data_directory'), array[pg_relation_filepath('dossiers'),"
        " pg_relation_filepath((SELECT reltoastrelid FROM pg_class"
        "  WHERE oid = 'dossiers'::regclass))]",
    )
    from pathlib import Path

    heap = [Path(directory) / name for name in files if name]
    if all(p.exists() for p in heap):  # the server runs on this machine
        data = b"".join(p.read_bytes() for p in heap)
        assert b"Bezwaarsteeg" not in data and b"Eva Bezwaarmaker" not in data


def test_pooled_connections_survive_a_server_restart(
    postgres_url: str, postgres_schema: str
) -> None:
    """Finding 8: after the server dropped every pooled connection, each of them failed one
    call. Now the next call succeeds."""
    import threading

    from verwijsindex.storage.postgres import PostgresStore

    store = PostgresStore(postgres_url, schema=postgres_schema, max_connections=8)
    pids: set[int] = set()
    together = threading.Barrier(8)

    def hold() -> None:
        with store.transaction() as tx:
            pids.add(tx._conn.info.backend_pid)
            together.wait(10)

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pids) == 8
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
    index = make_index(_with_schema(postgres_url, postgres_schema))
    index.store.close()
    for _ in range(10):  # each call would have met a dead connection; none may fail
        with store.transaction() as tx:
            assert tx.get_organisation("no-such-organisation") is None
    store.close()


def _hold_a_snapshot(conn: Any) -> None:
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    conn.execute("SELECT 1").fetchone()


def _hold_a_write(conn: Any) -> None:
    # READ COMMITTED, idle in transaction after a write: the session shows a transaction id
    # and no snapshot (backend_xmin is null), yet it holds the vacuum back all the same.
    conn.execute("CREATE TEMP TABLE held (n integer)")
    conn.execute("INSERT INTO held VALUES (1)")


@pytest.mark.parametrize("hold", [_hold_a_snapshot, _hold_a_write], ids=["snapshot", "write"])
def test_a_scrub_blocked_by_an_older_transaction_is_reported_not_done(
    postgres_url: str, postgres_schema: str, hold: Callable[[Any], None]
) -> None:
    """A vacuum cannot remove rows another session's older snapshot may read, nor while an
    older transaction is still open: the scrub waits, then says so, and the next scrub
    finishes the job."""
    from datetime import date

    import attrs

    from verwijsindex.errors import ScrubIncompleteError
    from verwijsindex.index import VerwijsIndex
    from verwijsindex.storage.postgres import PostgresStore
    from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

    store = PostgresStore(postgres_url, schema=postgres_schema, timeout=0.5)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock())
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2014, 1, 1), name="Eva Bezwaarmaker")
    youth = attrs.evolve(youth, address=attrs.evolve(youth.address, street="Bezwaarsteeg"))
    index.register(youth, nurse)
    reader = psycopg.connect(postgres_url)
    hold(reader)  # from before the erasure
    with pytest.raises(ScrubIncompleteError):
        object_and_erase(index, youth, date(2026, 1, 1))
    assert index.links_for(nurse) == []  # the erasure itself stands
    reader.rollback()
    reader.close()
    store.scrub()
    store.close()


def test_an_application_pool_with_its_own_row_factory(
    postgres_url: str, postgres_schema: str
) -> None:
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    from verwijsindex.index import VerwijsIndex
    from verwijsindex.storage.postgres import PostgresStore
    from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

    pool: ConnectionPool[Any] = ConnectionPool(
        postgres_url, min_size=1, max_size=2, kwargs={"row_factory": dict_row}, open=True
    )
    try:
        store = PostgresStore(pool=pool, schema=postgres_schema)
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock())
        nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
        index.add_organisation(nurse.organisation)
        index.register(
            make_subject(bsn="111222333", birth_date=__import__("datetime").date(2014, 1, 1)), nurse
        )
        assert index.verify_logbook().ok
        store.close()
        with pool.connection() as conn:
            assert conn.execute("SELECT 1 AS one").fetchone() == {"one": 1}
    finally:
        pool.close()


def _open_with(url: str, secret: bytes, start: Any, errors: Any) -> None:
    from verwijsindex.errors import KeyMismatchError
    from verwijsindex.index import VerwijsIndex
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing import FixedClock

    store = open_store(url)
    start.wait(30)
    try:
        VerwijsIndex(store, key=PseudonymKey("same-id", secret), clock=FixedClock())
        errors.put("opened")
    except KeyMismatchError:
        errors.put("refused")
    finally:
        store.close()


@pytest.mark.slow
def test_two_processes_with_one_key_id_and_two_secrets_on_a_new_store(
    postgres_url: str, postgres_schema: str
) -> None:
    """Both read "no check values" at once; only one may record its key."""
    from verwijsindex.storage.postgres import PostgresStore

    PostgresStore(postgres_url, schema=postgres_schema).close()
    url = _with_schema(postgres_url, postgres_schema)
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    processes = [
        ctx.Process(target=_open_with, args=(url, secret, start, results))
        for secret in (b"a" * 32, b"b" * 32)
    ]
    for p in processes:
        p.start()
    start.set()
    for p in processes:
        p.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["opened", "refused"]


def test_a_corrupt_outbox_row_is_set_aside_and_blocks_no_one(
    populated: str, postgres_url: str, postgres_schema: str
) -> None:
    """One row that does not parse made pending_notifications() raise for everyone; now it
    is set aside, counted, and the others are read, claimed and acknowledged."""
    from datetime import timedelta

    written = _count(postgres_url, postgres_schema, "SELECT count(*) FROM outbox")
    _execute(
        postgres_url,
        postgres_schema,
        "UPDATE outbox SET data = '{\"kind\": 1}' WHERE seq = (SELECT min(seq) FROM outbox)",
    )
    index = make_index(populated)
    try:
        assert len(index.pending_notifications()) == written - 1
        claim = index.claim_notifications(1000, lease=timedelta(minutes=1))
        assert len(claim.notifications) == written - 1
        assert index.acknowledge(claim) == written - 1
        assert index.pending_notifications() == []
        with index.store.transaction() as tx:
            assert tx.set_aside_count() == 1
    finally:
        index.close()


def test_a_row_holding_another_rows_notification_is_set_aside(
    populated: str, postgres_url: str, postgres_schema: str
) -> None:
    """A row whose data was copied from another row parses: it went out under the other's
    id, its acknowledgement removed nothing, and it went out again after every lease. It
    is set aside; the row it copied is sent once."""

    clock = FixedClock()
    index = make_index(populated, clock=clock)
    try:
        ids = [n.id for n in index.pending_notifications()]
        _execute(
            postgres_url,
            postgres_schema,
            "UPDATE outbox SET data = (SELECT data FROM outbox WHERE id = %s) WHERE id = %s",
            (ids[1], ids[0]),
        )
        check_copied_row_set_aside(index, clock, ids)
    finally:
        index.close()


def test_a_sender_never_waits_on_a_transaction_that_holds_a_notification(
    populated: str,
) -> None:
    """A deletion that takes a youth out of a household signal changes notices filed under
    the siblings; a sender acknowledging several notices at once locked them in another
    order, and the two deadlocked. A sender now leaves a notice another transaction holds
    (it goes out again when the lease ends, unless that transaction removed it), and
    waits for nothing (decision 94)."""
    index = make_index(populated)
    try:
        ids = [n.id for n in index.pending_notifications()]
        done: list[int] = []
        with index.store.transaction() as tx:
            tx.remove_notifications([ids[0]])
            tx.pending_notifications(1)  # sends the delete: the row is locked until commit
            sender = threading.Thread(target=lambda: done.append(index.acknowledge(ids[:2])))
            sender.start()
            sender.join(30)
            assert not sender.is_alive()  # it did not wait for this transaction
        assert done == [1]  # the second; the first was held, and the transaction removed it
        assert [n.id for n in index.pending_notifications()] == ids[2:]
    finally:
        index.close()


def test_a_rekey_vacuums_the_tables_that_held_the_old_pseudonyms(
    postgres_url: str, postgres_schema: str
) -> None:
    """After a re-key the tables that held the old pseudonyms are vacuumed at once, as
    after an erasure. (The vacuum frees the dead rows' space; PostgreSQL does not overwrite
    it, so their bytes can stay in the heap file until the space is reused: see
    docs/privacy.md.)"""
    from verwijsindex.pseudonyms import PseudonymKey

    index = make_index(_with_schema(postgres_url, postgres_schema))
    old = three_youths_registered(index)
    query: LiteralString = (
        "SELECT relname, vacuum_count, n_dead_tup FROM pg_stat_user_tables"
        " WHERE schemaname = current_schema()"
    )
    before = {name: count for name, count, _ in _execute(postgres_url, postgres_schema, query)}
    assert index.rekey(PseudonymKey("second", bytes(range(32)))) == 3
    with index.store.transaction() as tx:
        assert len(tx.keys(None, 10)) == 3 and not set(tx.keys(None, 10)) & set(old)
    index.store.close()
    after = {
        name: (count, dead) for name, count, dead in _execute(postgres_url, postgres_schema, query)
    }
    for table in ("dossiers", "dossier_links", "dossier_professionals", "dossier_matches"):
        assert after[table][0] > before[table], table


def test_a_scrub_does_not_wait_on_sessions_that_only_use_the_tables(
    postgres_url: str, postgres_schema: str
) -> None:
    """After a deletion empties a table's last pages, a plain VACUUM also cuts them off
    the file, for which it needs the table to itself: while another session merely holds
    a lock on it (any transaction that reads or writes it), VACUUM retries for five
    seconds and gives up. Under load every erasure, death or move waited that long, and
    the waits queued. The scrub skips the cut while another session holds a lock on the
    table, and makes it when none does (the erasure test reads the heap files)."""
    import threading
    from datetime import date

    import psycopg
    from psycopg import sql

    from verwijsindex.storage.postgres import PostgresStore
    from verwijsindex.testing import make_professional, make_subject

    url = _with_schema(postgres_url, postgres_schema)
    index = make_index(url)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    for bsn in ("111222333", "123456782"):
        index.register(make_subject(bsn=bsn, birth_date=date(2014, 1, 1)), nurse)
    with index.store.transaction() as tx:
        for key in tx.keys(None, 10):
            tx.delete(key)  # every page of the dossiers' table is empty now
    with psycopg.connect(postgres_url) as other:  # a transaction that uses the table
        other.execute(
            sql.SQL("LOCK TABLE {} IN ROW SHARE MODE").format(
                sql.Identifier(postgres_schema, "dossiers")
            )
        )
        store = index.store
        assert isinstance(store, PostgresStore)
        scrub = threading.Thread(target=store.scrub)
        scrub.start()
        scrub.join(timeout=4)  # VACUUM gives up cutting the file after five seconds
        held = scrub.is_alive()
        other.rollback()
    scrub.join()
    index.store.close()
    assert not held, "the scrub waited for a session that only holds a lock on a table"
