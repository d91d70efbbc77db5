"""Tests of the PostgreSQL store that only it needs: schema, locks, pool, driver errors.

The behaviour every store shares is checked by the contract suite; these tests look at
the database underneath with a raw psycopg connection, and compare the orderings of the
queries with the in-memory store, the reference.
"""

from __future__ import annotations

import gc
import itertools
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, LiteralString

import attrs
import pytest

psycopg = pytest.importorskip("psycopg")

from psycopg import sql  # noqa: E402

from verwijsindex.errors import (  # noqa: E402
    ConfigurationError,
    CorruptRecordError,
    SchemaVersionError,
    StorageError,
)
from verwijsindex.model import (  # noqa: E402
    Address,
    Contact,
    Gender,
    Link,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
)
from verwijsindex.storage import (  # noqa: E402
    LOG_LANES,
    Dossier,
    MemoryStore,
    Store,
    SubjectRecord,
    Transaction,
    open_store,
)
from verwijsindex.storage._postgres_tx import PostgresTransaction  # noqa: E402
from verwijsindex.storage.postgres import SCHEMA_VERSION, PostgresStore  # noqa: E402

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ADDRESS = Address(
    street="Markt", house_number="1", postcode="6211 CK", city="Maastricht", municipality_code="935"
)
WAIT = 10.0
"""Seconds to wait for another thread before a test gives up (never a timing assertion)."""


# --- builders ------------------------------------------------------------------------------------


def make_dossier(
    key: str,
    *,
    links: Sequence[tuple[str, str]] = (("L1", "P1"), ("L2", "P2")),
    match: str | None = "M1",
    parents: Sequence[str] = ("parent-1",),
    sweep_due: date | None = None,
    information_due: date | None = None,
    prefix: str | None = None,
) -> Dossier:
    """A dossier for *key* whose link ids and match id start with *prefix* (or the key)."""
    prefix = key if prefix is None else prefix
    made = tuple(
        Link(
            id=f"{prefix}-{link_id}",
            subject=key,
            professional=professional,
            organisation=f"O-{professional}",
            created_at=T0,
            ends_on=date(2028, 3, 1),
        )
        for link_id, professional in links
    )
    return Dossier(
        subject=SubjectRecord(
            key=key,
            key_id="key-1",
            name="Sanne de Vries",
            gender=Gender.FEMALE,
            birth_date=date(2012, 5, 1),
            address=ADDRESS,
            log_secret="5e" * 32,
            parent_keys=tuple(parents),
        ),
        links=made,
        match=Match(
            id=f"{prefix}-{match}",
            subject=key,
            links=tuple(link.id for link in made),
            professionals=tuple(link.professional for link in made),
            kind=MatchKind.SUBJECT,
            created_at=T0,
            updated_at=T0,
        )
        if match is not None
        else None,
        sweep_due=sweep_due,
        information_due=information_due,
    )


def organisation(org_id: str) -> Organisation:
    return Organisation(
        id=org_id, name=f"Organisatie {org_id}", municipality_code="0935", email="info@example.nl"
    )


def professional(prof_id: str) -> Professional:
    return Professional(
        id=prof_id, name="Piet Jansen", organisation=organisation("ggd"), email="p@example.nl"
    )


def notification(note_id: str, recipient: str = "P1") -> Notification:
    # typed Any: mypy reads the ``converter=tuple`` of ``contacts`` as an unbound generic
    contacts: Any = (
        Contact(
            professional_id="P2",
            name="Piet Jansen",
            organisation="GGD",
            email="p@example.nl",
            phone="+31 43 123 4567",
        ),
    )
    return Notification(
        id=note_id,
        kind=NotificationKind.MATCH,
        recipient=recipient,
        created_at=T0,
        match_id="M1",
        contacts=contacts,
    )


def log_entry(lane: int, seq: int, *, at: datetime = T0, entry_id: str | None = None) -> LogEntry:
    return LogEntry(
        id=entry_id or f"E-{lane}-{seq}",
        lane=lane,
        seq=seq,
        at=at,
        actor="P1",
        action=LogAction.REGISTERED,
        subject_ref="ref",
        prev_hash=f"h{lane}.{seq - 1}" if seq > 1 else "",
        hash=f"h{lane}.{seq}",
    )


