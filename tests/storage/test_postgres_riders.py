"""The outbox and the statistics queued right before a logbook append ride on its
statement (``RIDERS``): whatever the order of a transaction's writes, PostgreSQL ends up
holding what the memory store holds after the same calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from verwijsindex.storage import MemoryStore, Store
from verwijsindex.storage.postgres import PostgresStore
from verwijsindex.testing._records import dossier, entry, link, notification

pytestmark = pytest.mark.postgres
pytest.importorskip("psycopg")

from verwijsindex.storage._postgres_sql import (  # noqa: E402
    ADD_COUNTS,
    ADD_NOTIFICATIONS,
    APPEND_LOG_WITH,
    RIDERS,
    SEAL_HEADS,
)

Step = Callable[[Any], None]


def _notes(n: int) -> Step:
    return lambda tx: tx.add_notifications([("k1", notification(n))])


def _counts(kind: str) -> Step:
    return lambda tx: tx.add_counts([(date(2026, 12, 1), "0935", "12-17", kind, 1)])


def _log(seq: int) -> Step:
    def append(tx: Any) -> None:
        tx.append_log([entry(3, seq, token="t")], [("t", f"e3-{seq}")], {3: f"seal {seq}"})

    return append


def _save(tx: Any) -> None:
    tx.save(dossier("k1", links=(link(1, "k1"),)))


def _seal_other_lane(tx: Any) -> None:
    tx.append_log([], [], {5: "a seal alone"})


ORDERS: dict[str, tuple[list[Step], list[str]]] = {
    # the calls, and the statements they are queued as
    "outbox, counts, log": (
        [_notes(1), _counts("match"), _log(1)],
        ["log with new_counts, new_notifications"],
    ),
    "counts, outbox, log": (
        [_counts("match"), _notes(1), _log(1)],
        ["log with new_counts, new_notifications"],
    ),
    "outbox, log": ([_notes(1), _log(1)], ["log with new_notifications"]),
    "counts, log": ([_counts("match"), _log(1)], ["log with new_counts"]),
    "two outboxes, counts, log": (
        [_notes(1), _notes(2), _counts("match"), _log(1)],
        ["outbox", "log with new_counts, new_notifications"],
    ),
    "the same cell twice": (
        [_counts("match"), _counts("match"), _log(1)],
        ["counts", "log with new_counts"],
    ),
    "a save in between": (
        [_notes(1), _save, _counts("match"), _log(1)],
        ["outbox", "save", "log with new_counts"],
    ),
    "a seal in between": (
        [_notes(1), _counts("match"), _seal_other_lane, _log(1)],
        ["outbox", "counts", "seal", "log"],
    ),
    "two appends": (
        [_notes(1), _log(1), _counts("match"), _notes(3), _log(2)],
        ["log with new_notifications", "log with new_counts, new_notifications"],
    ),
    "the same notification again": (
        [_notes(1), _log(1), _notes(1), _log(2)],
        ["log with new_notifications", "log with new_notifications"],
    ),
}


def _queued(tx: Any) -> list[str]:
    names = {ADD_NOTIFICATIONS: "outbox", ADD_COUNTS: "counts", SEAL_HEADS: "seal"}
    for riders, query in APPEND_LOG_WITH.items():
        names[query] = f"log with {', '.join(sorted(riders))}" if riders else "log"
    tx._queue_saves()
    return [names.get(query, "save") for query, _ in tx._queue]


def _state(store: Store) -> tuple[Any, ...]:
    with store.transaction() as tx:
        return (
            sorted((n.id, n.recipient) for n in tx.pending_notifications(None)),
            sorted(n.id for n in tx.pending_for("P1", None)),
            tx.counts(date(2026, 1, 1), date(2027, 1, 1)),
            tx.log_heads(),
            tx.log_seals(),
            [e.id for e in tx.log_entries()],
            [e.id for e in tx.log_entries_for("t")],
            tx.key_for_link("L1"),
        )


@pytest.mark.parametrize("order", list(ORDERS))
def test_the_riders_write_what_separate_statements_write(
    postgres_store: PostgresStore, order: str
) -> None:
    steps, statements = ORDERS[order]
    memory = MemoryStore()
    with memory.transaction(["k1"]) as tx:
        for step in steps:
            step(tx)
    with postgres_store.transaction(["k1"]) as tx:
        for step in steps:
            step(tx)
        assert _queued(tx) == statements
    assert _state(postgres_store) == _state(memory)


def _written_then_failed(store: PostgresStore) -> None:
    with store.transaction(["k1"]) as tx:
        _notes(1)(tx)
        _counts("match")(tx)
        _log(1)(tx)
        # a read sends the append with its riders; the transaction sees them
        assert [n.id for n in tx.pending_notifications(None)] == ["N1"]
        raise RuntimeError("before the commit")


def test_a_rider_rolled_back_with_its_append_is_gone(postgres_store: PostgresStore) -> None:
    with pytest.raises(RuntimeError, match="before the commit"):
        _written_then_failed(postgres_store)
    assert _state(postgres_store) == _state(MemoryStore())


def test_each_set_of_riders_has_its_statement() -> None:
    names = set(RIDERS.values())
    assert len(APPEND_LOG_WITH) == 2 ** len(names)
    for riders, query in APPEND_LOG_WITH.items():
        for rider in names:
            assert (f"{rider} AS (" in query) is (rider in riders)
