"""Testing aids (testhulpmiddelen) for code built on verwijsindex, and the store contract.

A fixed clock, factories with readable defaults, and :class:`StoreContract`, the
conformance suite every store must pass: subclass it in a few lines to check your own.

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

from verwijsindex._contract import StoreContract
from verwijsindex._factories import (
    TEST_KEY,
    FixedClock,
    make_index,
    make_professional,
    make_subject,
)

__all__ = [
    "TEST_KEY",
    "FixedClock",
    "StoreContract",
    "make_index",
    "make_professional",
    "make_subject",
]
