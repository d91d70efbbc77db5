"""Benchmarks on a store that already holds many links (10 thousand, 1 million).

The store is filled with :meth:`VerwijsIndex.bulk_register` (historical links made in the
last 700 days, about 1.6 per youth, 20 per professional on average), in batches of 2,000
youths (500 on PostgreSQL, whose advisory locks share one lock table). One filled store
per backend serves, in order: registration latency, ``matches_for``, the access report,
on the memory store paging (every key in pages, an outbox of its own drained) and a
re-key of every dossier, and
the sweeps, which change the store and so come last.
"""

from __future__ import annotations

import bisect
import hmac
import itertools
import json
import random
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, LiteralString

from benchmarks import _loader, _rawsweep, access
from benchmarks._backends import Place, Settings, index_on, place
from benchmarks._common import add_organisations, close, record_single, replay, replayer
from benchmarks._data import NOW, World, historic_records, make_world, registrations
from benchmarks._raw import sqlite_connect
from benchmarks._report import Figure, Timing, emit, note, settle, time_each, time_total
from verwijsindex.clock import local_date
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Notification, NotificationKind
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.storage import MemoryStore, Store
from verwijsindex.testing import FixedClock

__all__ = ["Stored", "populate", "run_1m", "run_10k"]

LINKS_PER_PROFESSIONAL = 20
_POPULATE_BATCH = {"memory": 2_000, "sqlite": 2_000, "postgres": 500}
_CHUNK = 30_000
"""Youths per chunk (about 50,000 links)."""


