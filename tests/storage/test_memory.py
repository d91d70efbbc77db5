"""The in-memory store passes the store contract."""

from __future__ import annotations

import attrs
import pytest

from verwijsindex.storage import MemoryStore, Store
from verwijsindex.testing import StoreContract
from verwijsindex.testing._records import full_dossier


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
