"""The SMTP notifier of :mod:`verwijsindex.delivery`: :class:`SmtpNotifier` sends each
message as an e-mail, with the notification id in a header of its own.
"""

from __future__ import annotations

import email.policy
import email.utils
import io
import logging
import re
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from typing_extensions import Buffer

import attrs

from verwijsindex import _validators as v
from verwijsindex.delivery._deliver import _check_seconds
from verwijsindex.delivery._messages import _EMAIL, Message
from verwijsindex.errors import ConfigurationError, UndeliverableError

log = logging.getLogger("verwijsindex.delivery")

_HOST = re.compile(r"[A-Za-z0-9._:\-\[\]]{1,253}")

NOTIFICATION_HEADER: Final = "X-Verwijsindex-Notification"
"""The header that carries :attr:`Notification.id <verwijsindex.model.Notification.id>`,
by which a receiver drops a message it already has."""


# --- SMTP ----------------------------------------------------------------------------------------

_POLICY: Final = email.policy.SMTP.clone(max_line_length=998, cte_type="7bit")
"""CRLF line ends; ASCII on the wire (non-ASCII text goes as encoded words and
quoted-printable, so no server needs 8BITMIME or SMTPUTF8); a header is folded only past
the 998 characters of RFC 5322, so that a subject with a match id stays on one line
(Python folds a long first word badly)."""


def _ascii_address(address: str) -> str:
    """*address* with an international domain in its ASCII form (``café`` as
    ``xn--caf-dma``), for a mail server without SMTPUTF8, when that form names the same
    domain: Python's IDNA 2003 codec maps ``ß`` to ``ss`` and drops a zero-width joiner,
    which would name another, registrable domain, so such an address stays as written
    (and cannot go to such a server)."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        ascii_form = domain.encode("idna")
        same = ascii_form.decode("idna").lower() == domain.lower()  # a name has no case
    except UnicodeError:
        return address
    return f"{local}@{ascii_form.decode('ascii')}" if same else address


_ENHANCED = re.compile(rb"\s*(\d)\.(\d{1,3})\.\d{1,3}(?=\s|$)")
"""An enhanced status code (RFC 3463) at the start of a reply: not an address after it."""
_POLICY_WORDS = (b"relay", b"rcpthosts", b"policy")
"""Words of a refusal for the server's own policy, in a reply without an enhanced code."""
_MAILBOX_WORDS = (b"unknown", b"no such", b"does not exist", b"not found", b"unavailable")
"""Words of a refusal of the mailbox itself, which outweigh the policy words ("User
unknown in relay recipient table")."""
_ADDRESS = re.compile(rb"<[^>]*>|\S+@\S+")


def _mailboxes_refused(refusals: dict[str, tuple[int, bytes]]) -> bool:
    """Whether the server refused every recipient for the recipient's own sake (no such
    mailbox, a full one: 5.1.x and 5.2.x, or 550, 551, 552, 553 without an enhanced code),
    not for its own policy (5.7.x: relaying denied) or for now (4xx): only then is the
    message undeliverable while others may go."""
    for code, text in refusals.values():
        if not 500 <= code < 600:
            return False
        enhanced = _ENHANCED.match(text)
        if enhanced is not None:  # the code says it, whatever words or addresses follow
            if enhanced.group(2) not in (b"1", b"2"):
                return False
            continue
        words = _ADDRESS.sub(b"", text.lower())  # an address may hold any word
        if any(word in words for word in _MAILBOX_WORDS):
            continue
        if code not in (550, 551, 552, 553) or any(word in words for word in _POLICY_WORDS):
            return False
    return bool(refusals)


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
    if _check_seconds(value, attribute.name, zero=False) > MAX_TIMEOUT:
        raise ConfigurationError(f"{attribute.name} must be at most {MAX_TIMEOUT} seconds")


MAX_TIMEOUT: Final = 3600
"""The longest wait for the mail server, in seconds (the socket's limit lies far above)."""


class _Deadline(io.RawIOBase):
    """The socket as :class:`_SMTP` reads it: each ``recv`` waits only for what is left of
    the deadline, so that a server that sends a reply a line (or a byte) at a time cannot
    stretch it beyond the timeout."""

    def __init__(self, smtp: _SMTP, sock: socket.socket) -> None:
        super().__init__()
        self.smtp, self.sock = smtp, sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.smtp.wait_at_most()
        return self.sock.recv_into(buffer)


