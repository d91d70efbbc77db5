"""Shared by the backend tests: many processes registering the same youth at once, a
populated index, an erasure on objection."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timezone
from typing import Any

from verwijsindex.index import VerwijsIndex
from verwijsindex.model import NotificationKind, Recipient, Subject
from verwijsindex.privacy import RequestKind, decide, erase, file_request
from verwijsindex.roles import RightsOfficer
from verwijsindex.storage import open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
YOUTH_BSN = "111222333"


def professional(n: int) -> Any:
    return make_professional(id=f"p{n}", organisation=f"Organisatie {n}")


def youth() -> Any:
    return make_subject(bsn=YOUTH_BSN, birth_date=date(2012, 5, 1))


def prepare(url: str, workers: int) -> None:
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    for n in range(workers):
        index.add_organisation(professional(n).organisation)
    store.close()


def _worker(url: str, n: int, rounds: int, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        start.wait(30)
        for _ in range(rounds):
            index.register(youth(), professional(n))
        store.close()
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(repr(error))


def run_together(jobs: list[tuple[Any, tuple[Any, ...]]]) -> list[str]:
    """Start one process per ``(target, args)``; release them at once; return what failed.

    Each target gets ``start`` and ``errors`` after its own arguments."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    errors = ctx.Queue()
    processes = [ctx.Process(target=t, args=(*args, start, errors)) for t, args in jobs]
    for p in processes:
        p.start()
    start.set()
    for p in processes:
        p.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    found.extend(f"exit code {p.exitcode}" for p in processes if p.exitcode != 0)
    return found


def register_from_processes(url: str, workers: int, rounds: int = 3) -> list[str]:
    """Each of *workers* processes registers the same youth *rounds* times, all at once."""
    return run_together([(_worker, (url, n, rounds)) for n in range(workers)])


def check_exactly_one_match(url: str, workers: int) -> None:
    """One youth, one link per professional, one match holding every link, and every
    notification each growth of the match owed (2+1, 3+1, ... workers+1)."""
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        with store.transaction() as tx:
            keys = tx.keys(None, 100)
            assert len(keys) == 1
            dossier = tx.load(keys[0])
        assert dossier is not None
        assert len(dossier.links) == workers
        assert len({lk.professional for lk in dossier.links}) == workers
        assert dossier.match is not None
        assert set(dossier.match.links) == {lk.id for lk in dossier.links}
        notes = index.pending_notifications()
        match_notes = [n for n in notes if n.kind is NotificationKind.MATCH]
        follow_ups = [n for n in notes if n.kind is NotificationKind.FOLLOW_UP]
        assert len(match_notes) == sum(range(2, workers + 1))
        assert len(follow_ups) == workers - 1
        assert {n.match_id for n in notes} == {dossier.match.id}
        assert len({n.id for n in notes}) == len(notes)
        for n in range(workers):
            assert len(index.matches_for(f"p{n}")) == 1
        assert index.verify_logbook().ok
    finally:
        store.close()


LATER = datetime(2027, 2, 1, 9, 0, tzinfo=timezone.utc)


def many_youths(count: int) -> list[Any]:
    out: list[Any] = []
    n = 10_000_000
    while len(out) < count:
        n += 1
        digits = [int(c) for c in f"{n:08d}"]
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check != 10:
            out.append(make_subject(bsn=f"{n:08d}{check}", birth_date=date(2012, 5, 1)))
    return out