def world_for(links: int) -> World:
    """Professionals enough for :data:`LINKS_PER_PROFESSIONAL` each; 25 per organisation."""
    professionals = max(20, links // LINKS_PER_PROFESSIONAL)
    return make_world(professionals, max(4, professionals // 25), seed=3)


@dataclass
class Stored:
    """A filled store and what the benchmarks on it need."""

    place: Place
    store: Store
    index: VerwijsIndex
    clock: FixedClock
    world: World
    links: int
    sample: list[ImportRecord]
    """Every 97th record that was imported: youths known to be stored."""


def populate(target: Place, links: int, fill: str = "load") -> Stored:
    """Fill a store on *target* with *links* historical links: written as dossiers by
    :mod:`benchmarks._loader` (*fill* ``"load"``) or through ``bulk_register``."""
    world = world_for(links)
    store = target.open()
    add_organisations(store, world)
    with store.transaction() as tx:
        for professional in world.professionals:
            tx.put_professional(professional)
    clock = FixedClock(NOW)
    index = index_on(store, clock)
    youths = _loader.by_youth(historic_records(world, links, bsn_start=60_000_000, seed=5))
    sample: list[ImportRecord] = []
    batch = _POPULATE_BATCH[target.backend]
    start = time.perf_counter()
    done = 0
    while groups := list(itertools.islice(youths, _CHUNK)):
        chunk = [record for group in groups for record in group]
        sample.extend(chunk[::97])
        if fill == "bulk":
            report = index.bulk_register(chunk, batch_size=batch)
            done += report.created
            if report.rejected:  # pragma: no cover - the generator makes valid records
                raise RuntimeError(f"{report.rejected} records rejected while filling")
        else:
            done += _loader.load(store, index, groups)
        elapsed = time.perf_counter() - start
        note(f"filling {target.backend}: {done:,} links, {elapsed:.0f} s ({done / elapsed:,.0f}/s)")
    if target.backend == "postgres":
        _analyze(target)
    elapsed = time.perf_counter() - start
    how = f"bulk_register, batches of {batch}" if fill == "bulk" else "dossiers via tx.save"
    print(
        f"{'(filled)':<24} {target.backend:<8} n={done:<8,} {done / elapsed:>10,.0f}/s "
        f" in {elapsed:.0f} s: {how}",
        flush=True,
    )
    return Stored(target, store, index, clock, world, done, sample)


def _analyze(target: Place) -> None:
    """ANALYZE the freshly loaded schema, as autovacuum does soon after a big load (and as
    a migration should): without statistics the planner guesses badly on a million rows."""
    import psycopg

    assert target.pg_url is not None
    with psycopg.connect(target.pg_url, autocommit=True) as conn:
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [target.schema])
        conn.execute(
            "ANALYZE dossiers, dossier_links, dossier_matches, dossier_professionals,"
            " dossier_parents, professionals, log_entries, log_refs"
        )


def run_10k(settings: Settings, backend: str) -> None:
    links = settings.size(300, 10_000)
    with place(settings, backend, "stored-10k") as target:
        stored = populate(target, links, settings.fill)
        try:
            register_latency(settings, stored, "register.at-10k")
        finally:
            stored.store.close()


def run_1m(settings: Settings, backend: str) -> None:
    links = settings.size(2_000, 1_000_000)
    with place(settings, backend, "stored-1m") as target:
        stored = populate(target, links, settings.fill)
        try:
            register_latency(settings, stored, "register.at-1m")
            matches_for(settings, stored)
            access.run(settings, stored)
            if backend == "memory":
                paging(settings, stored)
            sweeps(settings, stored)
        finally:
            stored.store.close()


# --- registration latency -------------------------------------------------------------------


def register_latency(settings: Settings, stored: Stored, name: str) -> None:
    """Fresh registrations, a commit each, on the filled store; the raw baseline replays the
    library's reads and writes for other fresh youths on the same store."""
    n = settings.size(50, 2_000)
    ours_regs = registrations(stored.world, n, bsn_start=10_000_000, seed=31)
    recorded = record_single(
        stored.world, registrations(stored.world, n, bsn_start=20_000_000, seed=32), known=True
    )
    index = stored.index
    settle()
    ours = time_each(ours_regs, lambda r: index.register(r.subject, r.professional))
    raw = replayer(stored.place, stored.world, batched=False, prepare=False)
    settle()  # the registrations above and the replayer left garbage; a full collection
    # of a million links takes seconds, and it must not land in the raw side
    base = replay(raw, recorded, n)
    close(raw)
    emit(Figure(name, stored.place.backend, n, ours, base, f"{stored.links:,} links stored"))


# --- matches_for ------------------------------------------------------------------------------


def matches_for(settings: Settings, stored: Stored) -> None:
    """``matches_for`` of random professionals; the raw baseline reads the same rows in
    one statement (the JSON of the professional's dossiers that have a match) and picks
    the matches from plain JSON."""
    n = settings.size(50, 2_000)
    rng = random.Random(41)
    pids = [rng.choice(stored.world.professionals).id for _ in range(n)]
    index = stored.index
    ours = time_each(pids, index.matches_for)
    raw = _raw_matches_for(stored)
    base = time_each(pids, raw)
    found = sum(len(index.matches_for(p)) for p in pids[:50]) / min(n, 50)
    emit(
        Figure(
            "matches_for.at-1m",
            stored.place.backend,
            n,
            ours,
            base,
            f"{stored.links:,} links; {LINKS_PER_PROFESSIONAL} links and {found:.1f} "
            "matches per professional",
        )
    )


def _pick(pid: str, dossiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    matches = [d["match"] for d in dossiers if d["match"] and pid in d["match"]["professionals"]]
    return sorted(matches, key=lambda m: (m["created_at"], m["id"]))


_RAW_MATCHES: LiteralString = (
    "SELECT d.data FROM dossier_professionals p JOIN dossiers d ON d.key = p.key"
    " WHERE p.professional_id = %s"
    " AND EXISTS (SELECT 1 FROM dossier_matches m WHERE m.key = p.key) ORDER BY p.key"
)


def _raw_matches_for(stored: Stored) -> Callable[[str], object]:
    target = stored.place
    if target.backend == "memory":
        s: Any = stored.store

        def memory(pid: str) -> object:
            dossiers = [s._dossiers[k] for k in sorted(s._by_professional.get(pid, ()))]
            matches = [d.match for d in dossiers if d.match and pid in d.match.professionals]
            return sorted(matches, key=lambda m: (m.created_at, m.id))

        return memory
    if target.backend == "sqlite":
        assert target.sqlite_path is not None
        db = sqlite_connect(target.sqlite_path)

        def lite(pid: str) -> object:
            db.execute("BEGIN")
            rows = db.execute(_RAW_MATCHES.replace("%s", "?"), (pid,)).fetchall()
            db.execute("COMMIT")
            return _pick(pid, [json.loads(r[0]) for r in rows])

        return lite
    import psycopg

    assert target.pg_url is not None
    conn = psycopg.connect(target.pg_url, autocommit=True)
    conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [target.schema])

    def pg(pid: str) -> object:
        with conn.transaction():
            rows = conn.execute(_RAW_MATCHES, [pid]).fetchall()
        return _pick(pid, [json.loads(r[0]) for r in rows])

    return pg


# --- paging (memory) ----------------------------------------------------------------------------

PAGE = 500
"""Keys or notifications per page."""


def paging(settings: Settings, stored: Stored) -> None:
    """The memory store read a page at a time: every stored key in pages of :data:`PAGE`,
    a transaction each (as a re-key pages), an outbox of N pending notifications on a
    store of its own drained by claiming a page and acknowledging it, and a re-key of every
    dossier. The raw baselines page a plain sorted list by bisection, pop a plain queue
    beside a dict, and move each key of a dict to its HMAC."""
    s: Any = stored.store
    count = len(s._dossiers)
    ordered = sorted(s._dossiers)
    settle()
    ours = time_total(count, lambda: _page_keys(stored.store))
    settle()
    base = time_total(count, lambda: _page_list(ordered))
    what = f"pages of {PAGE}, a transaction each; took {ours.seconds:.2f} s"
    emit(Figure("keys.all-pages", "memory", count, ours, base, what))
    n = settings.size(2_000, 200_000)
    outbox = MemoryStore()
    notes = [
        Notification(
            id=f"bench-{i}", kind=NotificationKind.FOLLOW_UP, recipient="0935", created_at=NOW
        )
        for i in range(n)
    ]
    with outbox.transaction() as tx:
        tx.add_notifications([(f"youth-{i % 1_000}", x) for i, x in enumerate(notes)])
    index = index_on(outbox, FixedClock(NOW))
    settle()
    ours = time_total(n, lambda: _drain(index))
    settle()
    base = time_total(n, lambda: _drain_queue(notes))
    outbox.close()
    what = f"claim {PAGE} and acknowledge them, a page at a time; took {ours.seconds:.2f} s"
    emit(Figure("outbox.drain", "memory", n, ours, base, what))
    keys = list(s._dossiers)
    moved: list[int] = []
    settle()
    ours = time_total(count, lambda: moved.append(stored.index.rekey(_NEW_KEY)))
    settle()
    base = time_total(count, lambda: _rekey_dict(keys))
    what = f"{moved[0]:,} dossiers moved to a new key; took {ours.seconds:.1f} s"
    emit(Figure("rekey.all", "memory", count, ours, base, what))


_NEW_KEY = PseudonymKey("bench-rekey", bytes(range(32)))


def _rekey_dict(keys: list[str]) -> None:
    """The raw re-key: one HMAC step per key from a keyed state, and the entry moved to
    its new key in a dict."""
    table = dict.fromkeys(keys)
    keyed = hmac.new(bytes(range(32)), digestmod="sha256")
    for key in keys:
        mac = keyed.copy()
        mac.update(key.encode("ascii"))
        table[mac.hexdigest()] = table.pop(key)


def _page_keys(store: Store) -> None:
    after: str | None = None
    while True:
        with store.transaction() as tx:
            keys = tx.keys(after, PAGE)
        if not keys:
            return
        after = keys[-1]


def _page_list(ordered: list[str]) -> None:
    after: str | None = None
    while True:
        start = 0 if after is None else bisect.bisect_right(ordered, after)
        keys = ordered[start : start + PAGE]
        if not keys:
            return
        after = keys[-1]


def _drain(index: VerwijsIndex) -> None:
    while (claim := index.claim_notifications(PAGE)).notifications:
        index.acknowledge(claim)


def _drain_queue(notes: list[Notification]) -> None:
    pending = {x.id: x for x in notes}
    queue = deque(pending)
    while queue:
        page = [pending[queue.popleft()] for _ in range(min(PAGE, len(queue)))]
        for x in page:
            del pending[x.id]


# --- sweep -------------------------------------------------------------------------------------


def sweeps(settings: Settings, stored: Stored) -> None:
    """A periodic sweep 60 days on (about 4 % of the links have ended), then a catch-up
    sweep two years and a day on, when every link has ended (the worst case: every dossier
    is rewritten or deleted)."""
    runs = [("sweep.after-60-days", timedelta(days=60)), ("sweep.all-due", timedelta(days=731))]
    for name, later in runs:
        at = NOW + later
        links = _count_links(stored)
        base = _raw_sweep(stored, at)
        stored.clock.set(at)
        start = time.perf_counter()
        report = stored.index.sweep()
        ours = Timing(links, time.perf_counter() - start)
        emit(
            Figure(
                name,
                stored.place.backend,
                links,
                ours,
                base,
                f"links/s over all stored links; {report.dossiers:,} dossiers due, "
                f"took {ours.seconds:.1f} s",
            )
        )


def _count_links(stored: Stored) -> int:
    target = stored.place
    if target.backend == "memory":
        s: Any = stored.store
        return len(s._by_link)
    if target.backend == "sqlite":
        assert target.sqlite_path is not None
        with sqlite3.connect(target.sqlite_path) as db:
            row = db.execute("SELECT count(*) FROM dossier_links").fetchone()
        return int(row[0])
    import psycopg

    assert target.pg_url is not None
    with psycopg.connect(target.pg_url) as conn:
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [target.schema])
        found = conn.execute("SELECT count(*) FROM dossier_links").fetchone()
    return int(found[0]) if found else 0


def _raw_sweep(stored: Stored, at: Any) -> Timing:
    target = stored.place
    today = local_date(at)
    links = _count_links(stored)
    start = time.perf_counter()
    if target.backend == "memory":
        s: Any = stored.store
        _rawsweep.memory_sweep(s._dossiers, today)
    elif target.backend == "sqlite":
        assert target.sqlite_path is not None
        _rawsweep.sqlite_sweep(target.sqlite_path, today)
    else:
        assert target.pg_url is not None and target.schema is not None
        _rawsweep.postgres_sweep(target.pg_url, target.schema, today)
    return Timing(links, time.perf_counter() - start)
