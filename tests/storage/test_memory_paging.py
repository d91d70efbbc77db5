"""The memory store pages in proportion to the page, not to the store.

``keys(after, limit)``, ``pending_notifications(limit)`` and ``claim_notifications`` are
checked two ways:

- the same answers as a plain reference model (sorted keys; pending notifications in order
  of arrival, claims and leases as the protocol has them) under random interleavings of
  saves, deletions, notifications added, acknowledged, claimed, deleted and re-keyed, and
  transactions that commit or roll back (after which the store's orders are as they were),
  with runs short enough to split and join; and the sorted runs on their own;
- the work done counted, never timed: keys that count their comparisons, and dicts that
  count the rows read from them. Paging through everything costs in proportion to the
  number of items, where sorting the store for each page costs that times the pages.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from verwijsindex.model import Notification, NotificationKind
from verwijsindex.storage import MemoryStore, Transaction, _ordered
from verwijsindex.storage._ordered import _Sorted
from verwijsindex.testing._base import START
from verwijsindex.testing._factories import raises
from verwijsindex.testing._records import dossier

# Keys whose code-point order is not the order of a locale: capitals first, accents and a
# character outside the Basic Multilingual Plane last, a prefix before its extensions.
KEYS = ("Z", "a", "k1", "k10", "k2", "ß", "é", "éa", "\U0001d518")
NOTE_IDS = tuple(f"n{i}" for i in range(7))
RECIPIENTS = ("0935", "0917")
CLAIMANTS = ("c1", "c2")


def note(notification_id: str, version: int, recipient: str) -> Notification:
    return Notification(
        id=notification_id,
        kind=NotificationKind.FOLLOW_UP,
        recipient=recipient,
        created_at=START + timedelta(minutes=version),
    )


# --- the reference model ----------------------------------------------------------------------


@dataclass
class Model:
    """What the store must answer, kept the simple way: sort everything when asked."""

    keys: set[str] = field(default_factory=set)
    outbox: dict[str, tuple[str, int, Notification]] = field(default_factory=dict)
    claims: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    arrivals: int = 0
    now: datetime = START

    def pending(self) -> list[Notification]:
        return [n for _, _, n in sorted(self.outbox.values(), key=lambda row: row[1])]

    def page(self, after: str | None, limit: int) -> list[str]:
        return sorted(k for k in self.keys if after is None or k > after)[:limit]

    def add(self, items: list[tuple[str, Notification]]) -> None:
        for key, notification in items:
            old = self.outbox.get(notification.id)
            if old is None:
                seq, self.arrivals = self.arrivals, self.arrivals + 1
            else:
                seq = old[1]
            self.outbox[notification.id] = (key, seq, notification)

    def claim(self, limit: int, until: datetime, claim: str) -> list[Notification]:
        free = [
            n for n in self.pending() if n.id not in self.claims or self.claims[n.id][1] <= self.now
        ][:limit]
        for n in free:
            self.claims[n.id] = (claim, until)
        return free

    def acknowledge(self, ids: list[str], claim: str | None) -> int:
        done = 0
        for notification_id in dict.fromkeys(ids):
            if notification_id not in self.outbox:
                continue
            held = self.claims.get(notification_id)
            if claim is not None and (held is None or held[0] != claim):
                continue
            del self.outbox[notification_id]
            self.claims.pop(notification_id, None)
            done += 1
        return done

    def delete_notifications(self, key: str) -> None:
        for notification_id in [i for i, row in self.outbox.items() if row[0] == key]:
            del self.outbox[notification_id]
            self.claims.pop(notification_id, None)

    def rekey(self, old: str, new: str) -> None:
        for notification_id, (key, seq, n) in list(self.outbox.items()):
            if key == old:
                self.outbox[notification_id] = (new, seq, n)


# --- operations, drawn at random -----------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str
    key: str = ""
    other: str = ""
    items: tuple[tuple[str, str, int, str], ...] = ()
    ids: tuple[str, ...] = ()
    claim: str | None = None
    limit: int = 0
    advance: int = 0
    lease: int = 1

    def apply(self, tx: Transaction, model: Model) -> None:
        """Do the operation on the store and on the model; what they return must agree."""
        if self.kind == "save":
            tx.save(dossier(self.key))
            model.keys.add(self.key)
        elif self.kind == "delete":
            tx.delete(self.key)
            model.keys.discard(self.key)
        elif self.kind == "add":
            items = [(key, note(i, version, to)) for key, i, version, to in self.items]
            tx.add_notifications(items)
            model.add(items)
        elif self.kind == "acknowledge":
            assert tx.acknowledge(self.ids, self.claim) == model.acknowledge(
                list(self.ids), self.claim
            )
        elif self.kind == "claim":
            assert self.claim is not None
            model.now += timedelta(minutes=self.advance)
            until = model.now + timedelta(minutes=self.lease)
            got = tx.claim_notifications(self.limit, model.now, until, self.claim)
            assert got == model.claim(self.limit, until, self.claim)
        elif self.kind == "delete_notifications":
            tx.delete_notifications(self.key)
            model.delete_notifications(self.key)
        else:
            tx.rekey_notifications(self.key, self.other)
            model.rekey(self.key, self.other)


keys = st.sampled_from(KEYS)
ops = st.one_of(
    st.builds(Op, kind=st.just("save"), key=keys),
    st.builds(Op, kind=st.just("delete"), key=keys),
    st.builds(
        Op,
        kind=st.just("add"),
        items=st.lists(
            st.tuples(
                keys, st.sampled_from(NOTE_IDS), st.integers(0, 3), st.sampled_from(RECIPIENTS)
            ),
            max_size=4,
        ).map(tuple),
    ),
    st.builds(
        Op,
        kind=st.just("acknowledge"),
        ids=st.lists(st.sampled_from((*NOTE_IDS, "unknown")), max_size=4).map(tuple),
        claim=st.sampled_from((None, *CLAIMANTS)),
    ),
    st.builds(
        Op,
        kind=st.just("claim"),
        limit=st.integers(0, 4),
        advance=st.integers(0, 3),
        lease=st.integers(1, 3),
        claim=st.sampled_from(CLAIMANTS),
    ),
    st.builds(Op, kind=st.just("delete_notifications"), key=keys),
    st.builds(Op, kind=st.just("rekey_notifications"), key=keys, other=keys),
)
transactions = st.lists(st.tuples(st.booleans(), st.lists(ops, max_size=8)), max_size=8)


def same_reads(tx: Transaction, model: Model) -> None:
    """Every page of keys and of pending notifications is the model's."""
    for after in (None, "", *KEYS, "\U0010ffff"):
        for limit in (0, 1, 2, 100):
            assert tx.keys(after, limit) == model.page(after, limit), (after, limit)
    for size in (1, 2, 3):
        seen: list[str] = []
        start: str | None = None
        while page := tx.keys(start, size):
            seen.extend(page)
            start = page[-1]
        assert seen == sorted(model.keys)
    pending = model.pending()
    assert tx.pending_notifications(None) == pending
    for limit in (0, 1, 2, 3, 100):
        assert tx.pending_notifications(limit) == pending[:limit]
    for recipient in RECIPIENTS:
        mine = [n for n in pending if n.recipient == recipient]
        assert tx.pending_for(recipient, None) == mine
        assert tx.pending_for(recipient, 1) == mine[:1]


