"""Checking the logbook: the full check against the check from an anchor on.

A store gets *n* chained entries in one lane (written directly, as the index chains them),
an anchor, then *k* more entries. ``verify_logbook(anchor)`` reads and checks all of them;
``verify_logbook(anchor, from_anchor=True)`` only those from the anchored entry on. The raw
baseline of each reads the same entries from the store without checking anything
(``log_entries`` and ``log_entries_from``): what is left is the hashing and chaining.
"""

from __future__ import annotations

import os
from datetime import timezone

from benchmarks._backends import Settings, index_on, place
from benchmarks._data import NOW
from benchmarks._report import Figure, emit, settle, time_total
from verwijsindex.logbook import Draft, chain, read_anchor
from verwijsindex.model import LogAction
from verwijsindex.storage import LogReadingFrom, Store

__all__ = ["run"]

_SIZES = {"memory": (2_000, 200_000), "sqlite": (2_000, 200_000), "postgres": (2_000, 200_000)}
_AFTER = (100, 1_000)
"""Entries written after the anchor (quick, full)."""
_BATCH = 10_000


def _append(store: Store, count: int) -> None:
    at = NOW.astimezone(timezone.utc)
    for start in range(0, count, _BATCH):
        with store.transaction() as tx:
            drafts = [
                Draft(at, "system", LogAction.SWEEP, id=os.urandom(16).hex())
                for _ in range(min(_BATCH, count - start))
            ]
            tx.append_log(chain(tx.log_head(0), drafts, lane=0), [])


def _read_all(store: Store) -> int:
    with store.transaction(snapshot=True) as tx:
        return sum(1 for _ in tx.log_entries())


def _read_from(store: Store, starts: dict[int, int]) -> int:
    with store.transaction(snapshot=True) as tx:
        assert isinstance(tx, LogReadingFrom)
        return sum(1 for _ in tx.log_entries_from(starts))


def run(settings: Settings, backend: str) -> None:
    n = settings.size(*_SIZES[backend])
    k = settings.size(*_AFTER)
    with place(settings, backend, "logbook") as target:
        store = target.open()
        index = index_on(store)
        _append(store, n)
        anchor = index.logbook_anchor()
        _append(store, k)
        starts = {lane: seq for lane, (seq, _) in read_anchor(anchor).items()}
        settle()
        full = time_total(n + k, lambda: index.verify_logbook(anchor))
        settle()
        raw_full = time_total(n + k, lambda: _read_all(store))
        settle()
        quick = time_total(k + 1, lambda: index.verify_logbook(anchor, from_anchor=True))
        settle()
        raw_quick = time_total(k + 1, lambda: _read_from(store, starts))
        store.close()
    emit(Figure("logbook.verify-full", backend, n + k, full, raw_full, "entries/s; all read"))
    seconds = f"{quick.seconds:.3f} s against {full.seconds:.2f} s for the full check"
    emit(Figure("logbook.from-anchor", backend, k + 1, quick, raw_quick, seconds))
