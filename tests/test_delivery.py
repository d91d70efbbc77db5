"""Delivery of the outbox: the messages, the loop, and SMTP on a real server on loopback.

The index runs on the memory store with a fixed clock (the lease is judged by it); the set
aside rows need a store that can hold a row that does not parse, SQLite. The SMTP tests
talk to an aiosmtpd server on 127.0.0.1 (:class:`SmtpSink`, also used by
``tests/storage/test_delivery_concurrent.py``).
"""

from __future__ import annotations

import email
import email.policy
import logging
import math
import shutil
import smtplib
import socket
import sqlite3
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from verwijsindex import VerwijsIndex, open_store
from verwijsindex.delivery import (
    COORDINATOR_MOVE_TEXT,
    NOTIFICATION_HEADER,
    SIGN_OFF,
    DeliveryReport,
    Message,
    SmtpNotifier,
    compose,
    deliver,
)
from verwijsindex.errors import (
    ConfigurationError,
    InvalidRecordError,
    UndeliverableError,
    UnknownMunicipalityError,
    UnknownProfessionalError,
    ValidationError,
)
from verwijsindex.matching import Rules
from verwijsindex.model import (
    Address,
    Contact,
    Gender,
    Notification,
    NotificationKind,
    Subject,
    format_bsn,
    parse_bsn,
)
from verwijsindex.regions import ZUID_LIMBURG, load_regions
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional
from verwijsindex.testing._base import valid_bsns

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
LEASE = timedelta(minutes=5)
SENDER = "verwijsindex@zuid-limburg.example"

# --- an SMTP server on loopback -------------------------------------------------------------------


@attrs.frozen
class Received:
    """One message the server accepted: the envelope and the message as sent."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def mail(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def notification_id(self) -> str:
        return str(self.mail[NOTIFICATION_HEADER])

    @property
    def text(self) -> str:
        """The body, decoded, with the line ends of Python."""
        return str(self.mail.get_content()).replace("\r\n", "\n")


class _OddGoodbye(SMTP):
    """Answers QUIT with 250 where RFC 5321 says 221 (servers that do exist)."""

    async def smtp_QUIT(self, arg: str) -> None:
        await self.push("250 2.0.0 Bye")
        assert self.transport is not None
        self.transport.close()


class _Controller(Controller):
    """Binds port 0 and learns the port the system gave before it knocks on it."""

    odd_goodbye = False

    def factory(self) -> SMTP:
        if self.odd_goodbye:
            return _OddGoodbye(self.handler, **self.SMTP_kwargs)
        return SMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts; as a context
    manager it runs in a thread of this process. *refuse* names recipients to refuse at
    RCPT; *fail_data* refuses every message at DATA; *odd_goodbye* answers QUIT with 250."""

    def __init__(
        self,
        *,
        refuse: Callable[[str], bool] = lambda address: False,
        refusal: str = "550 5.1.1 recipient refused",
        fail_data: bool = False,
        odd_goodbye: bool = False,
        **smtp: Any,
    ) -> None:
        self.received: list[Received] = []
        self.port = 0
        self._refuse = refuse
        self._refusal = refusal
        self._fail_data = fail_data
        self._odd_goodbye = odd_goodbye
        self._smtp = smtp
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self._refuse(address):
            return self._refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._fail_data:
            return "554 5.6.0 refused"
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        controller = _Controller(
            self, hostname="127.0.0.1", port=0, server_hostname="sink.example", **self._smtp
        )
        controller.odd_goodbye = self._odd_goodbye
        controller.start()
        self._controller = controller
        self.port = controller.port
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._controller is not None
        self._controller.stop()

    def counts(self) -> Counter[str]:
        """How often each notification id arrived."""
        with self._lock:
            return Counter(r.notification_id for r in self.received)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


# --- a world with every kind of notification ------------------------------------------------------

HOME = Address(
    street="Brusselsestraat",
    house_number="17",
    postcode="6211 PC",
    city="Maastricht",
    municipality_code="0935",
)
NEW_HOME = Address(
    street="Akerstraat",
    house_number="3",
    postcode="6411 HA",
    city="Heerlen",
    municipality_code="0917",
)
PARENT = "100000010"


def _youth(bsn: str, name: str, born: date, parents: tuple[str, ...] = ()) -> Subject:
    return Subject(
        bsn=parse_bsn(bsn),
        name=name,
        gender=Gender.FEMALE,
        birth_date=born,
        address=HOME,
        parents=tuple(parse_bsn(p) for p in parents),
    )


SANNE = _youth("111222333", "Sanne Kloosterman", date(2012, 5, 1), (PARENT,))
DAAN = _youth("123456782", "Daan Kloosterman", date(2014, 3, 2), (PARENT,))
LOTTE = _youth("999999990", "Lotte Vermeulen", date(2011, 9, 30))
YOUTHS = (SANNE, DAAN, LOTTE)

TEACHER = attrs.evolve(
    make_professional(id="t1", organisation="Sint Jozefschool"), phone="043 123 4567"
)
NURSE = make_professional(id="n1", organisation="GGD Zuid-Limburg")
WORKER = attrs.evolve(
    make_professional(id="w1", organisation="Welzijn Parkstad", municipality="Heerlen"),
    name="Jeroen Hüsken",
    phone="+31 45 560 0000",
)
PROFESSIONALS = {p.id: p for p in (TEACHER, NURSE, WORKER)}