def well_formed(order: _Sorted[Any]) -> None:
    """Runs ascending one after the other, with their lasts; none empty or too long, and
    none of a quarter of the longest or shorter unless it is the only one."""
    values = list(order)
    assert values == sorted(set(values))
    assert all(0 < len(run) <= _ordered._RUN for run in order.runs)
    if len(order.runs) > 1:
        assert all(len(run) > _ordered._RUN // 4 for run in order.runs)
    assert order.lasts == [run[-1] for run in order.runs]


class Boom(Exception):
    pass


@settings(max_examples=300, deadline=None)
@given(transactions, st.sampled_from((2, 3, 4)))
def test_pages_are_the_reference_pages_through_commits_and_rollbacks(
    plan: list[tuple[bool, list[Op]]], run: int
) -> None:
    with mock.patch.object(_ordered, "_RUN", run):  # runs split, join and empty at these sizes
        store = MemoryStore()
        model = Model()
        for commit, steps in plan:
            before = copy.deepcopy(model)
            orders = copy.deepcopy((store._key_order, store._arrival_order))
            if commit:
                with store.transaction() as tx:
                    for op in steps:
                        op.apply(tx, model)
                        same_reads(tx, model)
            else:
                with raises(Boom), store.transaction() as tx:
                    for op in steps:
                        op.apply(tx, model)
                        same_reads(tx, model)
                    raise Boom
                before.now = model.now  # the clock does not roll back
                model = before
                assert (store._key_order, store._arrival_order) == orders
            well_formed(store._key_order)
            well_formed(store._arrival_order)
            with store.transaction() as tx:
                same_reads(tx, model)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=120), st.integers(1, 12))
