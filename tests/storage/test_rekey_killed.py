"""A re-key killed half-way (SIGKILL), on a SQLite file and on PostgreSQL.

The killed process had moved some dossiers to the new key and not the others. A worker
started afterwards with both keys, as it must be, refuses to work on any youth until the
re-key is run again (a youth not yet moved would be looked up under the new key, not
found, and registered twice; the re-key run again would then overwrite that second
dossier, links and all). Run again from another process, the re-key finishes, and the
waiting worker goes on without a restart: every youth is found, with the links made
before the re-key (decision 86).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from tests.storage.concurrency import many_youths
from verwijsindex.errors import ConfigurationError, KeyMismatchError
from verwijsindex.index import VerwijsIndex
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.storage import open_store
from verwijsindex.testing import TEST_KEY, make_professional

NEW_KEY = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
NURSE = make_professional(id="n1", organisation="GGD Zuid-Limburg")
TEACHER = make_professional(id="t1", organisation="Sint Jozefschool")
YOUTHS = 8
MOVED_BEFORE_THE_KILL = 3


def _rekey_and_die(url: str) -> None:
    """Re-key one dossier a batch; SIGKILL this process as the next dossier is moved."""
    import verwijsindex.maintenance as maintenance

    step = maintenance.rekey_pseudonym  # type: ignore[attr-defined]
    calls = 0

    def counting(pseudonym: str, key: PseudonymKey) -> str:
        nonlocal calls
        calls += 1
        if calls > MOVED_BEFORE_THE_KILL:
            os.kill(os.getpid(), signal.SIGKILL)
        return step(pseudonym, key)

    maintenance.rekey_pseudonym = counting  # type: ignore[attr-defined]
    VerwijsIndex(open_store(url), key=TEST_KEY, batch_size=1).rekey(NEW_KEY)


def _finish(url: str) -> None:
    store = open_store(url)
    try:
        VerwijsIndex(store, key=[TEST_KEY, NEW_KEY]).rekey(NEW_KEY)
    finally:
        store.close()


def test_a_re_key_killed_half_way_stops_the_workers_until_it_is_run_again(
    file_store_url: str,
) -> None:
    url = file_store_url
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        for pro in (NURSE, TEACHER):
            index.add_organisation(pro.organisation)
        youths = many_youths(YOUTHS)
        for youth in youths:
            index.register(youth, NURSE)
    finally:
        store.close()
    ctx = multiprocessing.get_context("spawn")
    doomed = ctx.Process(target=_rekey_and_die, args=(url,))
    doomed.start()
    doomed.join(120)
    assert doomed.exitcode == -signal.SIGKILL
    store = open_store(url)
    try:
        with store.transaction() as tx:
            ids = sorted(d.subject.key_id for k in tx.keys(None, 100) if (d := tx.load(k)))
        assert ids.count(NEW_KEY.id) == MOVED_BEFORE_THE_KILL  # a re-key half done
        worker = VerwijsIndex(store, key=[TEST_KEY, NEW_KEY])
        for youth in youths:
            with pytest.raises(ConfigurationError, match="rekey"):
                worker.register(youth, TEACHER)
        finisher = ctx.Process(target=_finish, args=(url,))
        finisher.start()
        finisher.join(120)
        assert finisher.exitcode == 0
        for youth in youths:  # the worker goes on, and finds every youth
            registration = worker.register(youth, TEACHER)
            assert registration.match is not None
            assert sorted(registration.match.professionals) == ["n1", "t1"]
        with store.transaction() as tx:
            dossiers = [tx.load(k) for k in tx.keys(None, 100)]
        assert len(dossiers) == YOUTHS
        assert all(d is not None and d.subject.key_id == NEW_KEY.id for d in dossiers)
        assert worker.verify_logbook().ok
    finally:
        store.close()


def test_a_worker_opened_before_a_re_key_in_another_process_writes_nothing(
    file_store_url: str,
) -> None:
    """A web service's worker opened with the old key runs on while another process
    re-keys the store, is killed half-way, and a third finishes it. From the first
    moment of the re-key the old worker is refused (``KeyMismatchError``) and writes
    nothing: a youth it looked up under the old key would be found nowhere and get a
    second dossier, never matched with the first (decision 90). Restarted with both keys,
    it finds every youth."""
    url = file_store_url
    store = open_store(url)
    try:
        worker = VerwijsIndex(store, key=TEST_KEY)  # opened before, runs throughout
        for pro in (NURSE, TEACHER):
            worker.add_organisation(pro.organisation)
        youths = many_youths(YOUTHS)
        for youth in youths:
            worker.register(youth, NURSE)
        ctx = multiprocessing.get_context("spawn")
        doomed = ctx.Process(target=_rekey_and_die, args=(url,))
        doomed.start()
        doomed.join(120)
        assert doomed.exitcode == -signal.SIGKILL
        for youth in youths:
            with pytest.raises(KeyMismatchError):
                worker.register(youth, TEACHER)
        finisher = ctx.Process(target=_finish, args=(url,))
        finisher.start()
        finisher.join(120)
        assert finisher.exitcode == 0
        for youth in youths:
            with pytest.raises(KeyMismatchError):
                worker.register(youth, TEACHER)
        with store.transaction() as tx:
            dossiers = [tx.load(k) for k in tx.keys(None, 100)]
        assert len(dossiers) == YOUTHS  # no second dossier
        assert all(d is not None and len(d.links) == 1 for d in dossiers)
        restarted = VerwijsIndex(store, key=[TEST_KEY, NEW_KEY])
        for youth in youths:
            registration = restarted.register(youth, TEACHER)
            assert registration.match is not None
        assert restarted.verify_logbook().ok
    finally:
        store.close()


class _Waiting:
    """A transaction whose first append of log entries waits, its lane locked, until
    *go* is set (after saying so through *holding*)."""

    def __init__(self, tx: Any, holding: threading.Event, go: threading.Event) -> None:
        self.tx, self.holding, self.go = tx, holding, go

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    def append_log(self, entries: Any, refs: Any, *seals: Any) -> None:
        if entries and not self.holding.is_set():
            self.tx.log_head(entries[0].lane)  # the lane locked, as a flush has it
            self.holding.set()
            self.go.wait(30)
        self.tx.append_log(entries, refs, *seals)


class _HoldsItsLane:
    """A store whose transactions are :class:`_Waiting`."""

    def __init__(self, store: Any, holding: threading.Event, go: threading.Event) -> None:
        self.store, self.holding, self.go = store, holding, go

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    @contextmanager
    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Iterator[Any]:
        with self.store.transaction(locks, snapshot=snapshot) as tx:
            yield _Waiting(tx, self.holding, self.go)


def test_a_re_key_seals_the_head_a_worker_appended_while_it_began(file_store_url: str) -> None:
    """A worker holds its lane when the re-key begins (it may finish: it checked the seal
    first). The re-key seals every lane's head under the new key; on PostgreSQL it read
    the heads without their locks, waited for the worker's lane, and sealed the head as
    it was before the worker's append: the logbook then failed its check, after a correct
    run (decision 90). Read locked, lane by lane, the head sealed is the worker's."""
    store = open_store(file_store_url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        for pro in (NURSE, TEACHER):
            index.add_organisation(pro.organisation)
        first, second = many_youths(2)
        index.register(first, NURSE)
        holding, go = threading.Event(), threading.Event()
        worker = VerwijsIndex(_HoldsItsLane(store, holding, go), key=TEST_KEY)
        errors: list[BaseException] = []

        def register() -> None:
            try:
                worker.register(second, NURSE)
            except BaseException as error:  # reported below
                errors.append(error)

        other = open_store(file_store_url)  # opened before the worker holds the database
        thread = threading.Thread(target=register)
        thread.start()
        assert holding.wait(30)
        try:
            rekeying = threading.Thread(
                target=lambda: VerwijsIndex(other, key=TEST_KEY).rekey(NEW_KEY)
            )
            rekeying.start()
            time.sleep(1.0)  # the re-key reads the heads, and waits for the worker's lane
            go.set()
            thread.join(60)
            rekeying.join(60)
        finally:
            other.close()
        assert not errors
        after = VerwijsIndex(store, key=[TEST_KEY, NEW_KEY])
        report = after.verify_logbook()
        assert report.ok, report.problems
        assert after.register(second, TEACHER).match is not None  # the worker's youth moved
    finally:
        store.close()
