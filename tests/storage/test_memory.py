"""The in-memory store passes the store contract."""

from __future__ import annotations

from verwijsindex.storage import MemoryStore, Store
from verwijsindex.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore()

    def stored_text(self, store: Store) -> str | None:
        return repr(vars(store))