def test_sorted_runs_hold_what_a_sorted_list_holds(steps: list[tuple[bool, int]], run: int) -> None:
    """Adding and removing in any order: the values, every page after every bound, and
    equality with a copy cut into other runs are those of one sorted list."""
    with mock.patch.object(_ordered, "_RUN", run):
        order: _Sorted[str] = _Sorted()
        reference: list[str] = []
        for add, n in steps:
            value = f"v{n:02d}"
            if add and value not in reference:
                order.add(value)
                reference.append(value)
            elif not add and value in reference:
                order.remove(value)
                reference.remove(value)
            reference.sort()
            well_formed(order)
        assert list(order) == reference
        for after in (None, "", *(f"v{n:02d}" for n in range(41)), "w"):
            for limit in (0, 1, 3, 50):
                expected = [v for v in reference if after is None or v > after][:limit]
                assert order.page(after, limit) == expected
        rebuilt: _Sorted[str] = _Sorted()
        for value in reversed(reference):
            rebuilt.add(value)
        assert rebuilt == order and copy.deepcopy(order) == order
        assert order != reference  # a list of the same values is not a _Sorted
        if reference:
            rebuilt.remove(reference[0])
            assert rebuilt != order
        assert repr(order) == f"_Sorted({reference!r})"


# --- counting the work ---------------------------------------------------------------------------


class CountedKey(str):
    """A key that counts how often it is compared by order (all keys share one count)."""

    comparisons = 0

    def __lt__(self, value: str, /) -> bool:
        CountedKey.comparisons += 1
        return str.__lt__(self, value)

    def __gt__(self, value: str, /) -> bool:
        CountedKey.comparisons += 1
        return str.__gt__(self, value)

    def __le__(self, value: str, /) -> bool:
        CountedKey.comparisons += 1
        return str.__le__(self, value)

    def __ge__(self, value: str, /) -> bool:
        CountedKey.comparisons += 1
        return str.__ge__(self, value)