def raw(url: str, schema: str, query: LiteralString, params: Sequence[Any] = ()) -> list[Any]:
    """Run *query* in *schema* on a connection of its own, as an outsider would."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description is not None else []


def same(pg: PostgresStore, memory: MemoryStore, op: Callable[[Transaction], Any]) -> Any:
    """Run *op* in a transaction of both stores and check that they answer alike."""
    with pg.transaction() as tx:
        got = op(tx)
    with memory.transaction() as mtx:
        expected = op(mtx)
    assert got == expected
    return got


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


# --- without a server ----------------------------------------------------------------------------


def test_bad_schema_names_are_refused_before_connecting() -> None:
    bad = ["", "Upper", "with space", "semi;colon", "pg_catalog", "x" * 64, "1abc", "abc\n"]
    for schema in bad:
        with pytest.raises(ConfigurationError, match="schema must be lower-case"):
            PostgresStore("postgresql://nobody@db.invalid/none", schema=schema)
    with pytest.raises(ConfigurationError, match="max_connections"):
        PostgresStore("postgresql://nobody@db.invalid/none", max_connections=0)


def test_a_bad_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(ConfigurationError) as info:
        PostgresStore("password=hunter2 this is not a connection string")
    assert "hunter2" not in str(info.value)


def test_without_psycopg_the_store_explains_the_extra() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from verwijsindex.errors import ConfigurationError\n"
        "from verwijsindex.storage.postgres import PostgresStore\n"
        "try:\n"
        "    PostgresStore('postgresql://nobody@db.invalid/none')\n"
        "except ConfigurationError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'verwijsindex[postgres]'" in out.stdout


def test_a_server_that_is_not_there_is_a_storage_error() -> None:
    with pytest.raises(StorageError) as info:
        PostgresStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert isinstance(info.value.__cause__, psycopg.OperationalError)


# --- records -------------------------------------------------------------------------------------


def test_log_entries_stream_in_batches_inside_the_transaction(
    postgres_store: PostgresStore,
) -> None:
    entries = [log_entry(lane, seq) for lane in (3, 0, 1) for seq in range(1, 402)]
    with postgres_store.transaction() as tx:
        tx.append_log(entries, [])
    with postgres_store.transaction() as tx:
        streamed = list(tx.log_entries())
        assert len(streamed) == len(entries)
        assert [(e.lane, e.seq) for e in streamed] == sorted((e.lane, e.seq) for e in entries)
        assert streamed[0] == log_entry(0, 1)
        # A stream left half-way, closed or not, leaves the transaction usable.
        left = tx.log_entries()
        assert [e.seq for e in itertools.islice(left, 3)] == [1, 2, 3]
        closed = tx.log_entries()
        next(closed)
        closed.close()
        assert len(list(tx.log_entries())) == len(entries)
        assert tx.log_heads() == {0: (401, "h0.401"), 1: (401, "h1.401"), 3: (401, "h3.401")}
        late = tx.log_entries()
        next(late)
    with pytest.raises(StorageError, match="transaction has ended"):
        next(left)
    with pytest.raises(StorageError, match="transaction has ended"):
        next(late)
    with pytest.raises(StorageError, match="transaction has ended"):
        tx.load("anything")


_NOT_WALKED = (type, types.ModuleType, types.FunctionType, types.CodeType)


def _holding(root: object, marker: str) -> list[str]:
    """The kinds of object reachable from *root* that hold *marker*: a string or bytes with
    it, or a libpq result (``PGresult``) with it among its values. Not through modules and
    functions: from them the whole interpreter is reachable, this test's source among it."""
    found: list[str] = []
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _NOT_WALKED):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if marker in obj:
                found.append("str")
            continue
        if isinstance(obj, bytes | bytearray | memoryview):
            if marker.encode() in bytes(obj):
                found.append(type(obj).__name__)
            continue
        if type(obj).__name__ == "PGresult":
            values = (obj.get_value(r, c) for r in range(obj.ntuples) for c in range(obj.nfields))
            if any(v is not None and marker.encode() in bytes(v) for v in values):
                found.append("PGresult")
            continue
        stack.extend(gc.get_referents(obj))
        if type(obj).__name__ == "Transformer":  # psycopg's C object: its result is not a
            stack.append(obj.pgresult)  # referent the collector sees
    return found


