"""How many network round trips a registration costs on the PostgreSQL store.

Counted, not timed: the store is given an application pool (``PostgresStore(pool=...)``)
of one :class:`CountingConnection`, whose libpq traces every protocol message it sends
and receives (``PQtrace``), and :func:`round_trips` reads the round trips off that trace.

A round trip is a wait of the client for the server's answer. In the protocol the client
asks for an answer with a ``Sync`` (extended protocol: every statement outside a pipeline,
and every pipeline sync), a simple ``Query`` (psycopg's ``BEGIN``/``COMMIT`` of
``conn.transaction()``, a statement without parameters), or a ``Flush`` (psycopg's fetch of
a result inside a pipeline). Such a request starts a new round trip only when nothing is
outstanding already: a ``Flush`` that psycopg sends after the ``Sync`` that ends a pipeline
rides on that ``Sync``'s wait, and a ``Flush`` after everything was answered waits for
nothing. Each ``Sync`` and ``Query`` is answered by one ``ReadyForQuery``, which the
counter checks. The tests of the counter itself come first.

The target is at most 3 round trips per registration (a hand-written registration in
three pipelines: lock and read, the directory and the log head, the writes with the
commit). The bounds below are what the library does today: a regression guard (more round
trips fail the test).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, TypeAlias

import pytest

pytest.importorskip("psycopg")
pytest.importorskip("psycopg_pool")

import psycopg
from psycopg import pq
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from benchmarks._data import NOW, make_world, registrations
from verwijsindex.clock import FixedClock
from verwijsindex.index import VerwijsIndex
from verwijsindex.links import Registration
from verwijsindex.storage.postgres import PostgresStore
from verwijsindex.testing import TEST_KEY, make_professional, make_subject

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(sys.platform != "linux", reason="psycopg traces libpq on Linux only"),
]


# --- the counter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trip:
    """One round trip: the statements executed in it (in order) and those psycopg prepared
    in it. A trip that executes nothing is psycopg preparing a statement it has seen
    ``prepare_threshold`` (5) times, once per connection, outside a pipeline."""

    statements: tuple[str, ...]
    prepared: tuple[str, ...] = ()

    @property
    def prepare_only(self) -> bool:
        return not self.statements and bool(self.prepared)


@dataclass
class Count:
    """The round trips of a block, with the protocol messages they were counted from."""

    trips: list[Trip] = field(default_factory=list)
    syncs: int = 0
    queries: int = 0
    flushes: int = 0
    ready: int = 0

    @property
    def total(self) -> int:
        return len(self.trips)

    @property
    def prepares(self) -> int:
        """The trips that only prepared a statement (psycopg's one-off cost per statement
        and connection)."""
        return sum(trip.prepare_only for trip in self.trips)

    @property
    def steady(self) -> int:
        """The round trips once the connection has prepared its statements."""
        return self.total - self.prepares

    def describe(self) -> str:
        lines = []
        for n, trip in enumerate(self.trips, 1):
            what = list(trip.statements) + [f"(prepare) {s}" for s in trip.prepared]
            lines.append(f"  {n}. " + " | ".join(what))
        return "\n".join(lines)


_MESSAGE = re.compile(r"^([FB])\t\d+\t(\w+)", re.MULTILINE)
_PARSE = re.compile(r'\s*"([^"]*)" "(.*)" \d+(?: \S+)*\s*$', re.DOTALL)
_BIND = re.compile(r'\s*"[^"]*" "([^"]*)"')
_QUERY = re.compile(r'\s*"(.*)"\s*$', re.DOTALL)
_ANSWERED = frozenset({"CommandComplete", "EmptyQueryResponse", "ErrorResponse", "PortalSuspended"})


def _label(statement: str) -> str:
    words = " ".join(statement.split())
    return words if len(words) <= 70 else words[:69] + "…"


def _messages(trace: str) -> Iterator[tuple[str, str, str]]:
    """``(direction, message type, the rest)`` of each message of a libpq trace (in
    ``PQTRACE_SUPPRESS_TIMESTAMPS | PQTRACE_REGRESS_MODE``; a statement's text may run over
    several lines)."""
    found = list(_MESSAGE.finditer(trace))
    for n, this in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(trace)
        yield this[1], this[2], trace[this.end() : end]


def _learn_names(trace: str, names: dict[str, str]) -> None:
    for direction, kind, rest in _messages(trace):
        parsed = _PARSE.match(rest) if (direction, kind) == ("F", "Parse") else None
        if parsed is not None:
            names[parsed[1]] = parsed[2]


def round_trips(trace: str, names: dict[str, str]) -> Count:
    """The round trips in *trace*; *names* maps the names of the connection's prepared
    statements to their text (updated from the trace's ``Parse`` messages)."""
    count = Count()
    outstanding = 0  # Syncs and Queries sent and not yet answered by a ReadyForQuery
    unanswered = 0  # statements executed and not yet answered (a Flush waits for them)
    statements: list[str] = []
    prepared: list[str] = []
    bound = ""
    current: Trip | None = None

    def request(starts: bool) -> None:
        nonlocal statements, prepared, current
        if starts:
            current = Trip(tuple(statements), tuple(prepared))
            count.trips.append(current)
        elif current is not None and (statements or prepared):  # rides on the open wait
            current = Trip((*current.statements, *statements), (*current.prepared, *prepared))
            count.trips[-1] = current
        statements, prepared = [], []

    for direction, kind, rest in _messages(trace):
        if direction == "F":
            if kind == "Parse":
                parsed = _PARSE.match(rest)
                assert parsed is not None, rest
                names[parsed[1]] = parsed[2]
                if parsed[1]:
                    prepared.append(_label(parsed[2]))
            elif kind == "Bind":
                binding = _BIND.match(rest)
                assert binding is not None, rest
                bound = names.get(binding[1], binding[1])
            elif kind == "Execute":
                statements.append(_label(bound))
                unanswered += 1
            elif kind == "Query":
                query = _QUERY.match(rest)
                assert query is not None, rest
                statements.append(_label(query[1]))
                count.queries += 1
                request(outstanding == 0)
                outstanding += 1
                unanswered += 1
            elif kind == "Sync":
                count.syncs += 1
                request(outstanding == 0)
                outstanding += 1
            elif kind == "Flush":
                count.flushes += 1
                request(outstanding == 0 and unanswered > 0)
        elif kind == "ReadyForQuery":
            count.ready += 1
            outstanding -= 1
            if outstanding == 0:
                unanswered = 0
        elif kind in _ANSWERED:
            unanswered = max(0, unanswered - 1)
    assert outstanding == 0, "the block ended with a request unanswered"
    assert not statements, "statements were sent that no request asked an answer for"
    return count


class CountingConnection(psycopg.Connection[TupleRow]):
    """A connection whose libpq traces every message from the start (see :meth:`trace`);
    :meth:`counting` gives the round trips of a block.

    libpq writes the trace through a C stream it is given; it is flushed only when tracing
    stops, so each block stops and restarts it (each restart opens one small stream that is
    never closed: harmless in a test)."""

    _trace_file: IO[bytes] | None = None
    _names: dict[str, str]
    _learned = 0  # how much of the trace _names has been learnt from
    cursors = 0  # how many cursors were made on it (``conn.execute`` makes one each time)

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        self.cursors += 1
        return super().cursor(*args, **kwargs)

    def trace(self) -> None:
        self._trace_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the connection
        self._names = {}
        self._resume()

    def _resume(self) -> None:
        assert self._trace_file is not None
        self.pgconn.trace(self._trace_file.fileno())
        self.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _written(self) -> int:
        """Flush the trace; its length."""
        assert self._trace_file is not None
        self.pgconn.untrace()
        length = os.fstat(self._trace_file.fileno()).st_size
        self._resume()
        return length

    def _read(self, start: int, end: int) -> str:
        assert self._trace_file is not None
        return os.pread(self._trace_file.fileno(), end - start, start).decode("utf-8", "replace")

    @contextmanager
    def counting(self) -> Iterator[Count]:
        """The round trips of the block, in the yielded :class:`Count` when it ends (not
        when it raises: then the trace is left unread)."""
        count = Count()
        start = self._written()
        # The statements prepared before the block, by name: their texts, for the labels.
        _learn_names(self._read(self._learned, start), self._names)
        yield count
        end = self._written()
        found = round_trips(self._read(start, end), self._names)
        self._learned = end
        count.trips, count.syncs, count.queries = found.trips, found.syncs, found.queries
        count.flushes, count.ready = found.flushes, found.ready

    def close(self) -> None:
        if self._trace_file is not None and not self.closed:
            self.pgconn.untrace()
        super().close()
        if self._trace_file is not None:
            self._trace_file.close()
            self._trace_file = None


CountingPool: TypeAlias = "ConnectionPool[CountingConnection]"


@contextmanager
def counting_pool(url: str) -> Iterator[tuple[CountingPool, CountingConnection]]:
    """An application's pool of one traced connection (autocommit, as the store's own
    pool makes them), and that connection: every statement of the store goes through it."""
    made: list[CountingConnection] = []

    def configure(conn: CountingConnection) -> None:
        conn.trace()
        made.append(conn)

    pool = ConnectionPool(
        url,
        connection_class=CountingConnection,
        min_size=1,
        max_size=1,
        kwargs={"autocommit": True},
        configure=configure,
        open=True,
    )
    try:
        pool.wait()
        assert len(made) == 1
        yield pool, made[0]
    finally:
        pool.close()


@pytest.fixture
def conn(postgres_url: str) -> Iterator[CountingConnection]:
    with counting_pool(postgres_url) as (_, connection):
        yield connection


# --- the counter counts what the protocol does ---------------------------------------------------

_SENT = 'F\t14\tBind\t "" "" 0 0 1 0\nF\t9\tExecute\t "" 0\n'
_SYNC = "F\t4\tSync\n"
_FLUSH = "F\t4\tFlush\n"
_BOUND = "B\t4\tBindComplete\n"
_DONE = 'B\t13\tCommandComplete\t "SELECT 1"\n'
_READY = "B\t5\tReadyForQuery\t I\n"


@pytest.mark.parametrize(
    ("trace", "trips"),
    [
        # psycopg ends a pipeline with a Sync and, when results are still to come, a Flush:
        # one wait. Whether it sends the Flush, and whether it read part of the answer
        # before, depends on how fast the server answers; the count does not.
        (_SENT + _SYNC + _BOUND + _DONE + _READY, 1),
        (_SENT + _SYNC + _FLUSH + _BOUND + _DONE + _READY, 1),
        (_SENT + _SYNC + _BOUND + _FLUSH + _DONE + _READY, 1),
        (_SENT + _SYNC + _BOUND + _DONE + _READY + _FLUSH, 1),
        # A Flush with a statement unanswered and no Sync outstanding: a wait of its own.
        (_SENT + _FLUSH + _BOUND + _DONE + _SENT + _SYNC + _FLUSH + _BOUND + _DONE + _READY, 2),
        # Two Syncs sent before any answer: one wait.
        (_SENT + _SYNC + _SENT + _SYNC + _BOUND + _DONE + _READY + _BOUND + _DONE + _READY, 1),
        # A simple Query, then a statement of the extended protocol: two.
        ('F\t13\tQuery\t "SELECT 1"\n' + _DONE + _READY + _SENT + _SYNC + _DONE + _READY, 2),
    ],
)
def test_the_counter_reads_waits_off_the_trace(trace: str, trips: int) -> None:
    assert round_trips(trace, {}).total == trips


def test_a_statement_outside_a_transaction_is_one_round_trip(conn: CountingConnection) -> None:
    with conn.counting() as plain:
        conn.execute("SELECT 1")
    with conn.counting() as bound:
        conn.execute("SELECT %s::int", [1])
    assert (plain.total, plain.queries, plain.syncs, plain.ready) == (1, 1, 0, 1)
    assert (bound.total, bound.queries, bound.syncs, bound.ready) == (1, 0, 1, 1)
    assert plain.trips == [Trip(("SELECT 1",))]
    assert bound.trips == [Trip(("SELECT $1::int",))]


def test_a_transaction_without_a_pipeline_is_a_round_trip_per_statement(
    conn: CountingConnection,
) -> None:
    with conn.counting() as count, conn.transaction():
        conn.execute("SELECT %s::int", [1])
        conn.execute("SELECT %s::int", [2])
    assert [t.statements for t in count.trips] == [
        ("BEGIN",),
        ("SELECT $1::int",),
        ("SELECT $1::int",),
        ("COMMIT",),
    ]
    assert count.ready == count.syncs + count.queries == 4


def test_a_pipeline_is_one_round_trip(conn: CountingConnection) -> None:
    with conn.counting() as separate:
        with conn.pipeline():
            conn.execute("BEGIN")
            conn.execute("SELECT %s::int", [1])
            conn.execute("SELECT %s::int", [2])
        conn.execute("COMMIT")
    with conn.counting() as together, conn.pipeline():
        conn.execute("BEGIN")
        conn.execute("SELECT %s::int", [1])
        conn.execute("SELECT %s::int", [2])
        conn.execute("COMMIT")
    assert separate.trips == [
        Trip(("BEGIN", "SELECT $1::int", "SELECT $1::int")),
        Trip(("COMMIT",)),
    ]
    assert together.total == 1
    assert (together.syncs, together.ready) == (1, 1)


def test_a_fetch_inside_a_pipeline_is_a_round_trip_of_its_own(conn: CountingConnection) -> None:
    with conn.counting() as count, conn.pipeline():
        assert conn.execute("SELECT %s::int", [1]).fetchone() == (1,)
        conn.execute("SELECT %s::int", [2])
    assert count.trips == [Trip(("SELECT $1::int",)), Trip(("SELECT $1::int",))]
    assert (count.syncs, count.ready) == (1, 1)


def test_a_statement_prepared_outside_a_pipeline_costs_one_more_round_trip_once(
    conn: CountingConnection,
) -> None:
    with conn.counting() as first:
        conn.execute("SELECT %s::int + 1", [1], prepare=True)
    with conn.counting() as again:
        conn.execute("SELECT %s::int + 1", [1], prepare=True)
    assert first.trips == [Trip((), ("SELECT $1::int + 1",)), Trip(("SELECT $1::int + 1",))]
    assert (first.total, first.prepares, first.steady) == (2, 1, 1)
    assert (again.total, again.prepares) == (1, 0)


def test_the_pool_and_the_store_add_no_hidden_round_trips(
    postgres_url: str, postgres_schema: str
) -> None:
    """A transaction of the store that does nothing: the one pipelined begin and the
    commit, whatever the pool does when lending and taking back the connection."""
    with counting_pool(postgres_url) as (pool, traced):
        store = PostgresStore(pool=pool, schema=postgres_schema)
        with traced.counting() as count, store.transaction(["a", "b"]):
            pass
        store.close()
    assert count.total == 2
    assert count.trips[0].statements[0] == "BEGIN ISOLATION LEVEL READ COMMITTED"
    assert count.trips[-1].statements == ("COMMIT",)


# --- a registration ------------------------------------------------------------------------------
#
# The target: at most 3 round trips per registration (docs/performance.md). What the library
# does today (measured with psycopg 3.3.9, psycopg-pool 3.3.3, PostgreSQL on localhost, each
# test on a fresh pooled connection; the store's own pool gives the same counts):
#
#   (a) first registration of a new youth, no match ........ 3
#   (b) another organisation registers her: a match ........ 3
#   (c) the same registration again (nothing written) ...... 3
#   (d) 50 registrations of the benchmarks' mix ............ 155 (3.10 each); 3 for 49 of
#       them, 8 for 1
#
# Where they go. (a) and (b) 1. BEGIN, search path, the advisory locks, the locked dossiers
# and the youths under the locked parents and dwelling (one pipeline); 2. the organisations
# and professionals the registration may need (the registering professional's and those of
# the youth's links) and the head of the unit's logbook lane, locked (one pipeline,
# ``DirectoryReading.read_directory``); 3. the professional's upsert, the dossier's save,
# the outbox, the statistics, the logbook append and COMMIT (one pipeline).
# (c) 1. lock and read; 2. the directory; 3. COMMIT (sent unprepared: psycopg would prepare
# it on its fifth run on a connection, outside a pipeline in a round trip of its own).
# (d) also: a registration that finds a sibling it did not lock (LockSiblings) gives up
# after its first trips, rolls back (1), psycopg then sends DEALLOCATE ALL (1: it drops its
# prepared statements on a ROLLBACK) and the registration runs again with more locks.
#
# Before the directory was read at once (2026-12-06): 5 for a new youth, 7 for a match (5 +
# 2 for each other professional, each one's record and organisation read one by one), 6.38
# on average over the mix, 11 at most; then 4 for each (the log head read with the writes,
# the logbook append and COMMIT in a pipeline after it), 4.10 on average, 9 at most.

FIRST_BOUND = 3
MATCH_BOUND = 3
REPEAT_BOUND = 3
REPEAT_STEADY_BOUND = 3
MIX_BOUND = 155
MIX_STEADY_BOUND = 155
MIX_MAX_BOUND = 8


@dataclass
class Traced:
    index: VerwijsIndex
    conn: CountingConnection

    def register(self, *args: Any) -> tuple[Registration, Count]:
        with self.conn.counting() as count:
            done = self.index.register(*args)
        assert count.trips[-1].statements[-1] == "COMMIT", count.describe()
        return done, count


@pytest.fixture
def traced(postgres_url: str, postgres_schema: str) -> Iterator[Traced]:
    with counting_pool(postgres_url) as (pool, connection):
        store = PostgresStore(pool=pool, schema=postgres_schema)
        try:
            yield Traced(VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(NOW)), connection)
        finally:
            store.close()