def youth_values(youth: Subject) -> list[str]:
    """What a message must never carry about *youth*, in the spellings it might take."""
    born = youth.birth_date
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"]
    months += ["september", "oktober", "november", "december"]
    assert youth.bsn is not None
    values = [
        youth.bsn.value,
        format_bsn(youth.bsn),
        *youth.name.split(),
        youth.address.street,
        youth.address.postcode,
        youth.address.postcode.replace(" ", ""),
        born.isoformat(),
        born.strftime("%d-%m-%Y"),
        born.strftime("%d/%m/%Y"),
        born.strftime("%d%m%Y"),
        f"{born.day}-{born.month}-{born.year}",
        f"{born.day} {months[born.month - 1]} {born.year}",
        *(p.value for p in youth.parents),
    ]
    return [*values, NEW_HOME.street, NEW_HOME.postcode]


def make_world(
    clock: FixedClock | None = None, *, store: str = "memory://"
) -> tuple[VerwijsIndex, FixedClock]:
    """Every kind of notification: a match across two regions (with follow-up and
    coordinators), a family match, an address match, a follow-up reminder and a move."""
    clock = clock or FixedClock(START)
    index = VerwijsIndex(
        open_store(store), key=TEST_KEY, clock=clock, rules=Rules(address_match=True)
    )
    for p in PROFESSIONALS.values():
        index.add_organisation(p.organisation)
    index.register(SANNE, TEACHER)
    index.register(SANNE, WORKER)  # match across Maastricht-Heuvelland and Parkstad
    index.register(DAAN, NURSE)  # Sanne's brother: a family match
    index.register(LOTTE, NURSE)  # lives with them: an address match
    clock.advance(timedelta(weeks=5))
    index.sweep()  # the match waits past the follow-up period: a reminder
    index.record_move(attrs.evolve(SANNE, address=NEW_HOME))  # to Heerlen, in Parkstad
    return index, clock


def small_world(clock: FixedClock | None = None) -> tuple[VerwijsIndex, FixedClock]:
    """One match of two professionals in Maastricht: three notifications."""
    clock = clock or FixedClock(START)
    index = VerwijsIndex(open_store("memory://"), key=TEST_KEY, clock=clock)
    for p in (TEACHER, NURSE):
        index.add_organisation(p.organisation)
        index.register(SANNE, p)
    return index, clock


@pytest.fixture
def world() -> tuple[VerwijsIndex, FixedClock]:
    return make_world()


class ListNotifier:
    """Keeps what it is given; fails the first *failures* tries of each message, or of
    the messages *failing* picks (always)."""

    def __init__(
        self, failures: int = 0, failing: Callable[[Message], bool] = lambda m: False
    ) -> None:
        self.sent: list[Message] = []
        self.tries: Counter[str] = Counter()
        self.failures = failures
        self.failing = failing

    def send(self, message: Message) -> None:
        self.tries[message.notification_id] += 1
        if self.failing(message) or self.tries[message.notification_id] <= self.failures:
            raise ConnectionError("the mail server is away")
        self.sent.append(message)


# --- compose --------------------------------------------------------------------------------------


def _region_contacts(code: str) -> tuple[str, ...]:
    region = ZUID_LIMBURG.region_of_municipality(code)
    return tuple(dict.fromkeys((region.coordinator, *region.contacts)))


def test_the_world_holds_every_kind(world: tuple[VerwijsIndex, FixedClock]) -> None:
    index, _ = world
    kinds = Counter(n.kind for n in index.pending_notifications())
    assert set(kinds) == set(NotificationKind)


def test_compose_addresses_each_kind_to_its_recipient(
    world: tuple[VerwijsIndex, FixedClock],
) -> None:
    index, _ = world
    seen = set()
    for note in index.pending_notifications():
        message = compose(note, index)
        assert message.notification_id == note.id
        kind = note.kind
        if kind is NotificationKind.MOVE and note.link_id is None:
            seen.add("move to a municipality")
            assert note.recipient == "0917"
            assert message.to == _region_contacts("0917")
        elif kind in {NotificationKind.FOLLOW_UP, NotificationKind.FOLLOW_UP_REMINDER}:
            seen.add(kind.value)
            assert message.to == _region_contacts(note.recipient) == ("maud.jacobs@maastricht.nl",)
        elif kind is NotificationKind.COORDINATOR:
            seen.add(f"coordinator of {note.recipient}")
            expected = {"Maastricht-Heuvelland": "maud.jacobs@maastricht.nl"}
            assert message.to == (expected.get(note.recipient, "vip@heerlen.nl"),)
        else:
            seen.add(kind.value)
            assert message.to == (PROFESSIONALS[note.recipient].email,)
    assert seen == {
        "match",
        "family-match",
        "address-match",
        "follow-up",
        "follow-up-reminder",
        "move",
        "move to a municipality",
        "coordinator of Maastricht-Heuvelland",
        "coordinator of Parkstad Limburg",
    }


def _contact_lines(contact: Contact) -> list[str]:
    lines = [f"- {contact.name} ({contact.organisation})", f"  e-mail: {contact.email}"]
    return lines + ([f"  telefoon: {contact.phone}"] if contact.phone else [])