def test_a_transaction_that_ended_holds_nothing_it_read(postgres_store: PostgresStore) -> None:
    """A caller (or the traceback of an error) may keep a transaction object alive: once it
    has ended it holds none of the records it read. psycopg's closed cursor still holds the
    last rows it read (and the transaction held every dossier read, for its overlay)."""
    marker = "Xyzzy Uniekenaam"
    dossier = make_dossier("k1")
    dossier = attrs.evolve(dossier, subject=attrs.evolve(dossier.subject, name=marker))
    with postgres_store.transaction(["k1"]) as tx:
        tx.save(dossier)

    class Stop(Exception):
        pass

    def fail(store: PostgresStore) -> None:  # a frame of the traceback, holding tx
        with store.transaction() as tx:
            assert tx.load("k1") is not None  # a statement: the key is not locked
            raise Stop

    with pytest.raises(Stop) as caught:
        fail(postgres_store)
    with postgres_store.transaction(["k1"]) as locked:
        assert locked.load("k1") == dossier  # read with the locks
    del dossier
    gc.collect()
    assert _holding(caught.value, marker) == []
    assert _holding(locked, marker) == []


def test_the_head_is_explicit(postgres_store: PostgresStore, postgres_url: str) -> None:
    with postgres_store.transaction() as tx:
        assert tx.log_head(7) is None
        tx.append_log([log_entry(7, 1), log_entry(7, 2)], [])
    raw(postgres_url, postgres_store.schema, "DELETE FROM log_entries WHERE lane = 7 AND seq = 2")
    with postgres_store.transaction() as tx:
        assert tx.log_head(7) == (2, "h7.2")
        assert tx.log_heads() == {7: (2, "h7.2")}
        assert [e.seq for e in tx.log_entries()] == [1]


def test_a_head_read_with_the_directory_is_locked_until_the_end(
    postgres_store: PostgresStore,
) -> None:
    """``read_directory(log_lanes=...)`` locks the heads as ``log_head`` does: another
    transaction that asks for the head waits until this one ends, and then sees its append."""
    holding, release = threading.Event(), threading.Event()
    seen: list[tuple[int, str] | None] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with postgres_store.transaction(["a"]) as tx:
                assert isinstance(tx, PostgresTransaction)
                tx.read_directory([], [], log_lanes=[9])
                holding.set()
                assert release.wait(WAIT)
                tx.append_log([log_entry(9, 1)], [])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def second() -> None:
        try:
            with postgres_store.transaction(["b"]) as tx:
                seen.append(tx.log_head(9))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(WAIT)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive() and seen == []  # waiting for the head the first one holds
    release.set()
    one.join(WAIT)
    two.join(WAIT)
    assert not errors
    assert seen == [(1, "h9.1")]


def test_counts_are_written_in_the_order_of_their_cells(postgres_store: PostgresStore) -> None:
    """Two transactions that count in the same cells upsert their rows in one order (so
    neither holds a row the other waits for while it waits for one the other holds)."""
    items = [
        (date(2026, 12, 1), "0935", "12-15", "links_made", 1),
        (date(2026, 11, 1), "1883", "0-3", "links_made", 1),
        (date(2026, 12, 1), "0917", "4-11", "matches_made", 2),
    ]
    with postgres_store.transaction() as tx:
        assert isinstance(tx, PostgresTransaction)
        tx.add_counts(items)
        params = tx._queue[-1][1]
        assert isinstance(params, dict)
        columns = (params["months"], params["codes"], params["bands"], params["kinds"])
        cells = list(zip(*columns, strict=True))
        assert cells == sorted(cells) and len(cells) == 3
    with postgres_store.transaction() as tx:
        assert sum(tx.counts(date(2026, 1, 1), date(2026, 12, 31)).values()) == 4


# --- transactions --------------------------------------------------------------------------------


