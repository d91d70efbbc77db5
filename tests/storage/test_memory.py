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
