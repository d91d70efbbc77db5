"""Registration throughput: one at a time (a transaction and commit each) and in bulk.

Both sides start from an empty store holding only the organisations. The library
registers workload A; the raw baseline replays, on a second empty store of the same
backend, the reads and writes the library makes for workload B (same generator, same
size, other youths). About a third of the registrations join or make a match, so the
outbox and the logbook get their share of rows.

On the memory store each side runs from a heap without the other side's objects (the
library's side first, then the recording of the baseline's operations; garbage is
collected before each). On SQLite and PostgreSQL single registrations alternate, one of
the library's and one of the baseline's in turn ("alternating"): run minutes apart, the
two sides' p50 ratio moved between 1.0 and 1.5 with the load of this shared machine.

Single registrations on SQLite run twice: with the store's default ``synchronous=FULL``
and with ``?synchronous=normal`` (labelled "sqlite (normal)"), each beside a raw baseline
whose connection has the same setting, so that each ratio compares like with like. On
PostgreSQL the library's single registrations are also set beside a raw replay in three
round trips a transaction (``PostgresReplay(pipelined=True)``), as few as a registration's
reads allow (a second run of the library's side). Bulk registrations run with the cyclic
garbage collector on and, labelled "(gc off)", paused around the import as
``verwijsindex import`` runs it.
"""

from __future__ import annotations

import contextlib
import functools

from benchmarks._backends import Settings, index_on, place
from benchmarks._common import (
    Replayer,
    add_organisations,
    close,
    record_bulk,
    record_single,
    replay,
)
from benchmarks._common import replayer as make_replayer
from benchmarks._data import Registration, World, make_world, registrations
from benchmarks._raw import SQLiteReplay
from benchmarks._report import (
    Figure,
    Timing,
    emit,
    settle,
    time_alternating,
    time_each,
    time_total,
)
from verwijsindex import collector_paused
from verwijsindex.importing import ImportRecord
from verwijsindex.storage import DEFAULT_BATCH, MemoryStore

__all__ = ["run_bulk", "run_single"]

_SINGLE = {"memory": (300, 20_000), "sqlite": (200, 3_000), "postgres": (100, 2_000)}
_BULK = {"memory": (500, 50_000), "sqlite": (500, 50_000), "postgres": (300, 20_000)}


def _batch(backend: str) -> int:
    """The index's default batch size on *backend* (the store's own), what a migration
    gets without tuning."""
    return MemoryStore.preferred_batch if backend == "memory" else DEFAULT_BATCH


_SYNCHRONOUS = {"sqlite": ("full", "normal")}
"""The settings of ``synchronous`` single registrations run with, per backend (``full``
alone for the others): each gives a figure of its own."""
_PRAGMA = {"full": 2, "normal": 1}
"""What ``PRAGMA synchronous`` reads back for each setting."""


def run_single(settings: Settings, backend: str) -> None:
    n = settings.size(*_SINGLE[backend])
    world = make_world(professionals=1_000, organisations=100)
    ours_regs = registrations(world, n, bsn_start=10_000_000, seed=11)
    raw_regs = registrations(world, n, bsn_start=20_000_000, seed=12)
    for synchronous in _SYNCHRONOUS.get(backend, ("full",)):
        label = backend if synchronous == "full" else f"{backend} ({synchronous})"
        if backend == "memory":  # each side on a heap of its own, one after the other
            settle()
            ours = _ours_single(settings, backend, world, ours_regs, synchronous)
            recorded = record_single(world, raw_regs)
            settle()
            with place(settings, backend, "single-raw") as target:
                raw = make_replayer(target, world, batched=False)
                base = replay(raw, recorded, len(raw_regs))
                close(raw)
            del recorded
            emit(Figure("register.single", label, n, ours, base, "commit each"))
            continue
        ours, base = _alternating(settings, backend, world, ours_regs, raw_regs, synchronous)
        emit(Figure("register.single", label, n, ours, base, "commit each, alternating"))
        if backend == "postgres":  # and beside a hand-written registration in 3 round trips
            ours, base = _alternating(settings, backend, world, ours_regs, raw_regs, pipelined=True)
            emit(
                Figure("register.single", backend, n, ours, base, "raw in 3 pipelines, alternating")
            )