class CountingDict(dict[Any, Any]):
    """A dict that counts the rows read from it: looked up, tested, popped or iterated."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def __getitem__(self, key: Any) -> Any:
        self.reads += 1
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.reads += 1
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.reads += 1
        return super().__contains__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.reads += 1
        return super().pop(key, *default)

    def __iter__(self) -> Iterator[Any]:
        for key in super().__iter__():
            self.reads += 1
            yield key


N = 3_000
PAGE = 50


def counting_store() -> tuple[MemoryStore, CountingDict, CountingDict, CountingDict]:
    """A memory store whose dossiers, outbox and claims count the rows read from them."""
    store = MemoryStore()
    dossiers, outbox, claims = CountingDict(), CountingDict(), CountingDict()
    store._dossiers, store._outbox, store._claims = dossiers, outbox, claims
    return store, dossiers, outbox, claims


def test_paging_through_every_key_compares_in_proportion_to_the_keys() -> None:
    """N keys in pages of P: a bisection per page and nothing per key already passed,
    where sorting the store for each page compares about (N / P) * N * log N times."""
    store, dossiers, _, _ = counting_store()
    keys = [CountedKey(f"key-{(i * 7_919) % N:05d}") for i in range(N)]  # not in order
    with store.transaction() as tx:
        for key in keys:
            tx.save(dossier(key))
    CountedKey.comparisons = 0
    dossiers.reads = 0
    seen: list[str] = []
    after: str | None = None
    pages = 0
    with store.transaction() as tx:
        while page := tx.keys(after, PAGE):
            seen.extend(page)
            after, pages = page[-1], pages + 1
    comparisons, reads = CountedKey.comparisons, dossiers.reads
    assert seen == sorted(keys) and pages == N // PAGE
    assert comparisons <= 2 * N, f"{comparisons} comparisons"
    assert reads <= N, f"{reads} dossier rows read"


def test_a_page_of_pending_notifications_reads_the_page_not_the_outbox() -> None:
    """Draining N pending notifications a page at a time (read a page, acknowledge it)
    reads each row a few times, where sorting the outbox for each page reads every row
    once per page."""
    store, _, outbox, _ = counting_store()
    with store.transaction() as tx:
        tx.add_notifications(
            [(KEYS[i % len(KEYS)], note(f"m{i}", 0, RECIPIENTS[0])) for i in range(N)]
        )
    outbox.reads = 0
    with store.transaction() as tx:
        first = tx.pending_notifications(PAGE)
    reads = outbox.reads
    assert [n.id for n in first] == [f"m{i}" for i in range(PAGE)]
    assert reads <= 2 * PAGE, f"{reads} rows read for one page"
    outbox.reads = 0
    drained: list[str] = []
    while True:
        with store.transaction() as tx:
            page = tx.pending_notifications(PAGE)
            if not page:
                break
            drained.extend(n.id for n in page)
            assert tx.acknowledge([n.id for n in page]) == len(page)
    reads = outbox.reads
    assert drained == [f"m{i}" for i in range(N)]
    assert reads <= 10 * N, f"{reads} outbox rows read"


def test_claiming_page_by_page_reads_the_page_and_the_rows_held() -> None:
    """Claims in pages of P, each acknowledged, with H notifications at the front held by
    a live claim all along: each page reads its own rows and steps over the H held ones."""
    store, _, outbox, claims = counting_store()
    now = START
    held = 100
    with store.transaction() as tx:
        tx.add_notifications(
            [(KEYS[i % len(KEYS)], note(f"m{i}", 0, RECIPIENTS[0])) for i in range(N)]
        )
        kept = tx.claim_notifications(held, now, now + timedelta(days=1), "slow")
    assert [n.id for n in kept] == [f"m{i}" for i in range(held)]
    outbox.reads = claims.reads = 0
    drained: list[str] = []
    pages = 0
    while True:
        now += timedelta(seconds=1)
        with store.transaction() as tx:
            page = tx.claim_notifications(PAGE, now, now + timedelta(minutes=5), "fast")
            if not page:
                break
            pages += 1
            drained.extend(n.id for n in page)
            assert tx.acknowledge([n.id for n in page], "fast") == len(page)
    assert drained == [f"m{i}" for i in range(held, N)]
    reads = outbox.reads + claims.reads
    assert reads <= 15 * N + (pages + 1) * held, f"{reads} rows read"
    with store.transaction() as tx:  # the held ones return when their lease ends
        later = now + timedelta(days=1)
        back = tx.claim_notifications(N, later, later + timedelta(minutes=5), "fast")
    assert [n.id for n in back] == [f"m{i}" for i in range(held)]
