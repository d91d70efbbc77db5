"""What every part of the store contract shares: opening stores, a clock, the usual values."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from verwijsindex.clock import FixedClock
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Notification, Professional, Subject, is_valid_bsn
from verwijsindex.storage import Store
from verwijsindex.testing._factories import TEST_KEY, make_professional, make_subject

__all__ = ["BSN_A", "BSN_B", "BSN_C", "PARENT", "START", "ContractBase", "valid_bsns"]

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BSN_A = "111222333"
BSN_B = "123456782"
BSN_C = "010000008"
PARENT = "100000009"


def valid_bsns(n: int) -> list[str]:
    """*n* distinct BSNs that pass the elfproef, none of them BSN_A or BSN_B."""
    candidates = (str(number) for number in itertools.count(200_000_001))
    valid = (c for c in candidates if is_valid_bsn(c) and c not in (BSN_A, BSN_B))
    return list(itertools.islice(valid, n))


class _Undo(Exception):
    """Rolls a transaction back on purpose."""


class ContractBase:
    """Opening stores without a test framework's fixtures, and the usual values. Subclasses
    define :meth:`make_store`; every store opened is closed after each test."""

    stores: list[Store]

    def make_store(self) -> Store:
        """Open a new, empty store. Subclasses must override this."""
        raise TypeError(f"{type(self).__name__} must define make_store()")

    def stored_text(self, store: Store) -> str | None:
        """Everything the store holds, as text, to search for what must be gone; ``None``
        when the backend cannot show it (the API checks still run)."""
        return None

    # -- fixtures without a framework -------------------------------------------------------------

    def setup_method(self, method: Callable[..., Any] | None = None) -> None:
        self.stores = []

    def teardown_method(self, method: Callable[..., Any] | None = None) -> None:
        for store in self.stores:
            store.close()

    def store(self) -> Store:
        store = self.make_store()
        self.stores.append(store)
        return store

    def index(self, *, start: datetime = START, **options: Any) -> tuple[VerwijsIndex, FixedClock]:
        clock = FixedClock(start)
        index = VerwijsIndex(self.store(), key=TEST_KEY, clock=clock, **options)
        for org in ("GGD Zuid-Limburg", "MEE Zuid-Limburg", "Sint Jozefschool"):
            index.add_organisation(self.pro("x", org).organisation)
        index.add_organisation(self.pro("x", "Jeugdzorg Heerlen", "Heerlen").organisation)
        return index, clock

    @staticmethod
    def pro(id: str, organisation: str, municipality: str = "Maastricht") -> Professional:
        return make_professional(id=id, organisation=organisation, municipality=municipality)

    @staticmethod
    def youth(bsn: str | None = BSN_A, *, age: int = 10, **kw: Any) -> Subject:
        born = date(START.year - age, 3, 15)
        return make_subject(bsn=bsn, birth_date=born, **kw)

    @staticmethod
    def filed_under(store: Store, key: str) -> list[Notification]:
        """The pending notifications filed under *key*, found through the protocol alone:
        what ``delete_notifications(key)`` would remove, in a transaction rolled back."""
        found: list[Notification] = []
        try:
            with store.transaction() as tx:
                before = tx.pending_notifications(None)
                tx.delete_notifications(key)
                left = {n.id for n in tx.pending_notifications(None)}
                found = [n for n in before if n.id not in left]
                raise _Undo
        except _Undo:
            pass
        return found

    @staticmethod
    def written(index: VerwijsIndex) -> tuple[int, int, int]:
        """(dossiers, pending notifications, log entries) in the store."""
        with index.store.transaction() as tx:
            return (
                len(tx.keys(None, 1_000_000)),
                len(tx.pending_notifications(None)),
                sum(1 for _ in tx.log_entries()),
            )
