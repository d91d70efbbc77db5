"""Shared steps: recording the raw baseline's work, preparing places, timing replays."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from benchmarks._backends import Place, index_on
from benchmarks._data import Registration, World
from benchmarks._raw import (
    MemoryReplay,
    PostgresReplay,
    RecordedTransaction,
    RecordingStore,
    SQLiteReplay,
)
from benchmarks._report import Timing, time_each
from verwijsindex.importing import ImportRecord
from verwijsindex.storage import Store

__all__ = [
    "Replayer",
    "add_organisations",
    "record_bulk",
    "record_single",
    "replay",
    "replayer",
]


def add_organisations(store: Store, world: World) -> None:
    index = index_on(store)
    for organisation in world.organisations:
        index.add_organisation(organisation)


def record_single(
    world: World, regs: Sequence[Registration], *, known: bool = False
) -> list[RecordedTransaction]:
    """What the index reads and writes for each of *regs*, one transaction each; with
    *known*, every professional of *world* is stored beforehand (as in a filled store)."""
    recorder = RecordingStore()
    add_organisations(recorder, world)
    if known:
        with recorder.transaction() as tx:
            for professional in world.professionals:
                tx.put_professional(professional)
    recorder.take()
    index = index_on(recorder)
    for reg in regs:
        index.register(reg.subject, reg.professional)
    return recorder.take()


def record_bulk(
    world: World, records: Iterable[ImportRecord], batch_size: int
) -> list[RecordedTransaction]:
    """What :meth:`bulk_register` reads and writes, one transaction per batch."""
    recorder = RecordingStore()
    add_organisations(recorder, world)
    recorder.take()
    index = index_on(recorder)
    index.bulk_register(records, batch_size=batch_size)
    return recorder.take()


Replayer = MemoryReplay | SQLiteReplay | PostgresReplay


def replayer(
    target: Place, world: World, *, batched: bool, prepare: bool = True, pipelined: bool = False
) -> Replayer:
    """A raw baseline on *target*; with *prepare*, the schema is made and the organisations
    added first by the library (so both sides start from the same rows); *pipelined* for
    the PostgreSQL replay in three round trips a transaction."""
    if target.backend == "memory":
        return MemoryReplay(world.organisations, [])
    if prepare:
        store = target.open()
        add_organisations(store, world)
        store.close()
    if target.backend == "sqlite":
        assert target.sqlite_path is not None
        return SQLiteReplay(target.sqlite_path, batched=batched)
    assert target.pg_url is not None and target.schema is not None
    return PostgresReplay(target.pg_url, target.schema, batched=batched, pipelined=pipelined)


def replay(raw: Replayer, transactions: Sequence[RecordedTransaction], count: int) -> Timing:
    """Replay *transactions* (doing *count* operations in all), timing each."""
    timing = time_each(transactions, raw.run)
    timing.count = count
    if len(transactions) != count:
        timing.latencies_ns = []  # per batch, not per operation: no meaningful p50/p99
    return timing


def close(raw: Any) -> None:
    closer = getattr(raw, "close", None)
    if closer is not None:
        closer()
