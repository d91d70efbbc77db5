"""Shared by the backend tests: many processes registering the same youth at once."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timezone
from typing import Any

from verwijsindex.index import VerwijsIndex
from verwijsindex.model import NotificationKind
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


def register_from_processes(url: str, workers: int, rounds: int = 3) -> list[str]:
    """Each of *workers* processes registers the same youth *rounds* times, all at once."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    errors = ctx.Queue()
    processes = [
        ctx.Process(target=_worker, args=(url, n, rounds, start, errors)) for n in range(workers)
    ]
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
