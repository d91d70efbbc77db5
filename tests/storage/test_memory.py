"""The in-memory store passes the store contract."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest

from verwijsindex.storage import MemoryStore, Store
from verwijsindex.storage._ordered import _DueIndex, _Sorted
from verwijsindex.testing import (
    FixedClock,
    StoreContract,
    make_index,
    make_professional,
    make_subject,
)
from verwijsindex.testing._records import entry, full_dossier, notification


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore()

    def stored_text(self, store: Store) -> str | None:
        return repr(vars(store))


def test_a_look_up_term_without_keys_is_not_kept() -> None:
    """A dossier moved to other terms (a re-key gives every parent a new pseudonym) or
    deleted leaves no empty entry behind: a re-key of a million dossiers left a million
    empty sets, kept for as long as the process ran and walked by every full collection
    of the garbage collector; a rollback puts the entries back as they were."""
    store = MemoryStore()
    dossier = full_dossier("k1")
    moved = attrs.evolve(
        dossier,
        subject=attrs.evolve(dossier.subject, parent_keys=("other",), address_key="address-9"),
    )
    with store.transaction() as tx:
        tx.save(attrs.evolve(dossier, subject=attrs.evolve(dossier.subject, address_key="a1")))
    with store.transaction() as tx:
        tx.save(moved)
    assert set(store._by_parent) == {"other"}
    assert set(store._by_address) == {"address-9"}
    with pytest.raises(RuntimeError), store.transaction() as tx:  # noqa: PT012
        tx.delete("k1")
        assert not store._by_parent and not store._by_professional and not store._by_address
        raise RuntimeError("roll back")
    assert store._by_parent == {"other": {"k1"}}
    assert store._by_address == {"address-9": {"k1"}}
    with store.transaction() as tx:
        tx.delete("k1")
    assert not store._by_parent and not store._by_professional and not store._by_address
    assert not store._by_link and not store._by_match and not store._dossiers
    with store.transaction() as tx:  # deleting what is not there changes nothing
        tx.delete("k1")
        assert not tx.undo


def test_a_re_key_s_move_rolled_back_leaves_every_term_as_it_was() -> None:
    """The re-key's pattern in one transaction: the old key's dossier deleted (its
    professionals' terms lose their last key and go) and the moved dossier saved under
    the new key (the same professionals' terms come back, new sets); a rollback gives
    back the old sets with the old key in them."""
    store = MemoryStore()
    old = full_dossier("k1")
    with store.transaction() as tx:
        tx.save(old)
    before = {
        name: {term: set(keys) for term, keys in getattr(store, name).items()}
        for name in ("_by_professional", "_by_parent", "_by_address")
    }
    assert before["_by_professional"]
    new_subject = attrs.evolve(old.subject, key="k2", parent_keys=("p-new",))
    moved = attrs.evolve(
        old,
        subject=new_subject,
        links=tuple(attrs.evolve(lk, subject="k2") for lk in old.links),
        match=None if old.match is None else attrs.evolve(old.match, subject="k2"),
    )
    with pytest.raises(RuntimeError), store.transaction() as tx:  # noqa: PT012
        tx.delete("k1")
        tx.save(moved)
        assert set(store._by_professional) == set(before["_by_professional"])
        assert all(keys == {"k2"} for keys in store._by_professional.values())
        assert set(store._by_parent) == {"p-new"}
        raise RuntimeError("roll back")
    after = {
        name: {term: set(keys) for term, keys in getattr(store, name).items()}
        for name in ("_by_professional", "_by_parent", "_by_address")
    }
    assert after == before
    with store.transaction() as tx:
        assert tx.load("k1") == old and tx.load("k2") is None


def _plain(value: Any) -> Any:
    """The memory store's internal value as plain, comparable values (its ordered indexes
    as the lists and sets they hold)."""
    if isinstance(value, _Sorted):
        return [item for run in value.runs for item in run]
    if isinstance(value, _DueIndex):  # a day stays listed with no keys: one a calendar day
        return {day: set(keys) for day, keys in value.by_day.items() if keys}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, set):
        return set(value)
    return value


def _internals(store: MemoryStore) -> dict[str, Any]:
    """Every index and record of *store* (its lock and id counter aside)."""
    return {
        name: _plain(value)
        for name, value in vars(store).items()
        if name not in ("_lock", "_arrivals")
    }


def test_a_rollback_puts_back_every_index_exactly() -> None:
    """The undo steps are taken back in reverse order with the arguments each was
    recorded with: after a transaction that replaced, deleted and re-filed records of
    every kind (dossiers under a new key as a re-key moves them,
    notifications, log entries, references, seals, a key check) and then raised, every
    internal index is what it was, with no empty term, lane or list of references left
    (a due day may stay listed without keys, as :class:`_DueIndex` keeps days)."""
    index = make_index(clock=FixedClock(datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
    pros = [make_professional(id=f"p{i}", organisation=f"Organisatie {i}") for i in range(3)]
    for pro in pros:
        index.add_organisation(pro.organisation)
    for n, bsn in enumerate(["111222333", "123456782", "010000008"]):
        youth = make_subject(bsn=bsn, birth_date=date(2012, 5, 1), parents=["999999990"])
        index.register(youth, pros[n % 3])
        index.register(youth, pros[(n + 1) % 3])
    store = index.store
    assert isinstance(store, MemoryStore)
    before = _internals(store)
    with store.transaction() as tx:
        keys = tx.keys(None, 10)
    assert len(keys) == 3 and store._outbox and store._log and store._by_parent
    with pytest.raises(RuntimeError), store.transaction(keys) as tx:  # noqa: PT012
        first = tx.load(keys[0])
        assert first is not None
        tx.delete(keys[0])
        moved = attrs.evolve(first, subject=attrs.evolve(first.subject, key="f" * 64))
        tx.save(
            attrs.evolve(
                moved,
                links=tuple(attrs.evolve(lk, subject="f" * 64) for lk in moved.links),
                match=None,
            )
        )
        tx.rekey_notifications(keys[0], "f" * 64)
        tx.delete(keys[1])
        second = tx.load(keys[2])
        assert second is not None
        tx.save(attrs.evolve(second, match=None, sweep_due=date(2030, 1, 1)))
        tx.add_notifications([(keys[2], n) for n in tx.pending_notifications(2)])
        tx.add_notifications([(keys[2], notification(1))])
        two = [entry(999, 1, token="t"), entry(999, 2, token="t")]  # a new lane, two entries
        tx.append_log(two, [("t", "e999-1"), ("t", "e999-2")], {999: "seal"})
        tx.append_log([entry(999, 3, token="t")], [("t", "e999-3")], {999: "seal 2"})
        tx.add_key_check("k-new", "check")
        raise RuntimeError("roll back")
    assert _internals(store) == before
