"""The unit of work's order of writes, and what it leaves in the process's memory.

Each test here fails on the code before the review of 2026-12-06: the logbook head was asked
for after the statistics' counts were queued (two PostgreSQL transactions could then wait
for each other's rows), the HMAC caches kept an erased youth's log secret, and a keyring
that had sealed could not be pickled.
"""

from __future__ import annotations

import pickle
from datetime import date, datetime, timezone
from typing import Any

from verwijsindex import pseudonyms
from verwijsindex.clock import FixedClock
from verwijsindex.index import VerwijsIndex
from verwijsindex.pseudonyms import Keyring, PseudonymKey
from verwijsindex.storage import MemoryStore
from verwijsindex.testing import TEST_KEY, make_professional, make_subject

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


class _Recording:
    """A memory store whose transactions note the calls the unit of work makes."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.calls: list[str] = []

    def transaction(self, locks: Any = (), *, snapshot: bool = False) -> Any:
        return _RecordingCM(self.inner.transaction(locks, snapshot=snapshot), self.calls)

    def close(self) -> None:
        self.inner.close()


class _RecordingCM:
    def __init__(self, inner: Any, calls: list[str]) -> None:
        self.inner, self.calls = inner, calls

    def __enter__(self) -> Any:
        return _RecordingTx(self.inner.__enter__(), self.calls)

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


class _RecordingTx:
    def __init__(self, tx: Any, calls: list[str]) -> None:
        self._tx, self._calls = tx, calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._tx, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(name)
            return attribute(*args, **kwargs)

        return call


def _index(store: Any) -> VerwijsIndex:
    return VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(NOW))


def test_the_logbook_head_is_asked_for_before_the_shared_rows_are_written() -> None:
    store = _Recording()
    index = _index(store)
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    for professional in (teacher, nurse):
        index.add_organisation(professional.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
    index.register(youth, teacher)
    store.calls.clear()
    assert index.register(youth, nurse).match is not None  # counts a match: shared rows
    calls = store.calls
    assert "add_counts" in calls and "add_notifications" in calls
    head = calls.index("log_head")
    assert head < calls.index("add_counts") and head < calls.index("add_notifications")
    assert head < calls.index("save")


def test_a_deletion_empties_the_caches_that_hold_log_secrets() -> None:
    index = _index(MemoryStore())
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    index.add_organisation(teacher.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
    index.register(youth, teacher)
    index.register(make_subject(bsn="123456782", birth_date=date(2013, 1, 2)), teacher)
    assert pseudonyms.log_token.cache_info().currsize > 0
    assert index.record_death(youth, date(2026, 11, 30)) == 1
    assert pseudonyms.log_token.cache_info().currsize == 0


def test_a_keyring_that_has_sealed_pickles_and_seals_the_same() -> None:
    ring = Keyring([TEST_KEY, PseudonymKey("2027-1", bytes(range(32)))])
    sealed = ring.seal("head 3")
    again = pickle.loads(pickle.dumps(ring))
    assert again.seal("head 3") == sealed
    assert again.check_seal("head 3", sealed) and ring.check_seal("head 3", sealed)
