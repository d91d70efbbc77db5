"""Delivery of the outbox (bezorging): compose each notification as an e-mail and send it.

:func:`deliver` claims a batch of pending notifications (:meth:`VerwijsIndex.claim_notifications
<verwijsindex.index.VerwijsIndex.claim_notifications>`), composes each with :func:`compose`,
hands it to a :class:`Notifier` (:class:`SmtpNotifier`, or your own) with a few tries, and
acknowledges what was sent; it goes on until the outbox has nothing left to hand out.
Several senders, in threads or processes, may run it on one store at once: a claim never
gets a notification that another claim holds. What fails stays in the outbox and returns
when its lease ends, so a message may go out twice (a crash between sending and
acknowledging), never zero times; receivers drop repeats by the
``X-Verwijsindex-Notification`` header.

A message says only what the statute allows (JW 7.1.4.3(2)): the kind of signal, the match
id, the other professionals' identity and contact details, and on a move notice the
recipient's own link id. Nothing about the youth is looked up. The texts are the constants
below, in Dutch, for a municipality to read.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> teacher = make_professional(id="t1", organisation="Sint Jozefschool")
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> for p in (teacher, nurse):
...     index.add_organisation(p.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
>>> match = [index.register(youth, p).match for p in (teacher, nurse)][-1]
>>> sent = []
>>> class Outbox:                       # any object with send(message) is a Notifier
...     def send(self, message):
...         sent.append(message)
>>> deliver(index, Outbox())
DeliveryReport(sent=3, failed=0, set_aside=0, lapsed=0, unacknowledged=0)
>>> sorted(address for m in sent for address in m.to)
['maud.jacobs@maastricht.nl', 'n1@ggd-zuid-limburg.example', 't1@sint-jozefschool.example']
>>> to_teacher = next(m for m in sent if m.to == (teacher.email,))
>>> to_teacher.subject == f"Match in de verwijsindex ({match.id})"
True
>>> "Professional n1 (GGD Zuid-Limburg)" in to_teacher.body, "111222333" in to_teacher.body
(True, False)
>>> index.pending_notifications()
[]
"""

from __future__ import annotations

import email.policy
import email.utils
import logging
import math
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, Final, Protocol

import attrs