def test_messages_carry_the_match_id_and_the_other_professionals(
    world: tuple[VerwijsIndex, FixedClock],
) -> None:
    index, _ = world
    for note in index.pending_notifications():
        message = compose(note, index)
        assert message.body.endswith(SIGN_OFF)
        if note.match_id is not None:
            assert note.match_id in message.subject
            assert f"Matchnummer: {note.match_id}" in message.body
        else:
            assert "Matchnummer" not in message.body
        for contact in note.contacts:
            for line in _contact_lines(contact):
                assert line in message.body.splitlines()
        if note.recipient in PROFESSIONALS:  # addressed by name, never listed as an other
            own = PROFESSIONALS[note.recipient]
            assert message.body.startswith(f"Beste {own.name},\n")
            assert f"- {own.name} (" not in message.body
        if note.kind in {NotificationKind.FOLLOW_UP, NotificationKind.FOLLOW_UP_REMINDER}:
            # the follow-up checker learns whether contact was made, not who the others are
            assert "gemeente Maastricht" in message.body
            assert not any(p.name in message.body for p in PROFESSIONALS.values())
        if note.kind is NotificationKind.MOVE and note.link_id is not None:
            assert note.link_id in message.subject
            assert f"uw melding {note.link_id} is verhuisd" in message.body
        if note.kind is NotificationKind.MOVE and note.link_id is None:
            assert "naar de gemeente\nHeerlen" in message.body
            assert note.match_id is not None  # Sanne is matched: the new checker follows up
            assert f"Matchnummer: {note.match_id}" in message.body
        if note.kind is NotificationKind.COORDINATOR and note.match_id is None:
            assert message.subject == COORDINATOR_MOVE_TEXT.subject
            assert "regio Parkstad Limburg" in message.body


def test_messages_say_nothing_about_the_youth(world: tuple[VerwijsIndex, FixedClock]) -> None:
    index, _ = world
    messages = [compose(note, index) for note in index.pending_notifications()]
    assert len(messages) >= 15
    for message in messages:
        text = f"{message.subject}\n{message.body}".casefold()
        for youth in YOUTHS:
            for value in youth_values(youth):
                assert value.casefold() not in text, (message.subject, value)


def test_region_contacts_start_with_the_coordinator() -> None:
    regions = load_regions(
        """
        name = "Proef"
        [[regions]]
        name = "Proefregio"
        programme = "Verwijsindex"
        contacts = ["loket@proef.example", "regie@proef.example", "loket@proef.example"]
        coordinator = "regie@proef.example"
        [[regions.municipalities]]
        code = "0935"
        name = "Maastricht"
        """
    )
    index = VerwijsIndex(open_store("memory://"), key=TEST_KEY, regions=regions)
    note = Notification(
        id="n-1",
        kind=NotificationKind.FOLLOW_UP,
        recipient="0935",
        created_at=START,
        match_id="m-1",
    )
    assert compose(note, index).to == ("regie@proef.example", "loket@proef.example")
    coordinator = attrs.evolve(note, kind=NotificationKind.COORDINATOR, recipient="Proefregio")
    assert compose(coordinator, index).to == ("regie@proef.example",)


def _note(kind: NotificationKind, recipient: str, **fields: Any) -> Notification:
    return Notification(
        id=f"x-{kind.value}-{recipient}", kind=kind, recipient=recipient, created_at=START, **fields
    )


def test_compose_refuses_what_it_cannot_address() -> None:
    index, _ = small_world()
    with pytest.raises(UnknownProfessionalError) as caught:
        compose(_note(NotificationKind.MATCH, "ghost", match_id="m-1"), index)
    assert "ghost" not in str(caught.value)
    with pytest.raises(UnknownMunicipalityError):
        compose(_note(NotificationKind.FOLLOW_UP, "0363", match_id="m-1"), index)  # Amsterdam
    with pytest.raises(UnknownMunicipalityError):
        compose(_note(NotificationKind.COORDINATOR, "Elders", match_id="m-1"), index)
    with pytest.raises(UnknownMunicipalityError):  # a move to a professional needs the link
        compose(_note(NotificationKind.MOVE, "t1"), index)
    with pytest.raises(InvalidRecordError, match="match_id"):
        compose(_note(NotificationKind.MATCH, "t1"), index)
    with pytest.raises(InvalidRecordError, match="notification"):
        compose("a notification", index)  # type: ignore[arg-type]


def test_a_message_needs_an_address() -> None:
    with pytest.raises(InvalidRecordError, match=r"^to "):
        Message(to=(), subject="Match", body="", notification_id="n-1")
    with pytest.raises(InvalidRecordError, match=r"^to "):
        Message(to=("111222333",), subject="Match", body="", notification_id="n-1")
    with pytest.raises(InvalidRecordError, match=r"^subject "):
        Message(to=("a@b.nl",), subject="a\nBcc: x@y.nl", body="", notification_id="n-1")
    listed = Message(to=["a@b.nl"], subject="Match", body="", notification_id="n-1")
    assert listed.to == ("a@b.nl",)


# --- deliver --------------------------------------------------------------------------------------


def test_deliver_sends_each_notification_once_and_acknowledges(
    world: tuple[VerwijsIndex, FixedClock], caplog: pytest.LogCaptureFixture
) -> None:
    index, _ = world
    pending = index.pending_notifications()
    notifier = ListNotifier()
    with caplog.at_level(logging.INFO, logger="verwijsindex.delivery"):
        report = deliver(index, notifier, limit=4)
    assert report == DeliveryReport(sent=len(pending))
    assert Counter(m.notification_id for m in notifier.sent) == Counter(n.id for n in pending)
    assert [m.notification_id for m in notifier.sent] == [n.id for n in pending]  # oldest first
    assert index.pending_notifications() == []
    assert deliver(index, notifier) == DeliveryReport()
    totals = [r for r in caplog.records if r.levelno == logging.INFO]
    assert totals[0].getMessage().startswith(f"delivery: {len(pending)} sent, 0 failed")