class _SMTP(smtplib.SMTP):
    """``smtplib.SMTP`` with one deadline for the whole conversation: the socket's timeout
    bounds each read and write, and a server that trickles (a line a second, a byte a
    second: a tarpit) would hold the sender, and the claim it holds, without end
    (decision 97)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._deadline = time.monotonic() + timeout
        super().__init__(host, port, timeout=timeout)

    def wait_at_most(self) -> None:
        """Let the socket wait only for what is left of the deadline; raise
        ``TimeoutError`` (an ``OSError``) when nothing is."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the mail server took longer than the timeout")
        if self.sock is not None:
            self.sock.settimeout(left)

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:  # again after STARTTLS
            self.file = io.BufferedReader(_Deadline(self, self.sock))
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected:
            if time.monotonic() >= self._deadline:  # smtplib's name for our timeout
                raise TimeoutError("the mail server took longer than the timeout") from None
            raise

    def send(self, s: str | Buffer) -> None:
        self.wait_at_most()  # sendall's timeout bounds the whole write
        super().send(s)


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
    crosses the network in clear. *timeout* (seconds) bounds the whole conversation of one
    message, not each read: a server that answers a line at a time cannot stretch it. The
    notification id goes in the ``X-Verwijsindex-Notification`` header. A bad argument raises
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

    def email(self, message: Message, *, sender: str | None = None) -> EmailMessage:
        """*message* as the e-mail :meth:`send` sends (from *sender*, by default the
        notifier's)."""
        mail = EmailMessage(policy=_POLICY)
        mail["From"] = sender or self.sender
        mail["To"] = ", ".join(message.to)
        mail["Subject"] = message.subject
        mail["Date"] = email.utils.formatdate(usegmt=True)
        mail["Message-ID"] = email.utils.make_msgid(
            domain=(sender or self.sender).rpartition("@")[2]
        )
        mail["Auto-Submitted"] = "auto-generated"
        mail[NOTIFICATION_HEADER] = message.notification_id
        mail.set_content(message.body, charset="utf-8")
        return mail

    def send(self, message: Message) -> None:
        """Send *message*; raises ``smtplib.SMTPException`` or ``OSError`` when the server
        cannot be reached or refuses it, and :class:`~verwijsindex.errors.UndeliverableError`
        when it refuses every recipient for the recipient's sake (no such mailbox) or
        cannot take an address: one with non-ASCII before the ``@``, or a domain whose
        ASCII form would name another, needs a server with SMTPUTF8; other international
        domains go in their ASCII form to a server without it. When the server refuses
        only some recipients, the others have it: that is logged as a warning, and the
        message counts as sent. Once the server accepted the message, a failing goodbye
        (``QUIT``) no longer counts: the message is sent."""
        v.model_argument(message, Message, "message")
        smtp = _SMTP(self.host, self.port, self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
            smtp.ehlo_or_helo_if_needed()
            utf8 = smtp.has_extn("smtputf8")
            sender = self.sender if utf8 else _ascii_address(self.sender)
            if not sender.isascii():  # the notifier's own: every message would fail
                raise smtplib.SMTPNotSupportedError(
                    "the sender's address needs a mail server with SMTPUTF8"
                )
            to = list(message.to) if utf8 else [_ascii_address(a) for a in message.to]
            if not utf8 and not all(address.isascii() for address in to):
                raise UndeliverableError(
                    "an address of this message needs a mail server with SMTPUTF8"
                )
            mail = self.email(attrs.evolve(message, to=tuple(to)), sender=sender)
            try:
                refused = smtp.send_message(mail, from_addr=sender, to_addrs=to)
            except smtplib.SMTPRecipientsRefused as error:
                if _mailboxes_refused(error.recipients):
                    raise UndeliverableError(
                        "the mail server refused every recipient's mailbox"
                    ) from error
                raise
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError) as error:  # sent: the goodbye is a courtesy
                log.debug(
                    "notification %s: the server's goodbye failed (%s); it has the message",
                    message.notification_id,
                    type(error).__name__,
                )
        finally:
            smtp.close()
        if refused:
            log.warning(
                "notification %s: %d of %d recipients refused",
                message.notification_id,
                len(refused),
                len(message.to),
            )
