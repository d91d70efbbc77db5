"""Long runs pause the cyclic garbage collector and give the caller's setting back."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from verwijsindex._collector import paused
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.storage import Store
from verwijsindex.testing import TEST_KEY, FixedClock, make_index, make_professional, make_subject


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_restores_the_callers_setting(enabled: bool) -> None:
    gc.enable() if enabled else gc.disable()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(KeyError), paused():
        raise KeyError("x")
    assert gc.isenabled() is enabled


def test_bulk_register_pauses_the_collector_while_it_reads_records() -> None:
    index = make_index()
    pro = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(pro.organisation)
    seen: list[bool] = []

    def records() -> Iterator[ImportRecord]:
        for bsn in ("111222333", "123456782"):
            seen.append(gc.isenabled())
            yield ImportRecord(make_subject(bsn=bsn, birth_date=date(2012, 5, 1)), pro)

    gc.enable()
    report = index.bulk_register(records())
    assert report.created == 2
    assert seen == [False, False]
    assert gc.isenabled()


class _Watching:
    """A store that notes whether the collector ran at each transaction."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.seen: list[bool] = []

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        self.seen.append(gc.isenabled())
        return self.inner.transaction(locks, snapshot=snapshot)

    def close(self) -> None:
        self.inner.close()


def test_sweep_and_rekey_pause_the_collector() -> None:
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    index = make_index(clock=clock)
    pro = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(pro.organisation)
    index.register(make_subject(bsn="111222333", birth_date=date(2012, 5, 1)), pro)
    watching = _Watching(index.store)
    index = VerwijsIndex(watching, key=TEST_KEY, clock=clock)
    watching.seen.clear()  # the index's check of its key, before the runs
    gc.enable()
    clock.advance(timedelta(days=800))
    assert index.sweep().expired == 1
    assert index.rekey(PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")) == 1
    assert watching.seen and not any(watching.seen)
    assert gc.isenabled()