def test_a_failing_send_is_tried_again_with_backoff() -> None:
    index, _ = small_world()
    notifier = ListNotifier(failures=2)
    waits: list[float] = []
    report = deliver(index, notifier, attempts=3, backoff=0.5, sleep=waits.append)
    assert report == DeliveryReport(sent=3)
    assert waits == [0.5, 1.0] * 3
    assert set(notifier.tries.values()) == {3}
    assert len(notifier.sent) == 3
    assert index.pending_notifications() == []


def test_a_notification_that_fails_every_attempt_returns_after_the_lease(
    caplog: pytest.LogCaptureFixture,
) -> None:
    index, clock = small_world()
    pending = index.pending_notifications()
    waits: list[float] = []
    with caplog.at_level(logging.DEBUG, logger="verwijsindex"):
        report = deliver(
            index, ListNotifier(failures=99), attempts=4, backoff=0.25, sleep=waits.append
        )
    assert report == DeliveryReport(failed=3)
    assert waits == [0.25, 0.5, 1.0] * 3
    assert index.pending_notifications() == pending
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sorted(warnings) == sorted(
        f"notification {n.id} ({n.kind.value}) not sent after 4 attempts: ConnectionError"
        for n in pending
    )
    assert not any("@" in r.getMessage() for r in caplog.records)  # ids and kinds only
    good = ListNotifier()
    assert deliver(index, good) == DeliveryReport()  # still held by the lease
    clock.advance(LEASE - timedelta(seconds=1))
    assert deliver(index, good) == DeliveryReport()
    clock.advance(timedelta(seconds=1))
    assert deliver(index, good) == DeliveryReport(sent=3)
    assert sorted(m.notification_id for m in good.sent) == sorted(n.id for n in pending)
    assert index.pending_notifications() == []


def test_one_failure_does_not_stop_the_others(world: tuple[VerwijsIndex, FixedClock]) -> None:
    index, clock = world
    pending = index.pending_notifications()
    notifier = ListNotifier(failing=lambda m: m.to == (NURSE.email,))
    to_nurse = [n for n in pending if n.recipient == NURSE.id]
    report = deliver(index, notifier, limit=3, sleep=lambda s: None)
    assert report == DeliveryReport(sent=len(pending) - len(to_nurse), failed=len(to_nurse))
    assert index.pending_notifications() == to_nurse
    clock.advance(LEASE)
    assert deliver(index, ListNotifier()) == DeliveryReport(sent=len(to_nurse))


def test_a_notification_that_cannot_be_composed_fails_without_trying() -> None:
    index, _ = small_world()
    ghost = _note(NotificationKind.MATCH, "ghost", match_id="m-1")
    with index.store.transaction() as tx:
        tx.add_notifications([("some-youth", ghost)])
    notifier = ListNotifier()
    waits: list[float] = []
    assert deliver(index, notifier, sleep=waits.append) == DeliveryReport(sent=3, failed=1)
    assert waits == [] and ghost.id not in notifier.tries
    assert index.pending_notifications() == [ghost]


def test_the_rest_of_a_batch_waits_when_the_lease_ends() -> None:
    index, clock = small_world()
    pending = index.pending_notifications()

    class Slow(ListNotifier):
        def send(self, message: Message) -> None:
            super().send(message)
            if len(self.sent) == 1:
                clock.advance(LEASE)  # the first send outlasts the lease

    notifier = Slow()
    report = deliver(index, notifier)
    # the first is acknowledged (no one else claimed it meanwhile); the other two lapsed
    # from the first claim and went out under the next one, once each
    assert report == DeliveryReport(sent=3, lapsed=2)
    assert [m.notification_id for m in notifier.sent] == [n.id for n in pending]
    assert index.pending_notifications() == []


def test_a_send_after_the_lease_is_not_acknowledged_when_another_sender_took_it() -> None:
    index, clock = small_world()
    pending = index.pending_notifications()
    taken = []

    class Overtaken(ListNotifier):
        def send(self, message: Message) -> None:
            super().send(message)
            clock.advance(LEASE)
            taken.append(index.claim_notifications(10, lease=LEASE))  # another sender

    report = deliver(index, Overtaken())
    assert report == DeliveryReport(sent=1, lapsed=2, unacknowledged=1)
    assert index.pending_notifications() == pending  # the other sender has them all now
    assert [n.id for n in taken[0].notifications] == [n.id for n in pending]
    assert index.acknowledge(taken[0]) == 3


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("limit", 0),
        ("limit", True),
        ("lease", timedelta(0)),
        ("lease", 300),
        ("attempts", 0),
        ("attempts", 1.5),
        ("backoff", -1),
        ("backoff", math.nan),
        ("backoff", "1"),
        ("sleep", None),
        ("clock", "now"),
        ("clock", lambda: datetime(2026, 11, 23, 9, 0)),  # naive
        ("clock", lambda: "2026-11-23T09:00:00+00:00"),
        ("backoff", 1e10),  # the waits would outlast the lease
        ("attempts", 1_100),
        ("lease", timedelta(days=2)),
        ("limit", 2**31),
    ],
)
def test_deliver_refuses_bad_arguments_before_claiming(argument: str, value: Any) -> None:
    index, _ = small_world()
    with pytest.raises(ConfigurationError, match=rf"^{argument} "):
        deliver(index, ListNotifier(), **{argument: value})
    assert len(index.claim_notifications(10).notifications) == 3  # nothing was held