from verwijsindex import _validators as v
from verwijsindex.clock import Clock
from verwijsindex.errors import (
    ConfigurationError,
    InvalidRecordError,
    NotFoundError,
    ValidationError,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Contact, Notification, NotificationKind
from verwijsindex.outbox import Claim

__all__ = [
    "ADDRESS_MATCH_TEXT",
    "COORDINATOR_MOVE_TEXT",
    "COORDINATOR_TEXT",
    "FAMILY_MATCH_TEXT",
    "FOLLOW_UP_REMINDER_TEXT",
    "FOLLOW_UP_TEXT",
    "MATCH_TEXT",
    "MOVE_MUNICIPALITY_TEXT",
    "MOVE_TEXT",
    "NOTIFICATION_HEADER",
    "NO_CONTACTS",
    "SIGN_OFF",
    "DeliveryReport",
    "Message",
    "Notifier",
    "SmtpNotifier",
    "Text",
    "compose",
    "deliver",
]

log = logging.getLogger("verwijsindex.delivery")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HOST = re.compile(r"[A-Za-z0-9._:\-\[\]]{1,253}")

NOTIFICATION_HEADER: Final = "X-Verwijsindex-Notification"
"""The header that carries :attr:`Notification.id <verwijsindex.model.Notification.id>`,
by which a receiver drops a message it already has."""


# --- the texts -----------------------------------------------------------------------------------


@attrs.frozen
class Text:
    """The subject and body of one kind of message, as :meth:`str.format` templates.

    The placeholders: ``{name}`` (the receiving professional's own name), ``{match_id}``,
    ``{link_id}`` (the receiver's own link, on a move notice), ``{contacts}`` (the other
    professionals, one block each), ``{municipality}`` and ``{region}`` (the receiving
    municipality or region). There is no placeholder for anything about the youth.
    """

    subject: str
    body: str


MATCH_TEXT: Final = Text(
    subject="Match in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met een of meer andere professionals die bij\n"
        "dezelfde jongere betrokken zijn als u. Neem contact met hen op om de hulp af te\n"
        "stemmen en spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in a match (JW 7.1.2.3(1)(c))."""

FAMILY_MATCH_TEXT: Final = Text(
    subject="Gezinsmatch in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met professionals die betrokken zijn bij de\n"
        "jongere over wie u een melding deed of bij een andere jongere uit hetzelfde gezin\n"
        "(gezinsmatch). Neem contact met hen op om de hulp aan het gezin af te stemmen en\n"
        "spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in a family match (JW 7.1.2.3(1)(e))."""

ADDRESS_MATCH_TEXT: Final = Text(
    subject="Adresmatch in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met professionals die betrokken zijn bij de\n"
        "jongere over wie u een melding deed of bij een andere jongere die op hetzelfde\n"
        "adres woont (adresmatch). Neem contact met hen op om de hulp af te stemmen en\n"
        "spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in an address match (JW 7.1.2.3(1)(e); off by default)."""

FOLLOW_UP_TEXT: Final = Text(
    subject="Match om op te volgen ({match_id})",
    body=(
        "Beste collega,\n"
        "\n"
        "In de verwijsindex is voor de gemeente {municipality} een match ontstaan of\n"
        "uitgebreid. U volgt op of de betrokken professionals contact met elkaar hebben\n"
        "opgenomen (Jeugdwet, artikel 7.1.3.2). In de verwijsindex ziet u alleen of dat\n"
        "contact er is geweest.\n"
        "\n"
        "Matchnummer: {match_id}\n"
    ),
)
"""To the follow-up checker of the youth's municipality, when a match forms or grows."""

FOLLOW_UP_REMINDER_TEXT: Final = Text(
    subject="Herinnering: match nog niet afgestemd ({match_id})",
    body=(
        "Beste collega,\n"
        "\n"
        "Voor deze match in de gemeente {municipality} is de termijn voor opvolging\n"
        "verstreken. De betrokken professionals hebben nog niet vastgelegd dat zij de hulp\n"
        "hebben afgestemd. Wilt u nagaan of zij contact met elkaar hebben gehad?\n"
        "\n"
        "Matchnummer: {match_id}\n"
    ),
)
"""To the follow-up checker, once, when a match waits past the follow-up period."""

COORDINATOR_TEXT: Final = Text(
    subject="Match over de regiogrens ({match_id})",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "In de verwijsindex is een match ontstaan of uitgebreid tussen professionals uit\n"
        "verschillende regio's, onder wie professionals uit uw regio {region}.\n"
        "U ontvangt dit bericht als regievoerder voor matches over de regiogrens.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each region's coordinator when a match crosses region borders."""

COORDINATOR_MOVE_TEXT: Final = Text(
    subject="Verhuizing naar uw regio: actieve meldingen in de verwijsindex",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "Een jongere met actieve meldingen in de verwijsindex is verhuisd naar een gemeente\n"
        "in uw regio {region}.\n"
        "U ontvangt dit bericht als regievoerder. Dit zijn de professionals met een\n"
        "actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the new region's coordinator when a youth with active links moves into the region
(a coordinator notification without a match id)."""

MOVE_TEXT: Final = Text(
    subject="Verhuisbericht uit de verwijsindex (melding {link_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "De jongere van uw melding {link_id} is verhuisd.\n"
        "Uw melding blijft actief. Stem zo nodig met de andere betrokken professionals af\n"
        "hoe de hulp verdergaat.\n"
        "\n"
        "Meldingsnummer: {link_id}\n"
        "\n"
        "De andere professionals met een actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional with an active link when the youth moved (JW 7.1.2.3(1)(g))."""

MOVE_MUNICIPALITY_TEXT: Final = Text(
    subject="Verhuisbericht: jongere met actieve meldingen naar uw gemeente",
    body=(
        "Beste collega,\n"
        "\n"
        "Een jongere met actieve meldingen in de verwijsindex is verhuisd naar de gemeente\n"
        "{municipality}. Dit zijn de professionals met een actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the new municipality when a youth with active links moved in (JW 7.1.2.3(1)(g))."""

SIGN_OFF: Final = (
    "-- \n"
    "Dit bericht is automatisch verstuurd door de verwijsindex risicojongeren (Jeugdwet,\n"
    "hoofdstuk 7.1). Het bevat alleen wat de wet toestaat: de soort melding, het match- of\n"
    "meldingsnummer en de contactgegevens van de betrokken professionals. Gegevens over de\n"
    "jongere en de reden van een melding staan er nooit in.\n"
)
"""Closes every message."""

NO_CONTACTS: Final = "(geen)"
"""Stands for the contacts when a notification carries none."""


def _contact_block(contact: Contact) -> str:
    lines = [f"- {contact.name} ({contact.organisation})", f"  e-mail: {contact.email}"]
    if contact.phone is not None:
        lines.append(f"  telefoon: {contact.phone}")
    return "\n".join(lines)


def _contacts(contacts: tuple[Contact, ...]) -> str:
    return "\n".join(_contact_block(c) for c in contacts) if contacts else NO_CONTACTS


# --- composing -----------------------------------------------------------------------------------


@attrs.frozen
class Message:
    """One e-mail to send (bericht): to whom, the subject, the plain-text body, and the
    notification it delivers."""

    to: tuple[str, ...] = attrs.field(converter=v.as_tuple)
    subject: str = attrs.field(validator=v.text(300))
    body: str = attrs.field(validator=v.instance_of(str))
    notification_id: str = attrs.field(validator=v.identifier)

    @to.validator
    def _check_to(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if not value or not all(isinstance(a, str) and _EMAIL.fullmatch(a) for a in value):
            raise InvalidRecordError("to must hold one or more e-mail addresses")


_TO_PROFESSIONAL: Final[Mapping[NotificationKind, Text]] = {
    NotificationKind.MATCH: MATCH_TEXT,
    NotificationKind.FAMILY_MATCH: FAMILY_MATCH_TEXT,
    NotificationKind.ADDRESS_MATCH: ADDRESS_MATCH_TEXT,
}
_TO_MUNICIPALITY: Final[Mapping[NotificationKind, Text]] = {
    NotificationKind.FOLLOW_UP: FOLLOW_UP_TEXT,
    NotificationKind.FOLLOW_UP_REMINDER: FOLLOW_UP_REMINDER_TEXT,
}


def compose(notification: Notification, index: VerwijsIndex) -> Message:
    """The e-mail that delivers *notification*, addressed through *index*.

    - ``MATCH``, ``FAMILY_MATCH``, ``ADDRESS_MATCH`` and a ``MOVE`` with a ``link_id`` go
      to the professional named by ``recipient`` (:meth:`VerwijsIndex.professional`); an
      unknown professional raises :class:`~verwijsindex.errors.UnknownProfessionalError`
      (their organisation's address is not known either).
    - ``FOLLOW_UP``, ``FOLLOW_UP_REMINDER`` and a ``MOVE`` without a ``link_id`` (the
      recipient is a CBS municipality code) go to every contact of that municipality's
      region, the coordinator first.
    - ``COORDINATOR`` goes to the coordinator of the region named by ``recipient``; without
      a ``match_id`` it is the notice of a move into the region.

    A match kind without a ``match_id`` or a move to a professional without a ``link_id``
    raises :class:`~verwijsindex.errors.InvalidRecordError`; an unknown municipality or
    region :class:`~verwijsindex.errors.UnknownMunicipalityError`.
    """
    v.model_argument(notification, Notification, "notification")
    kind = notification.kind
    fields: dict[str, str] = {
        "name": "",
        "match_id": notification.match_id or "",
        "link_id": notification.link_id or "",
        "contacts": _contacts(notification.contacts),
        "municipality": "",
        "region": "",
    }
    to: tuple[str, ...]
    if kind in _TO_PROFESSIONAL or (kind is NotificationKind.MOVE and notification.link_id):
        text = MOVE_TEXT if kind is NotificationKind.MOVE else _TO_PROFESSIONAL[kind]
        professional = index.professional(notification.recipient)
        fields["name"] = professional.name
        to = (professional.email,)
    elif kind in _TO_MUNICIPALITY or kind is NotificationKind.MOVE:
        text = _TO_MUNICIPALITY.get(kind, MOVE_MUNICIPALITY_TEXT)
        municipality = index.regions.municipality(notification.recipient)
        region = index.regions.region_of_municipality(municipality.code)
        fields["municipality"] = municipality.name
        fields["region"] = region.name
        to = tuple(dict.fromkeys((region.coordinator, *region.contacts)))
    else:  # NotificationKind.COORDINATOR
        text = COORDINATOR_TEXT if notification.match_id else COORDINATOR_MOVE_TEXT
        region = index.regions.region_for(notification.recipient)
        fields["region"] = region.name
        to = (region.coordinator,)
    if "{match_id}" in text.body and not notification.match_id:
        raise InvalidRecordError(f"a {kind.value} notification needs a match_id")
    return Message(
        to=to,
        subject=text.subject.format_map(fields),
        body=text.body.format_map(fields) + "\n" + SIGN_OFF,
        notification_id=notification.id,
    )


# --- sending -------------------------------------------------------------------------------------


class Notifier(Protocol):
    """Anything that sends a :class:`Message` (verzender): :class:`SmtpNotifier`, a queue of
    your own, a list in a test. ``send`` returns when the message is accepted and raises
    when it is not; :func:`deliver` then tries again."""

    def send(self, message: Message) -> None: ...


@attrs.frozen
class DeliveryReport:
    """What one :func:`deliver` run did.

    ``sent``: notifications sent and acknowledged or, for ``unacknowledged`` of them, sent
    after their lease had ended (they go out again). ``failed``: notifications that could
    not be composed or failed every attempt; they stay in the outbox and return when the
    lease ends. ``set_aside``: stored notifications that did not parse, set aside by the
    store. ``lapsed``: claimed but not tried because the lease ended first; they return to
    the queue.
    """

    sent: int = 0
    failed: int = 0
    set_aside: int = 0
    lapsed: int = 0
    unacknowledged: int = 0


def _check_whole(value: object, name: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigurationError(f"{name} must be a whole number, {low} or more")
    return value


def _check_seconds(value: object, name: str, *, zero: bool) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        least = "0 or more" if zero else "above 0"
        raise ConfigurationError(f"{name} must be a finite number of seconds, {least}")
    return float(value)


def deliver(
    index: VerwijsIndex,
    notifier: Notifier,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=5),
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], object] = time.sleep,
    clock: Clock | None = None,
) -> DeliveryReport:
    """Send the outbox through *notifier* until nothing is left to claim (bezorgen).

    Claims up to *limit* notifications at a time under *lease*; composes each
    (:func:`compose`) and sends it with up to *attempts* tries, waiting *backoff*,
    ``2 * backoff``, ... seconds (through *sleep*) between them; acknowledges the claim's
    sent notifications. A notification that cannot be composed (an unknown professional)
    or fails every try is counted as failed and left in the outbox: it returns when its
    lease ends, to this run only if the lease ends while it goes on. The run stops when a
    claim hands out nothing, or when nothing of a claim was sent and acknowledged.

    *clock* (default: the index's) tells when the lease ends: once it has, the rest of the
    batch is left for another claim rather than sent twice. Logs the totals at INFO and
    each failure at WARNING under ``verwijsindex.delivery``, with notification ids and
    kinds only. A bad argument raises :class:`~verwijsindex.errors.ConfigurationError`
    before anything is claimed; an error of the store goes on to the caller.
    """
    if not callable(getattr(notifier, "send", None)):
        raise ConfigurationError("notifier must have a send(message) method")
    _check_whole(limit, "limit", 1)
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise ConfigurationError("lease must be a timedelta above zero")
    _check_whole(attempts, "attempts", 1)
    pause = _check_seconds(backoff, "backoff", zero=True)
    if not callable(sleep):
        raise ConfigurationError("sleep must be callable")
    if clock is not None and not callable(clock):
        raise ConfigurationError("clock must be callable")
    now = clock if clock is not None else index.clock
    report = DeliveryReport()
    while True:
        claim = index.claim_notifications(limit, lease=lease)
        batch = _deliver_claim(index, notifier, claim, now, attempts, pause, sleep)
        report = DeliveryReport(*(a + b for a, b in zip(attrs.astuple(report), batch, strict=True)))
        if not claim.notifications and claim.set_aside:
            continue  # a batch of rows that do not parse: there may be more behind it
        if batch[0] == batch[4]:  # nothing handed out, or nothing of it sent and acknowledged
            break
    log.info(
        "delivery: %d sent, %d failed, %d set aside, %d lapsed, %d sent after the lease",
        report.sent,
        report.failed,
        report.set_aside,
        report.lapsed,
        report.unacknowledged,
    )
    return report


def _deliver_claim(
    index: VerwijsIndex,
    notifier: Notifier,
    claim: Claim,
    now: Clock,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> tuple[int, int, int, int, int]:
    """Send one claim's notifications; (sent, failed, set aside, lapsed, unacknowledged)."""
    sent: list[Notification] = []
    failed = lapsed = 0
    for n, notification in enumerate(claim.notifications):
        if now() >= claim.until:
            lapsed = len(claim.notifications) - n
            log.warning("claim %s: the lease ended; %d notifications left unsent", claim.id, lapsed)
            break
        if _deliver_one(index, notifier, notification, attempts, backoff, sleep):
            sent.append(notification)
        else:
            failed += 1
    late = 0
    if sent:
        done = index.acknowledge(attrs.evolve(claim, notifications=tuple(sent)))
        late = len(sent) - done
        if late:
            log.warning(
                "claim %s: %d notifications sent after the lease ended; they go out again",
                claim.id,
                late,
            )
    return len(sent), failed, claim.set_aside, lapsed, late


def _deliver_one(
    index: VerwijsIndex,
    notifier: Notifier,
    notification: Notification,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> bool:
    kind = notification.kind.value
    try:
        message = compose(notification, index)
    except (NotFoundError, ValidationError) as error:  # no try will do better
        log.warning(
            "notification %s (%s) not sent: %s", notification.id, kind, type(error).__name__
        )
        return False
    failure = ""
    for attempt in range(1, attempts + 1):
        try:
            notifier.send(message)
        except Exception as error:  # a notifier of the application's may raise anything
            failure = type(error).__name__
            if attempt < attempts:
                log.info(
                    "notification %s (%s): attempt %d failed (%s); trying again",
                    notification.id,
                    kind,
                    attempt,
                    failure,
                )
                sleep(backoff * 2 ** (attempt - 1))
        else:
            log.debug("notification %s (%s) sent", notification.id, kind)
            return True
    log.warning(
        "notification %s (%s) not sent after %d attempts: %s",
        notification.id,
        kind,
        attempts,
        failure,
    )
    return False


# --- SMTP ----------------------------------------------------------------------------------------

_POLICY: Final = email.policy.SMTP.clone(max_line_length=998, cte_type="7bit")
"""CRLF line ends; ASCII on the wire (non-ASCII text goes as encoded words and
quoted-printable, so no server needs 8BITMIME or SMTPUTF8); a header is folded only past
the 998 characters of RFC 5322, so that a subject with a match id stays on one line
(Python folds a long first word badly)."""


def _host(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HOST.fullmatch(value):
        raise ConfigurationError(f"{attribute.name} must be a host name or IP address")


def _port(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise ConfigurationError(f"{attribute.name} must be a port number from 1 to 65535")


def _flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{attribute.name} must be True or False")


def _secret(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigurationError(f"{attribute.name} must be a non-empty string or None")


def _timeout(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check_seconds(value, attribute.name, zero=False)


def _tls_context(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, ssl.SSLContext):
        raise ConfigurationError(f"{attribute.name} must be an ssl.SSLContext or None")


@attrs.frozen
class SmtpNotifier:
    """Sends each :class:`Message` as a UTF-8 e-mail over SMTP (verzending per e-mail), one
    connection per message.

    *sender* is the ``From`` address. With *starttls* the connection is upgraded to TLS
    (with *tls_context*, by default one that verifies the server) before anything is
    sent; *username* and *password* log in, and need *starttls*, so that a password never
    crosses the network in clear. The notification id goes in the
    ``X-Verwijsindex-Notification`` header. A bad argument raises
    :class:`~verwijsindex.errors.ConfigurationError` naming it:

    >>> SmtpNotifier("mail.example.nl", 587, sender="verwijsindex@example.nl", starttls=True)
    SmtpNotifier(host='mail.example.nl', port=587, sender='verwijsindex@example.nl', ...)
    >>> SmtpNotifier("mail.example.nl", 70000, sender="verwijsindex@example.nl")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.ConfigurationError: port must be a port number from 1 to 65535
    >>> SmtpNotifier("localhost", sender="vi@example.nl", username="vi", password="s3cret")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.ConfigurationError: username and password need starttls=True
    """

    host: str = attrs.field(validator=_host)
    port: int = attrs.field(default=25, validator=_port)
    sender: str = attrs.field(
        kw_only=True, validator=v.pattern(_EMAIL, "an e-mail address", ConfigurationError)
    )
    starttls: bool = attrs.field(default=False, kw_only=True, validator=_flag)
    username: str | None = attrs.field(default=None, kw_only=True, validator=_secret)
    password: str | None = attrs.field(default=None, kw_only=True, validator=_secret, repr=False)
    timeout: float = attrs.field(default=30.0, kw_only=True, validator=_timeout)
    tls_context: ssl.SSLContext | None = attrs.field(
        default=None, kw_only=True, validator=_tls_context, repr=False
    )

    def __attrs_post_init__(self) -> None:
        if (self.username is None) != (self.password is None):
            raise ConfigurationError("username and password go together: give both or neither")
        if self.username is not None and not self.starttls:
            raise ConfigurationError("username and password need starttls=True")

    def email(self, message: Message) -> EmailMessage:
        """*message* as the e-mail :meth:`send` sends."""
        mail = EmailMessage(policy=_POLICY)
        mail["From"] = self.sender
        mail["To"] = ", ".join(message.to)
        mail["Subject"] = message.subject
        mail["Date"] = email.utils.formatdate(usegmt=True)
        mail["Message-ID"] = email.utils.make_msgid(domain=self.sender.rpartition("@")[2])
        mail["Auto-Submitted"] = "auto-generated"
        mail[NOTIFICATION_HEADER] = message.notification_id
        mail.set_content(message.body, charset="utf-8")
        return mail

    def send(self, message: Message) -> None:
        """Send *message*; raises ``smtplib.SMTPException`` or ``OSError`` when the server
        cannot be reached or refuses it. When it refuses only some recipients, the others
        have it: that is logged as a warning, and the message counts as sent."""
        v.model_argument(message, Message, "message")
        mail = self.email(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
            refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=list(message.to))
        if refused:
            log.warning(
                "notification %s: %d of %d recipients refused",
                message.notification_id,
                len(refused),
                len(message.to),
            )