def _alternating(
    settings: Settings,
    backend: str,
    world: World,
    ours_regs: list[Registration],
    raw_regs: list[Registration],
    synchronous: str = "full",
    *,
    pipelined: bool = False,
) -> tuple[Timing, Timing]:
    """The library's registrations and the raw replay, one of each in turn, each on an
    empty store of its own (the same *synchronous* setting on SQLite): two sides that ran
    one after the other, minutes apart, gave p50 ratios from 1.0 to 1.5 on this shared
    machine; alternating, a load that comes and goes slows both alike."""
    recorded = record_single(world, raw_regs)
    assert len(recorded) == len(ours_regs)  # one transaction a registration
    settle()
    with (
        place(settings, backend, "single", synchronous=synchronous) as ours_place,
        place(settings, backend, "single-raw", synchronous=synchronous) as raw_place,
    ):
        store = ours_place.open()
        add_organisations(store, world)
        index = index_on(store)
        raw = make_replayer(raw_place, world, batched=False, pipelined=pipelined)
        _durable_as(raw, synchronous)
        timings = time_alternating(
            (
                functools.partial(index.register, r.subject, r.professional),
                functools.partial(raw.run, tx),
            )
            for r, tx in zip(ours_regs, recorded, strict=True)
        )
        close(raw)
        store.close()
    return timings


def _durable_as(raw: Replayer, synchronous: str) -> None:
    """Give a raw SQLite baseline the *synchronous* setting of the store it is measured
    against (its connection is opened with ``FULL``, the store's default)."""
    if isinstance(raw, SQLiteReplay):
        raw.db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        assert raw.db.execute("PRAGMA synchronous").fetchone() == (_PRAGMA[synchronous],)


def _ours_single(
    settings: Settings,
    backend: str,
    world: World,
    regs: list[Registration],
    synchronous: str = "full",
) -> Timing:
    """The library's side, in a function of its own: its store is gone when it returns."""
    with place(settings, backend, "single", synchronous=synchronous) as target:
        store = target.open()
        add_organisations(store, world)
        index = index_on(store)
        ours = time_each(regs, lambda r: index.register(r.subject, r.professional))
        store.close()
    return ours


def _ours_bulk(
    settings: Settings, backend: str, world: World, records: list[ImportRecord]
) -> Timing:
    with place(settings, backend, "bulk") as target:
        store = target.open()
        add_organisations(store, world)
        index = index_on(store)
        assert index.batch_size == _batch(backend)
        ours = time_total(len(records), lambda: index.bulk_register(records))
        store.close()
    return ours


def _collector(paused: bool) -> contextlib.AbstractContextManager[None]:
    return collector_paused() if paused else contextlib.nullcontext()


def run_bulk(settings: Settings, backend: str) -> None:
    """Bulk registration twice: with the cyclic garbage collector on, as a server's thread
    runs it (the library never touches it), and paused around the whole import, as
    ``verwijsindex import`` and a batch job run it (``collector_paused()``). Each beside a
    raw baseline replayed under the same setting."""
    n = settings.size(*_BULK[backend])
    world = make_world(professionals=1_000, organisations=100)

    def records(start: int, seed: int) -> list[ImportRecord]:
        return [
            ImportRecord(r.subject, r.professional)
            for r in registrations(world, n, bsn_start=start, seed=seed)
        ]

    ours_records = records(10_000_000, 21)
    raw_records = records(20_000_000, 22)
    for paused in (False, True):
        settle()
        with _collector(paused):
            ours = _ours_bulk(settings, backend, world, ours_records)
        recorded = record_bulk(world, raw_records, _batch(backend))
        settle()
        with (
            place(settings, backend, "bulk-raw") as target,
            _collector(paused),
        ):
            raw = make_replayer(target, world, batched=True)
            base = replay(raw, recorded, n)
            close(raw)
        del recorded
        label = f"{backend} (gc off)" if paused else backend
        emit(Figure("register.bulk", label, n, ours, base, f"batches of {_batch(backend)}"))