def test_deliver_needs_a_notifier() -> None:
    index, _ = small_world()
    with pytest.raises(ConfigurationError, match=r"^notifier "):
        deliver(index, object())  # type: ignore[arg-type]


def test_set_aside_rows_are_counted_and_never_sent(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    clock = FixedClock(START)
    index = VerwijsIndex(open_store(f"sqlite:///{path}"), key=TEST_KEY, clock=clock)
    for p in (TEACHER, NURSE):
        index.add_organisation(p.organisation)
        index.register(SANNE, p)
    pending = index.pending_notifications()
    broken = pending[1].id
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outbox SET data = ? WHERE id = ?", ('{"kind": "match", ', broken))
    db.close()
    notifier = ListNotifier()
    assert deliver(index, notifier) == DeliveryReport(sent=2, set_aside=1)
    assert broken not in notifier.tries
    assert deliver(index, notifier) == DeliveryReport()
    index.store.close()


# --- SMTP -----------------------------------------------------------------------------------------


def test_smtp_delivers_every_notification_once(
    world: tuple[VerwijsIndex, FixedClock], sink: SmtpSink
) -> None:
    index, _ = world
    expected = {n.id: compose(n, index) for n in index.pending_notifications()}
    notifier = SmtpNotifier("127.0.0.1", sink.port, sender=SENDER, timeout=10)
    assert deliver(index, notifier, limit=5) == DeliveryReport(sent=len(expected))
    assert sink.counts() == Counter(expected.keys())
    assert index.pending_notifications() == []
    for received in sink.received:
        message = expected[received.notification_id]
        mail = received.mail
        assert received.mail_from == SENDER
        assert received.rcpt_tos == message.to
        assert mail["From"] == SENDER
        assert [a.addr_spec for a in mail["To"].addresses] == list(message.to)
        assert mail["Subject"] == message.subject
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["Message-ID"].endswith("@zuid-limburg.example>")
        assert mail.get_content_type() == "text/plain"
        assert mail.get_content_charset() == "utf-8"
        assert received.text == message.body
        seen = f"{received.raw.decode('ascii')}\n{mail['Subject']}\n{received.text}".casefold()
        for youth in YOUTHS:
            for value in youth_values(youth):
                assert value.casefold() not in seen
    assert any("Jeroen Hüsken" in r.text for r in sink.received)  # UTF-8 both ways


def test_smtp_refusal_is_a_failure_that_is_tried_again() -> None:
    index, _ = small_world()
    waits: list[float] = []
    with SmtpSink(fail_data=True) as refusing:
        notifier = SmtpNotifier("127.0.0.1", refusing.port, sender=SENDER, timeout=10)
        report = deliver(index, notifier, attempts=2, backoff=0.1, sleep=waits.append)
    assert report == DeliveryReport(failed=3)
    assert waits == [0.1] * 3
    assert len(index.pending_notifications()) == 3


def test_smtp_unreachable_server_is_a_failure() -> None:
    with socket.socket() as closed:  # a port that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    index, _ = small_world()
    notifier = SmtpNotifier("127.0.0.1", port, sender=SENDER, timeout=5)
    with pytest.raises(OSError):
        notifier.send(compose(index.pending_notifications()[0], index))
    assert deliver(index, notifier, attempts=1) == DeliveryReport(failed=3)


@pytest.mark.parametrize("pace", ["a line at a time", "a byte at a time"])
def test_smtp_a_server_that_trickles_is_given_the_timeout_in_all(pace: str) -> None:
    """A server that sends its greeting a line a time (or one line a byte at a time: a
    tarpit) never lets a read wait the whole timeout: the socket's timeout alone held the
    sender, and the claim it holds, without end. The timeout bounds the whole
    conversation: after it the send raises ``TimeoutError``, as an unreachable server's
    does (decision 97)."""
    stop = threading.Event()
    chunks = [b"220-tarpit.example\r\n"] if pace == "a line at a time" else [b"2", b"2"]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def trickle() -> None:
            connection, _ = server.accept()
            with connection:
                while not stop.is_set():
                    for chunk in chunks:
                        connection.sendall(chunk)
                        stop.wait(0.3)

        feeder = threading.Thread(target=trickle, daemon=True)
        feeder.start()
        notifier = SmtpNotifier("127.0.0.1", server.getsockname()[1], sender=SENDER, timeout=1)
        message = Message(to=("a@proef.example",), subject="s", body="b", notification_id="n-1")
        outcome: list[BaseException] = []

        def send() -> None:
            try:
                notifier.send(message)
            except (smtplib.SMTPException, OSError) as error:
                outcome.append(error)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        sender.join(60)  # without the deadline it runs as long as the server trickles
        stop.set()
        assert not sender.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], TimeoutError)


