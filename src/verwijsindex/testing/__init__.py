"""Testing aids (testhulpmiddelen) for code built on verwijsindex, and the store contract.

A fixed clock, factories with readable defaults, and the conformance suite every store
must pass, in two layers as the library is built: :class:`TransactionContract` tests every
promise of the :class:`~verwijsindex.storage.Transaction` protocol directly;
:class:`IndexContract` runs the service end to end on the store (with field conditions,
roles and data-subject rights). :class:`StoreContract` is both. Subclass it in a few lines
to check your own store::

    class TestMyStore(StoreContract):
        def make_store(self) -> Store:
            return MyStore(...)

pytest then runs every ``test_*`` method against it.

>>> from datetime import date, datetime, timedelta, timezone
>>> clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
>>> clock.advance(timedelta(days=1))
>>> clock()
datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.timezone.utc)
>>> make_subject(bsn="111222333", birth_date=date(2012, 5, 1)).address.municipality_code
'0935'
>>> p = make_professional(id="p1", organisation="GGD Zuid-Limburg", municipality="Sittard-Geleen")
>>> p.organisation.id, p.organisation.municipality_code
('ggd-zuid-limburg', '1883')
"""

from __future__ import annotations

from verwijsindex.clock import FixedClock
from verwijsindex.testing._factories import TEST_KEY, make_index, make_professional, make_subject
from verwijsindex.testing._index import IndexContract
from verwijsindex.testing._transaction import TransactionContract

__all__ = [
    "TEST_KEY",
    "FixedClock",
    "IndexContract",
    "StoreContract",
    "TransactionContract",
    "make_index",
    "make_professional",
    "make_subject",
]


class StoreContract(TransactionContract, IndexContract):
    """The whole conformance suite: the protocol's promises and the service on the store.
    Subclasses define ``make_store()`` (and may define ``stored_text(store)`` to let the
    suite search the store's files for what must be gone)."""
