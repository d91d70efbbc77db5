"""Concurrent registration: 8 worker processes against one SQLite file or PostgreSQL schema,
against 1 worker doing the same per-worker work.

Each worker registers its own fresh youths, a commit each (about a third join or make a
match). Workers prepare (import, build data, connect) before a common start signal, so
only the registrations are timed; throughput is all registrations over the wall time
from the signal to the last worker's end, and p99 is over every registration. The raw
baseline runs the same way, each worker replaying with hand-written statements what the
library reads and writes for its youths.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from benchmarks._backends import Place, Settings, index_on, place
from benchmarks._common import add_organisations, record_single
from benchmarks._data import make_world, registrations
from benchmarks._raw import PostgresReplay, SQLiteReplay
from benchmarks._report import Figure, Timing, emit, time_each

__all__ = ["run"]

WORKERS = 8
_WORLD = (1_000, 100)


def _worker(
    target: Place, kind: str, wid: int, count: int, ready: Any, go: Any, results: Any
) -> None:
    try:
        world = make_world(*_WORLD)
        regs = registrations(world, count, bsn_start=10_000_000 + wid * 300_000, seed=500 + wid)
        if kind == "ours":
            store = target.open()
            index = index_on(store)
            ready.put(wid)
            go.wait()
            start = time.perf_counter()
            timing = time_each(regs, lambda r: index.register(r.subject, r.professional))
            store.close()
        else:
            recorded = record_single(world, regs)
            raw: SQLiteReplay | PostgresReplay
            if target.sqlite_path is not None:
                raw = SQLiteReplay(target.sqlite_path)
            else:
                assert target.pg_url is not None and target.schema is not None
                raw = PostgresReplay(target.pg_url, target.schema)
            ready.put(wid)
            go.wait()
            start = time.perf_counter()
            timing = time_each(recorded, raw.run)
            raw.close()
        results.put((wid, start, time.perf_counter(), timing.count, timing.latencies_ns, None))
    except BaseException as error:  # reported to the parent, which raises it
        ready.put(wid)
        results.put((wid, 0.0, 0.0, 0, [], repr(error)))


def _side_by_side(target: Place, kind: str, workers: int, count: int) -> Timing:
    store = target.open()
    add_organisations(store, make_world(*_WORLD))
    store.close()
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    processes = [
        ctx.Process(target=_worker, args=(target, kind, w, count, ready, go, results))
        for w in range(workers)
    ]
    for p in processes:
        p.start()
    for _ in processes:
        ready.get(timeout=300)
    go.set()
    parts = [results.get(timeout=1_200) for _ in processes]
    for p in processes:
        p.join(60)
    errors = [part[5] for part in parts if part[5] is not None]
    if errors:
        raise RuntimeError(f"a {kind} worker failed: {errors[0]}")
    wall = max(part[2] for part in parts) - min(part[1] for part in parts)
    return Timing.merge((Timing(part[3], 0.0, part[4]) for part in parts), wall)


def run(settings: Settings, backend: str) -> None:
    count = settings.size(5, 300)
    many = settings.size(2, WORKERS)  # --quick: two workers show the code runs
    results: dict[int, tuple[Timing, Timing]] = {}
    for workers in (1, many):
        with place(settings, backend, f"ours-{workers}") as target:
            ours = _side_by_side(target, "ours", workers, count)
        with place(settings, backend, f"raw-{workers}") as target:
            raw = _side_by_side(target, "raw", workers, count)
        results[workers] = (ours, raw)
    one_ours, one_raw = results[1]
    many_ours, many_raw = results[many]
    emit(Figure("concurrent.1-worker", backend, one_ours.count, one_ours, one_raw, "processes"))
    emit(
        Figure(
            f"concurrent.{many}-workers",
            backend,
            many_ours.count,
            many_ours,
            many_raw,
            f"{many_ours.ops / one_ours.ops:.1f}x one worker; raw "
            f"{many_raw.ops / one_raw.ops:.1f}x",
        )
    )