def test_smtp_some_recipients_refused_is_sent_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    message = Message(
        to=("regie@proef.example", "oud@proef.example"),
        subject="Match om op te volgen (m-1)",
        body="Matchnummer: m-1\n",
        notification_id="n-1",
    )
    with SmtpSink(refuse=lambda address: address.startswith("oud@")) as picky:
        SmtpNotifier("127.0.0.1", picky.port, sender=SENDER).send(message)
        (received,) = picky.received
    assert received.rcpt_tos == ("regie@proef.example",)
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning == "notification n-1: 1 of 2 recipients refused"
    with (
        SmtpSink(refuse=lambda address: True) as refusing,
        pytest.raises(UndeliverableError) as caught,
    ):
        SmtpNotifier("127.0.0.1", refusing.port, sender=SENDER).send(message)
    assert isinstance(caught.value.__cause__, smtplib.SMTPRecipientsRefused)


def _many_matches(youths: int) -> tuple[VerwijsIndex, FixedClock]:
    """*youths* siblings (Sanne's parent), each registered by the teacher and the nurse:
    their matches, follow-ups and family signals."""
    clock = FixedClock(START)
    index = VerwijsIndex(open_store("memory://"), key=TEST_KEY, clock=clock)
    for p in (TEACHER, NURSE):
        index.add_organisation(p.organisation)
    for bsn in valid_bsns(youths):
        youth = attrs.evolve(SANNE, bsn=parse_bsn(bsn))
        for p in (TEACHER, NURSE):
            index.register(youth, p)
    return index, clock


def test_a_mailbox_that_refuses_everything_holds_up_no_one() -> None:
    """The professional at the head of the outbox left; their mail server refuses them.
    Their notifications pile up in front; each run must still send everyone else's, in
    batches of one as of fifty, rather than stop at a batch of theirs."""
    index, clock = _many_matches(4)
    pending = index.pending_notifications()
    gone = compose(pending[0], index).to[0]
    theirs = [n for n in pending if compose(n, index).to == (gone,)]
    with SmtpSink(refuse=lambda address: address == gone) as server:
        notifier = SmtpNotifier("127.0.0.1", server.port, sender=SENDER, timeout=10)
        report = deliver(index, notifier, limit=1, sleep=lambda s: None)
        assert report == DeliveryReport(sent=len(pending) - len(theirs), failed=len(theirs))
        assert len(server.received) == len(pending) - len(theirs)  # each once, not retried
    assert index.pending_notifications() == theirs
    clock.advance(LEASE)
    with SmtpSink(refuse=lambda address: address == gone) as server:
        notifier = SmtpNotifier("127.0.0.1", server.port, sender=SENDER, timeout=10)
        assert deliver(index, notifier, limit=1) == DeliveryReport(failed=len(theirs))


def test_a_server_that_is_away_stops_the_run_after_one_batch() -> None:
    """A failure that is not the message's own: the rest waits for the next run rather
    than every notification taking its tries against a server that is away."""
    index, _ = _many_matches(2)
    notifier = ListNotifier(failures=99)
    assert deliver(index, notifier, limit=2, sleep=lambda s: None) == DeliveryReport(failed=2)
    assert len(notifier.tries) == 2


def test_an_accepted_message_is_sent_whatever_the_goodbye() -> None:
    index, _ = small_world()
    with SmtpSink(odd_goodbye=True) as odd:
        notifier = SmtpNotifier("127.0.0.1", odd.port, sender=SENDER, timeout=10)
        assert deliver(index, notifier) == DeliveryReport(sent=3)
        assert sorted(odd.counts().values()) == [1, 1, 1]
    assert index.pending_notifications() == []


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("z.smeets@zorg-maastricht.café", "z.smeets@zorg-maastricht.xn--caf-dma"),
        ("J.Jansen@Zorg-Café.NL", "J.Jansen@xn--zorg-caf-i1a.NL"),  # capitals: one domain
    ],
)
def test_an_international_domain_goes_in_its_ascii_form(written: str, sent: str) -> None:
    message = Message(
        to=(written,),
        subject="Match in de verwijsindex (m-1)",
        body="Matchnummer: m-1\n",
        notification_id="n-1",
    )
    with SmtpSink(enable_SMTPUTF8=False) as plain:
        SmtpNotifier("127.0.0.1", plain.port, sender=SENDER, timeout=10).send(message)
        (received,) = plain.received
    assert received.rcpt_tos == (sent,)
    assert [a.addr_spec for a in received.mail["To"].addresses] == list(received.rcpt_tos)
    local = attrs.evolve(message, to=("zoë@zorg.example",))
    with SmtpSink(enable_SMTPUTF8=False) as plain, pytest.raises(UndeliverableError):
        SmtpNotifier("127.0.0.1", plain.port, sender=SENDER, timeout=10).send(local)


@pytest.mark.parametrize("domain", ["jeugdzorg-straße.de", "zorg\u200dhuis.nl", "faß.de"])
def test_a_domain_whose_ascii_form_names_another_is_never_sent_there(domain: str) -> None:
    """IDNA 2003 (Python's codec) maps ß to ss and drops a zero-width joiner: the ASCII form
    of these names another, registrable domain. Such an address goes as written to a
    server that takes UTF-8 (SMTPUTF8), and to no server that does not."""
    message = Message(
        to=(f"j.jansen@{domain}",),
        subject="Match in de verwijsindex (m-1)",
        body="Matchnummer: m-1\n",
        notification_id="n-1",
    )
    with SmtpSink(enable_SMTPUTF8=True) as utf8:
        SmtpNotifier("127.0.0.1", utf8.port, sender=SENDER, timeout=10).send(message)
        (received,) = utf8.received
        assert received.rcpt_tos == message.to
    with SmtpSink(enable_SMTPUTF8=False) as plain, pytest.raises(UndeliverableError):
        SmtpNotifier("127.0.0.1", plain.port, sender=SENDER, timeout=10).send(message)
    assert plain.received == []