def test_the_round_trips_of_a_registration(traced: Traced) -> None:
    first = make_professional(id="wijkteam-1", organisation="Wijkteam Maastricht")
    second = make_professional(id="ggd-1", organisation="GGD Zuid Limburg")
    for professional in (first, second):
        traced.index.add_organisation(professional.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2015, 3, 4), parents=["123456782"])

    new, a = traced.register(youth, first)
    assert new.created and new.match is None
    matched, b = traced.register(youth, second)
    assert matched.created and matched.match is not None
    again, c = traced.register(youth, second)
    assert not again.created

    report = f"(a)\n{a.describe()}\n(b)\n{b.describe()}\n(c)\n{c.describe()}"
    assert a.total <= FIRST_BOUND, report
    assert b.total <= MATCH_BOUND, report
    assert c.total <= REPEAT_BOUND, report
    assert c.steady <= REPEAT_STEADY_BOUND, report
    for count in (a, b, c):
        assert count.ready == count.syncs + count.queries, report


def test_the_round_trips_of_a_mix_of_registrations(traced: Traced) -> None:
    """The benchmarks' single registrations: a third join or make a match."""
    world = make_world(professionals=1_000, organisations=100)
    for organisation in world.organisations:
        traced.index.add_organisation(organisation)
    mix = registrations(world, 50, bsn_start=10_000_000, seed=11)
    assert len(mix) == 50
    counts = [traced.register(r.subject, r.professional)[1] for r in mix]
    totals = [count.total for count in counts]
    report = (
        f"{sum(totals)} round trips ({sum(totals) / len(totals):.2f} each), "
        f"{sum(c.steady for c in counts)} without prepares; each: {totals}"
    )
    assert sum(totals) <= MIX_BOUND, report
    assert sum(c.steady for c in counts) <= MIX_STEADY_BOUND, report
    assert max(totals) <= MIX_MAX_BOUND, report
    assert all(count.ready == count.syncs + count.queries for count in counts), report