def test_two_stores_on_one_schema_see_each_others_commits(
    postgres_store: PostgresStore, postgres_url: str
) -> None:
    other = PostgresStore(postgres_url, schema=postgres_store.schema, max_connections=2)
    try:
        with postgres_store.transaction(["x"]) as tx:
            tx.save(make_dossier("x"))
            with other.transaction() as otx:
                assert otx.load("x") is None  # not yet committed
        with other.transaction(["x"]) as otx:
            assert otx.load("x") == make_dossier("x")
            otx.put_organisation(organisation("from-other"))
        with postgres_store.transaction() as tx:
            assert tx.get_organisation("from-other") == organisation("from-other")
    finally:
        other.close()


def advisory_waiters(url: str, key: str) -> int:
    """How many sessions wait for the advisory lock the store takes for *key*."""
    rows = raw(
        url,
        "public",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, 0)",
        [key],
    )
    return int(rows[0][0])


def test_locks_on_one_key_serialize(
    postgres_store: PostgresStore, postgres_url: str, postgres_schema: str
) -> None:
    key = f"youth-{postgres_schema}"
    order: list[str] = []
    seen: list[Dossier | None] = []
    first_in, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with postgres_store.transaction([key, "other"]) as tx:
                order.append("first in")
                first_in.set()
                assert release.wait(WAIT)
                tx.save(make_dossier(key))
                order.append("first commits")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def second() -> None:
        try:
            with postgres_store.transaction([key]) as tx:
                order.append("second in")
                seen.append(tx.load(key))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    one = threading.Thread(target=first)
    one.start()
    assert first_in.wait(WAIT)
    two = threading.Thread(target=second)
    two.start()
    # The second transaction is in the server, waiting for the lock the first one holds.
    wait_for(lambda: advisory_waiters(postgres_url, key) == 1)
    assert order == ["first in"]
    release.set()
    one.join(WAIT)
    two.join(WAIT)
    assert not errors
    assert order == ["first in", "first commits", "second in"]
    assert seen == [make_dossier(key)]


def test_locks_on_other_keys_do_not_wait(postgres_store: PostgresStore) -> None:
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with postgres_store.transaction(["a"]):
            holding.set()
            release.wait(WAIT)

    one = threading.Thread(target=hold)
    one.start()
    try:
        assert holding.wait(WAIT)

        def other() -> None:
            with postgres_store.transaction(["b", "c"]):
                done.set()

        two = threading.Thread(target=other)
        two.start()
        assert done.wait(WAIT)  # while "a" is still held
        two.join(WAIT)
    finally:
        release.set()
        one.join(WAIT)


