"""The cyclic garbage collector is the process's: the library never touches it; the command
line, which owns its process, pauses it and gives the setting back (decision 58)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from verwijsindex import collector_paused
from verwijsindex.cli import main
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


@pytest.fixture
def untouched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call that would change the collector's setting, noted (and not made)."""
    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: calls.append("enable"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "set_threshold", lambda *a: calls.append("set_threshold"))
    return calls


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_restores_the_callers_setting(enabled: bool) -> None:
    gc.enable() if enabled else gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled() is enabled


def test_bulk_register_leaves_the_collector_alone(untouched: list[str]) -> None:
    """A web server's thread that imports must not switch the collector off for the
    server's other threads."""
    index = make_index()
    pro = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(pro.organisation)
    seen: list[bool] = []

    def records() -> Iterator[ImportRecord]:
        for bsn in ("111222333", "123456782"):
            seen.append(gc.isenabled())
            yield ImportRecord(make_subject(bsn=bsn, birth_date=date(2012, 5, 1)), pro)

    assert gc.isenabled()
    report = index.bulk_register(records())
    assert report.created == 2
    assert seen == [True, True]
    assert untouched == []


class _Watching:
    """A store that notes whether the collector was on at each transaction."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.seen: list[bool] = []

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        self.seen.append(gc.isenabled())
        return self.inner.transaction(locks, snapshot=snapshot)

    def close(self) -> None:
        self.inner.close()


def test_sweep_and_rekey_leave_the_collector_alone(untouched: list[str]) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    index = make_index(clock=clock)
    pro = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(pro.organisation)
    index.register(make_subject(bsn="111222333", birth_date=date(2012, 5, 1)), pro)
    watching = _Watching(index.store)
    index = VerwijsIndex(watching, key=TEST_KEY, clock=clock)
    watching.seen.clear()  # the index's check of its key, before the runs
    clock.advance(timedelta(days=800))
    assert index.sweep().expired == 1
    assert index.rekey(PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")) == 1
    assert watching.seen and all(watching.seen)
    assert untouched == []


def test_the_command_line_pauses_the_collector_for_its_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bool] = []
    real = VerwijsIndex.register

    def register(self: VerwijsIndex, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(VerwijsIndex, "register", register)
    assert gc.isenabled()
    assert main(["demo", "--store", "memory://"]) == 0
    capsys.readouterr()
    assert seen and not any(seen)
    assert gc.isenabled()