def prepare_sweep_race(url: str, youths: int) -> None:
    """*youths* youths, each with one link that ended on 1 January 2027."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    for n in range(3):
        index.add_organisation(professional(n).organisation)
    for youth_ in many_youths(youths):
        index.register(youth_, professional(0), ends_on=date(2027, 1, 1))
    store.close()


def _sweeper(url: str, batch: int, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(LATER), batch_size=batch)
        start.wait(30)
        index.sweep()
        store.close()
    except BaseException as error:
        errors.put(repr(error))


def _registrar(url: str, n: int, youths: int, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(LATER))
        start.wait(30)
        for youth_ in many_youths(youths):
            index.register(youth_, professional(n))
        store.close()
    except BaseException as error:
        errors.put(repr(error))


def sweep_while_registering(url: str, youths: int, batch: int = 7) -> list[str]:
    """One process sweeps (in batches of *batch* youths) while two others register new
    links on the same youths."""
    return run_together(
        [(_sweeper, (url, batch)), *((_registrar, (url, n, youths)) for n in (1, 2))]
    )


def check_sweep_race(url: str, youths: int) -> None:
    """Every youth: the old link archived once, both new links active, one match of two."""
    from verwijsindex.model import LinkStatus

    store = open_store(url)
    try:
        with store.transaction() as tx:
            keys = tx.keys(None, 10 * youths)
            assert len(keys) == youths
            for key in keys:
                dossier = tx.load(key)
                assert dossier is not None
                states = sorted((lk.professional, lk.status.value) for lk in dossier.links)
                assert states == [("p0", "archived"), ("p1", "active"), ("p2", "active")]
                assert dossier.match is not None and len(dossier.match.links) == 2
                assert all(
                    lk.archived_on == date(2027, 1, 1)
                    for lk in dossier.links
                    if lk.status is LinkStatus.ARCHIVED
                )
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(LATER))
        assert index.verify_logbook().ok
        assert index.sweep().expired == 0  # nothing left for a second sweep
    finally:
        store.close()


class _DyingTransaction:
    def __init__(self, tx: Any) -> None:
        self.tx = tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    def append_log(self, entries: Any, refs: Any, seals: Any = None) -> None:
        import os

        self.tx.append_log(entries, refs, seals or {})
        os._exit(17)  # the process dies with the transaction written but not committed


class _DyingStore:
    def __init__(self, store: Any) -> None:
        self.inner = store

    def transaction(self, locks: Any = (), *, snapshot: bool = False) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def run() -> Any:
            with self.inner.transaction(locks, snapshot=snapshot) as tx:
                yield _DyingTransaction(tx)

        return run()

    def close(self) -> None:
        self.inner.close()


def _die_while_registering(url: str) -> None:
    store = open_store(url)
    index = VerwijsIndex(_DyingStore(store), key=TEST_KEY, clock=FixedClock(START))
    index.register(youth(), professional(1))  # would make a match; the process dies first


def die_mid_transaction(url: str) -> int | None:
    """p0 registers and commits; then a process dies inside p1's registration."""
    prepare(url, 2)
    store = open_store(url)
    VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START)).register(youth(), professional(0))
    store.close()
    ctx = multiprocessing.get_context("spawn")
    process = ctx.Process(target=_die_while_registering, args=(url,))
    process.start()
    process.join(60)
    return process.exitcode


def check_only_committed_work(url: str) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        with store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            dossier = tx.load(key)
        assert dossier is not None
        assert [lk.professional for lk in dossier.links] == ["p0"]
        assert dossier.match is None
        assert index.pending_notifications() == []
        assert index.verify_logbook().ok
        again = index.register(youth(), professional(1))  # the lock was released
        assert again.match is not None
        assert len(index.pending_notifications()) == 3
    finally:
        store.close()


BSNS = ["111222333", "123456782", "010000008", "100000009", "999999990"]
PARENTS = ["100000010", "100000022"]


def populate(target: VerwijsIndex | str) -> None:
    """Five youths (some with registered parents), each matched by two professionals, in
    *target*: an index, or the URL of a store to open one on."""
    from verwijsindex.testing import make_index

    index = make_index(target) if isinstance(target, str) else target
    pros = [
        make_professional(id="p1", organisation="GGD Zuid-Limburg"),
        make_professional(id="p2", organisation="MEE Zuid-Limburg"),
    ]
    for p in pros:
        index.add_organisation(p.organisation)
    for i, bsn in enumerate(BSNS):
        youth_ = make_subject(bsn=bsn, birth_date=date(2010 + i, 1, 1), parents=PARENTS[: i % 3])
        for p in pros:
            index.register(youth_, p)
    assert index.verify_logbook().ok
    if isinstance(target, str):
        index.store.close()


def three_youths_registered(index: VerwijsIndex) -> list[str]:
    """Register three youths with one nurse on *index*; return their keys (pseudonyms)."""
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    for youth_ in many_youths(3):
        index.register(youth_, nurse)
    with index.store.transaction() as tx:
        return tx.keys(None, 10)


def object_and_erase(index: VerwijsIndex, youth: Subject, received_on: date) -> None:
    """The youth and their representative object, the officer grants it, the youth is erased."""
    request = file_request(
        RequestKind.OBJECTION,
        youth,
        {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
        received_on=received_on,
    )
    erase(index, decide(request, granted=True), by=RightsOfficer("0935"))


def check_copied_row_set_aside(index: VerwijsIndex, clock: FixedClock, ids: list[str]) -> None:
    """After the row of ``ids[0]`` was given ``ids[1]``'s data behind the store's back: the
    copy is set aside, never handed out again, and every other notification is claimed and
    acknowledged once."""
    from datetime import timedelta

    claim = index.claim_notifications(1000, lease=timedelta(minutes=1))
    assert [n.id for n in claim.notifications] == ids[1:]
    assert index.acknowledge(claim) == len(ids) - 1
    clock.advance(timedelta(minutes=2))
    assert index.claim_notifications(1000).notifications == ()
    with index.store.transaction() as tx:
        assert tx.set_aside_count() == 1