CURSORS_BOUND = 2
"""Cursors made for one registration: the transaction's own, which sends its statements and
reads the rows of the last one in each round trip, and one for the log heads read beside
the directory. A new cursor looks up the dumper of each parameter's type again: with one
per statement (``conn.execute``), 11 a registration, a registration took 4-5 % more of
the client's CPU (2026-12-07)."""


def test_a_registration_sends_its_statements_through_one_cursor(traced: Traced) -> None:
    world = make_world(professionals=1_000, organisations=100)
    for organisation in world.organisations:
        traced.index.add_organisation(organisation)
    mix = registrations(world, 50, bsn_start=10_000_000, seed=11)
    made = []
    for r in mix:
        before = traced.conn.cursors
        traced.register(r.subject, r.professional)
        made.append(traced.conn.cursors - before)
    restarted = [n for n in made if n > CURSORS_BOUND]  # a restart with a sibling's lock is
    # a second transaction, with cursors of its own, after the first one's ROLLBACK
    assert len(restarted) <= 2, made
    assert max(made) <= 2 * CURSORS_BOUND + 1, made


BULK_BOUND = 4
"""A batch of 200 records of the mix: the locks with the dossiers, the batch's directory, the
writes with the log head, the log append with the commit. Before the directory was read
for the whole batch at once (2026-12-06): 279, a read per professional and organisation."""


def test_the_round_trips_of_a_bulk_import(traced: Traced) -> None:
    """An import of the benchmarks' mix in one batch: the directory of the whole batch is
    read at once, so the round trips do not grow with the records' professionals."""
    from verwijsindex.importing import ImportRecord

    world = make_world(professionals=1_000, organisations=100)
    for organisation in world.organisations:
        traced.index.add_organisation(organisation)
    mix = registrations(world, 200, bsn_start=10_000_000, seed=11)
    with traced.conn.counting() as count:
        report = traced.index.bulk_register(
            [ImportRecord(r.subject, r.professional) for r in mix], batch_size=200
        )
    assert report.created == len({(r.subject.number, r.professional.id) for r in mix})
    assert count.total <= BULK_BOUND, count.describe()
