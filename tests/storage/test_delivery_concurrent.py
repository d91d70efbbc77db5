"""Several senders deliver one outbox at once: every notification arrives exactly once.

Spawned processes, each with its own store and index on the wall clock, run
:func:`~verwijsindex.delivery.deliver` into one SMTP server on loopback (aiosmtpd, in this
process); the server counts the messages by their ``X-Verwijsindex-Notification`` header.
A sender killed with SIGKILL while it holds a claim loses nothing: when its lease ends,
another sender delivers what it held, once. On a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from tests.storage.concurrency import many_youths, run_together
from tests.storage.field import with_schema
from tests.test_delivery import SmtpSink
from verwijsindex.delivery import DeliveryReport, SmtpNotifier, deliver
from verwijsindex.index import VerwijsIndex
from verwijsindex.storage import open_store
from verwijsindex.testing import TEST_KEY, make_professional

SENDER = "verwijsindex@zuid-limburg.example"
LEASE = timedelta(seconds=5)
"""The senders' lease: longer than a batch of five messages to loopback takes, even on a
busy machine, so that no sender's batch outlives it."""
KILLED_LEASE = timedelta(seconds=2)
"""The lease of the sender that is killed: the test waits for it to end."""

NURSE = make_professional(id="m1", organisation="GGD Zuid-Limburg")
WORKER = make_professional(id="h1", organisation="Welzijn Parkstad", municipality="Heerlen")


def prepare(url: str, youths: int) -> list[str]:
    """*youths* youths, each matched across two regions: five notifications each (two
    matches, a follow-up, two coordinators). Returns their ids."""
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        for p in (NURSE, WORKER):
            index.add_organisation(p.organisation)
        for youth in many_youths(youths):
            index.register(youth, NURSE)
            index.register(youth, WORKER)
        return [n.id for n in index.pending_notifications()]
    finally:
        store.close()


def pending(url: str) -> list[str]:
    store = open_store(url)
    try:
        return [n.id for n in VerwijsIndex(store, key=TEST_KEY).pending_notifications()]
    finally:
        store.close()


def _sender(url: str, port: int, results: Any, ready: Any, start: Any, errors: Any) -> None:
    try:
        store = open_store(url)
        index = VerwijsIndex(store, key=TEST_KEY)
        notifier = SmtpNotifier("127.0.0.1", port, sender=SENDER, timeout=30)
        start.wait(30)
        ready.wait(60)  # every sender is up: they all claim at once
        report = deliver(index, notifier, limit=5, lease=LEASE)
        results.put(attrs.astuple(report))
        store.close()
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(repr(error))


def send_from_processes(url: str, port: int, senders: int) -> DeliveryReport:
    """*senders* processes deliver at once; the sum of their reports."""
    ctx = multiprocessing.get_context("spawn")
    results, ready = ctx.Queue(), ctx.Barrier(senders)
    assert run_together([(_sender, (url, port, results, ready))] * senders) == []
    totals = [0] * len(attrs.fields(DeliveryReport))
    for _ in range(senders):
        for n, value in enumerate(results.get(timeout=10)):
            totals[n] += value
    return DeliveryReport(*totals)


@pytest.mark.slow
@pytest.mark.parametrize("senders", [2, 8])
def test_concurrent_senders_deliver_each_notification_once(
    file_store_url: str, senders: int
) -> None:
    url = file_store_url
    ids = prepare(url, 20)
    assert len(ids) == 100
    with SmtpSink() as sink:
        report = send_from_processes(url, sink.port, senders)
        arrived = sink.counts()
    assert report == DeliveryReport(sent=100)
    assert arrived == Counter(ids)  # every notification, exactly once
    assert pending(url) == []


def _claim_and_hang(url: str, claimed: Any) -> None:
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY)
    claim = index.claim_notifications(10, lease=KILLED_LEASE)
    claimed.put(([n.id for n in claim.notifications], claim.until.isoformat()))
    time.sleep(600)  # killed long before; never acknowledges


@pytest.mark.slow
def test_a_sender_killed_mid_lease_loses_nothing(file_store_url: str) -> None:
    url = file_store_url
    ids = prepare(url, 6)
    ctx = multiprocessing.get_context("spawn")
    claimed = ctx.Queue()
    doomed = ctx.Process(target=_claim_and_hang, args=(url, claimed))
    doomed.start()
    held, until_text = claimed.get(timeout=60)
    doomed.kill()
    doomed.join(30)
    assert doomed.exitcode == -signal.SIGKILL
    until = datetime.fromisoformat(until_text)
    assert held == ids[:10]  # oldest first
    with SmtpSink() as sink:
        store = open_store(url)
        try:
            index = VerwijsIndex(store, key=TEST_KEY)
            notifier = SmtpNotifier("127.0.0.1", sink.port, sender=SENDER, timeout=30)
            first = deliver(index, notifier, lease=LEASE)
            finished = datetime.now(timezone.utc)
        finally:
            store.close()
        if finished < until:  # as it should be: 20 messages to loopback take well under 2 s
            assert first == DeliveryReport(sent=len(ids) - 10)
            assert set(sink.counts()) == set(ids) - set(held)
            assert sorted(pending(url)) == sorted(held)
        time.sleep(max(0.0, (until - datetime.now(timezone.utc)).total_seconds()) + 0.2)
        later = send_from_processes(url, sink.port, 1)  # another sender, after the lease
        arrived = sink.counts()
    assert first.sent + later.sent == len(ids)
    assert later.sent >= 1 and first.failed == later.failed == 0
    assert arrived == Counter(ids)  # what the dead sender held arrived, once
    assert pending(url) == []


@pytest.mark.postgres
def test_set_aside_rows_on_postgres(postgres_url: str, postgres_schema: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    url = with_schema(postgres_url, postgres_schema)
    ids = prepare(url, 1)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE {}.outbox SET data = %s WHERE id = %s").format(
                sql.Identifier(postgres_schema)
            ),
            ['{"kind": "not a kind"}', ids[2]],
        )
    with SmtpSink() as sink:
        store = open_store(url)
        try:
            index = VerwijsIndex(store, key=TEST_KEY)
            notifier = SmtpNotifier("127.0.0.1", sink.port, sender=SENDER)
            assert deliver(index, notifier, limit=2) == DeliveryReport(sent=4, set_aside=1)
            assert deliver(index, notifier) == DeliveryReport()
        finally:
            store.close()
        assert sink.counts() == Counter(ids[:2] + ids[3:])