def test_locks_taken_in_any_order_never_deadlock(postgres_store: PostgresStore) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(locks: list[str]) -> None:
        try:
            start.wait(WAIT)
            for i in range(40):
                with postgres_store.transaction(locks) as tx:
                    tx.put_organisation(organisation(f"{locks[0]}-{i}"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=run, args=(["x", "y", "z"],)),
        threading.Thread(target=run, args=(["z", "y", "x", "x"],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert not errors


@pytest.mark.parametrize("max_connections", [8, 3])
def test_the_pool_serves_many_threads(
    postgres_store: PostgresStore, postgres_url: str, max_connections: int
) -> None:
    store = PostgresStore(
        postgres_url, schema=postgres_store.schema, max_connections=max_connections
    )
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        try:
            start.wait(WAIT)
            for i in range(25):
                with store.transaction([f"w{worker}"]) as tx:
                    tx.put_organisation(organisation(f"org-{worker}-{i}"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 3)
    finally:
        store.close()
    assert not errors
    count = raw(postgres_url, postgres_store.schema, "SELECT count(*) FROM organisations")
    assert count == [(200,)]
    with postgres_store.transaction() as tx:
        assert tx.get_organisation("org-7-24") == organisation("org-7-24")


def test_a_broken_connection_is_discarded(postgres_url: str, postgres_schema: str) -> None:
    store = PostgresStore(postgres_url, schema=postgres_schema, max_connections=1)
    pids: list[int] = []

    def lose_the_connection() -> None:
        with store.transaction() as tx:
            pids.append(tx._conn.info.backend_pid)
            raw(postgres_url, "public", "SELECT pg_terminate_backend(%s)", pids)
            tx.load("x")

    try:
        with pytest.raises(StorageError) as info:
            lose_the_connection()
        assert isinstance(info.value.__cause__, psycopg.OperationalError)
        with store.transaction() as tx:  # a new connection in the only slot
            assert tx.load("x") is None
            assert tx._conn.info.backend_pid not in pids
            level = tx._conn.execute("SHOW transaction_isolation").fetchone()
            assert level == ("read committed",)
    finally:
        store.close()


# --- schema --------------------------------------------------------------------------------------


def test_the_schema_has_its_version_and_lane_heads(
    postgres_store: PostgresStore, postgres_url: str
) -> None:
    schema = postgres_store.schema
    assert raw(postgres_url, schema, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == 7
    heads = raw(postgres_url, schema, "SELECT lane, seq, hash FROM log_heads ORDER BY lane")
    assert heads == [(lane, 0, "") for lane in range(LOG_LANES)]
    # Opening it again changes nothing and keeps the data.
    with postgres_store.transaction() as tx:
        tx.put_organisation(organisation("kept"))
    again = PostgresStore(postgres_url, schema=schema)
    try:
        with again.transaction() as tx:
            assert tx.get_organisation("kept") == organisation("kept")
    finally:
        again.close()
    assert raw(postgres_url, schema, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_a_newer_schema_is_refused(postgres_store: PostgresStore, postgres_url: str) -> None:
    newer = SCHEMA_VERSION + 1
    raw(postgres_url, postgres_store.schema, "UPDATE schema_version SET version = %s", [newer])
    with pytest.raises(SchemaVersionError, match=f"version {newer}"):
        PostgresStore(postgres_url, schema=postgres_store.schema)


def test_processes_opening_a_new_schema_at_once_agree(
    postgres_url: str, postgres_schema: str
) -> None:
    stores: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait(WAIT)
            stores.append(PostgresStore(postgres_url, schema=postgres_schema, max_connections=1))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    for store in stores:
        store.close()
    assert not errors
    assert len(stores) == 4
    versions = raw(postgres_url, postgres_schema, "SELECT version FROM schema_version")
    assert versions == [(SCHEMA_VERSION,)]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "read"),
    [
        ("dossiers", "youth-9", lambda tx: tx.load("youth-9")),
        ("dossiers", "youth-9", lambda tx: tx.matches_for_professional("P1")),
        ("organisations", "ggd", lambda tx: tx.get_organisation("ggd")),
        ("professionals", "P1", lambda tx: tx.get_professional("P1")),
        ("log_entries", "E-0-1", lambda tx: list(tx.log_entries())),
        ("log_entries", "E-0-1", lambda tx: tx.log_entries_for("t")),
    ],
)
@pytest.mark.parametrize(
    "bad", ['{"subject": "Geheime Naam', '{"subject": "Geheime Naam"}', '"Geheime Naam"']
)
def test_corrupt_json_is_a_corrupt_record_error(
    postgres_store: PostgresStore,
    postgres_url: str,
    table: LiteralString,
    key: str,
    read: Callable[[Transaction], object],
    bad: str,
) -> None:
    with postgres_store.transaction() as tx:
        tx.save(make_dossier("youth-9"))
        tx.put_organisation(organisation("ggd"))
        tx.put_professional(professional("P1"))
        tx.add_notifications([("youth-9", notification("N1"))])
        tx.append_log([log_entry(0, 1)], [("t", "E-0-1")])
    column = "id" if table != "dossiers" else "key"
    query = sql.SQL("UPDATE {} SET data = %s WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(column)
    )
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", [postgres_store.schema])
        assert conn.execute(query, [bad, key]).rowcount == 1
    with pytest.raises(CorruptRecordError) as info, postgres_store.transaction() as tx:
        read(tx)
    message = str(info.value)
    assert table in message
    assert repr(key) in message
    assert "Geheime" not in message


def test_driver_errors_become_storage_errors(
    postgres_store: PostgresStore, postgres_url: str
) -> None:
    raw(postgres_url, postgres_store.schema, "DROP TABLE outbox")
    with pytest.raises(StorageError) as info, postgres_store.transaction() as tx:
        tx.pending_notifications(None)
    assert isinstance(info.value.__cause__, psycopg.Error)
    assert "UndefinedTable" in str(info.value)
    # The store goes on working after the failed transaction.
    with postgres_store.transaction() as tx:
        tx.put_organisation(organisation("before"))
    # A caught error does not let the rest of the transaction commit as if nothing happened.
    caught: list[StorageError] = []

    def catch_and_go_on() -> None:
        with postgres_store.transaction() as tx:
            tx.put_organisation(organisation("after"))
            try:
                tx.append_log([log_entry(0, 1), log_entry(0, 1)], [])
                tx.log_heads()  # queued writes go to the server with the next read
            except StorageError as e:
                caught.append(e)

    with pytest.raises(StorageError, match="rolled back"):
        catch_and_go_on()
    [dup] = caught
    assert isinstance(dup.__cause__, psycopg.errors.UniqueViolation)
    assert "E-0-1" not in str(dup)  # the primary message names no values
    with postgres_store.transaction() as tx:
        assert tx.get_organisation("before") == organisation("before")
        assert tx.get_organisation("after") is None


# --- the face ------------------------------------------------------------------------------------


def test_it_is_a_store_and_its_repr_hides_the_password(
    postgres_url: str, postgres_schema: str
) -> None:
    info = psycopg.conninfo.conninfo_to_dict(postgres_url)
    info["password"] = "s3cret-pw"
    url_with_password = psycopg.conninfo.make_conninfo(**info)
    store = PostgresStore(url_with_password, schema=postgres_schema)
    try:
        typed: Store = store
        assert isinstance(typed, Store)
        text = repr(store)
        assert "s3cret-pw" not in text
        assert f"schema={postgres_schema}" in text
        assert f"dbname={info['dbname']}" in text
        assert text.startswith("<PostgresStore host=")
    finally:
        store.close()


def test_an_application_s_own_pool_serves_the_store(
    postgres_url: str, postgres_schema: str
) -> None:
    """A pool the application made (connections not in autocommit, no search path) works,
    and closing the store leaves it open for the application."""
    from psycopg_pool import ConnectionPool

    pool: ConnectionPool[Any] = ConnectionPool(postgres_url, min_size=1, max_size=2, open=True)
    try:
        store = PostgresStore(pool=pool, schema=postgres_schema)
        org = organisation("o1")
        with store.transaction() as tx:
            tx.put_organisation(org)
        with store.transaction(["k1"]) as tx:
            assert tx.get_organisation(org.id) == org
        store.close()
        with pool.connection() as conn:
            assert not conn.autocommit  # the application's setting is given back
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(
                    sql.Identifier(postgres_schema, "organisations")
                )
            ).fetchone()
            assert row == (1,)
    finally:
        pool.close()
    with pytest.raises(ConfigurationError):
        PostgresStore(schema=postgres_schema)


def test_the_schema_parameter_leaves_the_others_as_written() -> None:
    """``?schema=`` is the library's; libpq gets every other parameter byte for byte
    (``urlencode`` once wrote the ``%20`` of a value as ``+``, which libpq keeps)."""
    from verwijsindex.storage import _split_schema  # the URL as libpq gets it

    url = "postgresql://u@h/db?application_name=my%20app&schema=vi_one&options=-c%20a%3Db"
    assert _split_schema(url) == (
        "postgresql://u@h/db?application_name=my%20app&options=-c%20a%3Db",
        "vi_one",
    )
    assert _split_schema("postgresql://u@h/db?schema=vi_one") == ("postgresql://u@h/db", "vi_one")
    assert _split_schema("postgresql://u@h/db?sslmode=disable") == (
        "postgresql://u@h/db?sslmode=disable",
        None,
    )
    with pytest.raises(ConfigurationError, match="schema"):
        open_store("postgresql://u@h/db?schema=vi_one&schema=vi_two")


@pytest.mark.postgres
def test_libpq_options_in_the_url_work_beside_a_schema(
    postgres_url: str, postgres_schema: str
) -> None:
    separator = "&" if "?" in postgres_url else "?"
    url = (
        f"{postgres_url}{separator}options=-c%20statement_timeout%3D12345&schema={postgres_schema}"
    )
    store = open_store(url)
    try:
        with store.transaction() as tx:
            assert tx.keys(None, 1) == []
    finally:
        store.close()