@pytest.mark.parametrize(
    "refusal",
    [
        "550 5.7.1 relaying denied",
        "550 Relaying denied",  # no enhanced code: the words say it
        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        "554 5.1.22.7 blocked using bl.spamcop.net",  # an address, not an enhanced code
        "451 4.3.0 try again later",
    ],
)
def test_a_server_that_refuses_to_relay_stops_the_run(refusal: str) -> None:
    """A refusal for policy (relaying denied, a block list) or for now (4xx) is the
    server's for every message, not one mailbox's: the run stops after a batch rather
    than try the whole outbox."""
    index, _ = _many_matches(3)
    with SmtpSink(refuse=lambda address: True, refusal=refusal) as server:
        notifier = SmtpNotifier("127.0.0.1", server.port, sender=SENDER, timeout=10)
        report = deliver(index, notifier, limit=2, attempts=1)
    assert report == DeliveryReport(failed=2)


def test_an_international_sender_goes_in_ascii_where_that_is_the_same_domain() -> None:
    index, _ = small_world()
    with SmtpSink(enable_SMTPUTF8=False) as plain:
        cafe = SmtpNotifier("127.0.0.1", plain.port, sender="vi@zorg-café.nl", timeout=10)
        assert deliver(index, cafe) == DeliveryReport(sent=3)
        assert {r.mail_from for r in plain.received} == {"vi@xn--zorg-caf-i1a.nl"}
    index, _ = small_world()
    with SmtpSink(enable_SMTPUTF8=False) as plain:
        strasse = SmtpNotifier("127.0.0.1", plain.port, sender="vi@straße.de", timeout=10)
        assert deliver(index, strasse, limit=1, attempts=1) == DeliveryReport(failed=1)
        assert plain.received == []


def test_a_run_longer_than_the_lease_still_reaches_everyone() -> None:
    """The refused notifications come back first when their lease ends while the run
    goes on; filling a whole claim, they must not end the run before the others."""
    index, clock = _many_matches(6)
    pending = index.pending_notifications()
    gone = compose(pending[0], index).to[0]

    class SlowRefusing(ListNotifier):
        def send(self, message: Message) -> None:
            clock.advance(timedelta(seconds=10))  # each conversation takes ten seconds
            if gone in message.to:
                raise UndeliverableError
            self.sent.append(message)

    notifier = SlowRefusing()
    report = deliver(index, notifier, limit=2, lease=timedelta(seconds=60), sleep=lambda s: 0)
    theirs = [n for n in pending if gone in compose(n, index).to]
    assert report.sent == len(pending) - len(theirs)
    assert {m.notification_id for m in notifier.sent} == {n.id for n in pending} - {
        n.id for n in theirs
    }


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a certificate for the STARTTLS test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_smtp_starttls_and_login(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"geheim", handled=False)

    index, _ = small_world()
    message = compose(index.pending_notifications()[0], index)
    client_tls = ssl.create_default_context(cafile=str(cert))
    with SmtpSink(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        auth_exclude_mechanism=["LOGIN"],  # PLAIN only: one try per login
    ) as secure:
        notifier = SmtpNotifier(
            "127.0.0.1",
            secure.port,
            sender=SENDER,
            starttls=True,
            username="verwijsindex",
            password="geheim",
            timeout=10,
            tls_context=client_tls,
        )
        notifier.send(message)
        assert secure.counts() == Counter([message.notification_id])
        wrong = attrs.evolve(notifier, password="fout")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            wrong.send(message)
        plain = SmtpNotifier("127.0.0.1", secure.port, sender=SENDER)
        with pytest.raises(smtplib.SMTPException):  # the server wants STARTTLS first
            plain.send(message)
        distrusting = attrs.evolve(notifier, tls_context=None)  # the system's roots
        with pytest.raises(ssl.SSLError):
            distrusting.send(message)
    assert logins == [(b"verwijsindex", b"geheim"), (b"verwijsindex", b"fout")]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"host": ""}, "host"),
        ({"host": "mail example"}, "host"),
        ({"host": None}, "host"),
        ({"port": 0}, "port"),
        ({"port": "25"}, "port"),
        ({"port": True}, "port"),
        ({"sender": "verwijsindex"}, "sender"),
        ({"sender": "a@b.nl\r\nBcc: x@y.nl"}, "sender"),
        ({"starttls": "yes"}, "starttls"),
        ({"starttls": True, "username": "", "password": "x"}, "username"),
        ({"starttls": True, "username": "vi", "password": 12345}, "password"),
        ({"starttls": True, "username": "vi"}, "username and password"),
        ({"username": "vi", "password": "s3cret"}, "username and password need starttls"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": 1e300}, "timeout"),
        ({"tls_context": "tls"}, "tls_context"),
    ],
)
def test_smtp_notifier_refuses_bad_arguments(arguments: dict[str, Any], named: str) -> None:
    given: dict[str, Any] = {"host": "mail.example.nl", "port": 587, "sender": SENDER}
    given.update(arguments)
    with pytest.raises(ConfigurationError, match=rf"^{named}") as caught:
        SmtpNotifier(**given)
    assert "s3cret" not in str(caught.value) and "12345" not in str(caught.value)


def test_smtp_notifier_keeps_the_password_out_of_its_repr() -> None:
    notifier = SmtpNotifier(
        "mail.example.nl", 587, sender=SENDER, starttls=True, username="vi", password="s3cret"
    )
    assert "s3cret" not in repr(notifier)
    assert "username='vi'" in repr(notifier)


def test_an_smtp_message_is_one_utf8_text_part() -> None:
    message = Message(
        to=("a@b.nl", "c@d.nl"),
        subject="Één match",
        body="Beste Jeroen Hüsken,\n",
        notification_id="n-1",
    )
    mail = SmtpNotifier("mail.example.nl", sender=SENDER).email(message)
    raw = mail.as_bytes()
    assert raw.isascii()  # encoded for any server: no SMTPUTF8 needed
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Één match"
    assert parsed["To"] == "a@b.nl, c@d.nl"
    assert parsed[NOTIFICATION_HEADER] == "n-1"
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content().replace("\r\n", "\n") == "Beste Jeroen Hüsken,\n"


def test_contacts_without_a_phone_leave_the_line_out() -> None:
    index, _ = small_world()
    note = next(n for n in index.pending_notifications() if n.recipient == TEACHER.id)
    body = compose(note, index).body
    assert "- Professional n1 (GGD Zuid-Limburg)\n  e-mail: n1@ggd-zuid-limburg.example\n\n" in body
    assert "telefoon" not in body


def test_notifications_withdrawn_while_being_sent_are_not_said_to_go_out_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The youth's record is deleted (a death notice, an erasure) while a claimed batch
    about them is being sent: what was sent cannot be acknowledged, and the warning says
    they were no longer held (deleted with the youth), not that the lease ended."""
    from verwijsindex.testing import make_index, make_professional, make_subject

    index = make_index()
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    for pro in (nurse, teacher):
        index.add_organisation(pro.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2013, 5, 1))
    index.register(youth, nurse)
    index.register(youth, teacher)
    died_on = index.clock().date()

    class DeathMeanwhile:
        sent = 0

        def send(self, message: Message) -> None:
            if not self.sent:
                index.record_death(youth, died_on)
            self.sent += 1

    with caplog.at_level(logging.WARNING, logger="verwijsindex.delivery"):
        report = deliver(index, DeathMeanwhile())
    assert report.unacknowledged == report.sent > 0
    assert index.pending_notifications() == []
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "no longer held" in warning and "deleted with their youth" in warning
    assert "lease ended" not in warning


@pytest.mark.parametrize(
    "fields",
    [
        {"id": 5},
        {"id": None},
        {"until": datetime(2026, 11, 23, 9, 5)},  # naive
        {"notifications": ("abc",)},
        {"notifications": None},
        {"set_aside": -1},
    ],
)
def test_a_claim_is_checked_like_every_model(fields: dict[str, Any]) -> None:
    """A forged claim is refused before it reaches a store (``id=None`` once acknowledged
    whatever another claim held; on PostgreSQL an int id failed as a store error)."""
    index, _ = small_world()
    claim = index.claim_notifications(10)
    with pytest.raises(ValidationError):
        attrs.evolve(claim, **fields)
    assert len(index.pending_notifications()) == 3


def test_a_run_on_a_clock_that_moves_with_every_read_still_reaches_everyone() -> None:
    """Each read of the clock takes a second and the lease is a minute: the refused
    notifications come back while the run goes on, are taken back, and the run still
    goes on to everyone else's (a review of the first bound, which counted claims)."""
    moment = [START]

    def ticking() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    index = VerwijsIndex(open_store("memory://"), key=TEST_KEY, clock=lambda: moment[0])
    for p in (TEACHER, NURSE):
        index.add_organisation(p.organisation)
    for bsn in valid_bsns(7):
        youth = attrs.evolve(LOTTE, bsn=parse_bsn(bsn))
        for p in (TEACHER, NURSE):
            index.register(youth, p)
    index = VerwijsIndex(index.store, key=TEST_KEY, clock=ticking)
    pending = index.pending_notifications()
    gone = compose(pending[0], index).to[0]
    theirs = {n.id for n in pending if gone in compose(n, index).to}

    class Refusing(ListNotifier):
        def send(self, message: Message) -> None:
            if gone in message.to:
                raise UndeliverableError
            self.sent.append(message)

    notifier = Refusing()
    report = deliver(index, notifier, limit=1, lease=timedelta(seconds=60))
    assert report.lapsed == 0, report
    assert {m.notification_id for m in notifier.sent} == {n.id for n in pending} - theirs


@pytest.mark.parametrize(
    "refusal",
    [
        "550 5.1.1 <gone@x.example>: Recipient address rejected: User unknown in relay "
        "recipient table",
        "550 5.1.1 <policy.officer@relay.example> User unknown",
        "550 <policy.officer@relay.example>: User unknown in relay recipient table",
        "551 no such user here",
    ],
)
def test_a_refused_mailbox_is_undeliverable_whatever_words_follow(refusal: str) -> None:
    """The refusal of a mailbox, whatever an address or a table's name in the reply
    says (a review found 'relay' there read as the server's policy, stopping the run)."""
    message = Message(
        to=("gone@x.example",), subject="Match (m-1)", body="m-1\n", notification_id="n-1"
    )
    with (
        SmtpSink(refuse=lambda address: True, refusal=refusal) as server,
        pytest.raises(UndeliverableError),
    ):
        SmtpNotifier("127.0.0.1", server.port, sender=SENDER, timeout=10).send(message)
