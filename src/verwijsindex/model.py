"""The values of the verwijsindex (gegevensmodel): frozen, typed, validated at construction.

A :class:`Bsn` (burgerservicenummer) is checked with the elfproef of ``stdnum.nl.bsn``
and never shows its digits in a ``repr`` or ``str``:

>>> bsn = parse_bsn("1112.22.333")
>>> bsn
Bsn('******333')
>>> bsn.value
'111222333'
>>> format_bsn(bsn)
'1112.22.333'
>>> parse_bsn("10000008")          # eight digits are zero-padded
Bsn('******008')
>>> parse_bsn("1112.52.333")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidBsnError: not a valid BSN: the check digit (elfproef) does not match
>>> is_valid_bsn(None), is_valid_bsn("000000000"), is_valid_bsn("111222333")
(False, False, True)

The models hold what JW 7.1.4.3 allows and nothing else: there is no field for a reason,
risk, diagnosis or note.

>>> from datetime import date
>>> Address(street="Markt", house_number="1", postcode="6211 CK", city="Maastricht",
...         municipality_code="935").municipality_code
'0935'
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

import attrs
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.nl import bsn as _stdnum_bsn
from stdnum.nl import postcode as _stdnum_postcode
from stdnum.util import clean

from verwijsindex import _validators as v
from verwijsindex import cbs_code
from verwijsindex.errors import InvalidBsnError, InvalidRecordError
from verwijsindex.service_number import ServiceNumber, fold_surname, service_number

__all__ = [
    "FREE_TEXT_WORDS",
    "Address",
    "Bsn",
    "Contact",
    "Gender",
    "Link",
    "LinkStatus",
    "LogAction",
    "LogEntry",
    "Match",
    "MatchKind",
    "Notification",
    "NotificationKind",
    "Organisation",
    "Professional",
    "Recipient",
    "Subject",
    "WithdrawalReason",
    "check_no_bsn",
    "check_not_the_youths",
    "format_bsn",
    "is_valid_bsn",
    "looks_like_free_text",
    "parse_bsn",
]


# --- BSN ---------------------------------------------------------------------------------


def _check_canonical_bsn(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not (isinstance(value, str) and len(value) == 9 and value.isascii() and value.isdigit()):
        raise InvalidBsnError(problem="a Bsn holds exactly nine ASCII digits; use parse_bsn")
    _check_canonical(value)


_CHECKED: set[str] = set()
"""Canonical numbers that passed the elfproef, so that a youth's number is not checked
again each time their :class:`Subject` is (re)validated; emptied when it grows large."""


def _check_canonical(value: str) -> None:
    if value not in _CHECKED:
        parse_bsn(value)  # raises for a number that fails; records one that passes


def _remember(value: str) -> None:
    if len(_CHECKED) >= 65_536:
        _CHECKED.clear()
    _CHECKED.add(value)


@attrs.frozen(repr=False, order=False)
class Bsn:
    """A burgerservicenummer, canonical as nine digits. Build it with :func:`parse_bsn`."""

    value: str = attrs.field(validator=_check_canonical_bsn)

    def __repr__(self) -> str:
        return f"Bsn('******{self.value[-3:]}')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:  # pickles by value, as the class itself
        return (Bsn, (self.value,))


_ASCII_DIGITS: Final = frozenset("0123456789")


@functools.lru_cache(maxsize=64)
def _separator(character: str) -> str | None:
    """The separator stdnum reads *character* as (a space, dash or dot, also written as
    a no-break space, an en dash, a middle dot, …), or ``None`` if it is none of them."""
    mapped = clean(character, "")
    return mapped if mapped in (" ", "-", ".") else None


def parse_bsn(text: object) -> Bsn:
    """Parse *text* into a :class:`Bsn`, or raise :class:`InvalidBsnError`.

    Accepts nine ASCII digits, or eight (zero-padded), with the separators stdnum accepts
    (spaces, dots, dashes). Fewer than eight digits, ``000000000``, any non-string and any
    other digit script (fullwidth, mathematical, Arabic-Indic, …) are refused, even where
    stdnum alone would pad or fold them.
    """
    if isinstance(text, Bsn):
        return text
    if not isinstance(text, str):
        raise InvalidBsnError(problem=f"expected a string, not {type(text).__name__}")
    given = ""
    for character in text.strip():
        if character in _ASCII_DIGITS:
            given += character
            if len(given) > 9:  # said now: a megabyte of digits is not read to its end
                raise InvalidBsnError(problem="more than nine digits")
        elif _separator(character) is None:
            # Only ASCII digits: stdnum would fold fullwidth or mathematical digits into
            # ASCII ones, so that a confusable could pass for a youth's number.
            raise InvalidBsnError(problem="contains characters that are not ASCII digits")
    if len(given) < 8:
        raise InvalidBsnError(problem="fewer than eight digits")
    try:
        value: str = _stdnum_bsn.validate(given.zfill(9))
    except InvalidChecksum:
        raise InvalidBsnError(problem="the check digit (elfproef) does not match") from None
    except ValidationError:
        raise InvalidBsnError(problem="000000000 is not a BSN") from None
    return _make_bsn(value)


def _make_bsn(value: str) -> Bsn:
    _remember(value)
    bsn = object.__new__(Bsn)
    object.__setattr__(bsn, "value", value)
    return bsn


def is_valid_bsn(value: object) -> bool:
    """Whether *value* parses as a BSN. Never raises, whatever *value* is."""
    try:
        parse_bsn(value)
    except Exception:
        return False
    return True


def format_bsn(bsn: Bsn | str) -> str:
    """The usual presentation, ``1112.22.333``. Only call this where showing it is lawful."""
    value = parse_bsn(bsn).value
    return f"{value[:4]}.{value[4:6]}.{value[6:]}"


# --- what may never be stored ---------------------------------------------------------------

FREE_TEXT_WORDS = frozenset(
    {
        "comment",
        "concern",
        "description",
        "diagnos",
        "explanation",
        "freetext",
        "leefgebied",
        "lifedomain",
        "memo",
        "motivatie",
        "motivation",
        "note",
        "notitie",
        "omschrijving",
        "opmerking",
        "probleem",
        "problem",
        "reason",
        "reden",
        "remark",
        "risico",
        "risk",
        "signaalreden",
        "signalreason",
        "toelichting",
        "uitleg",
        "vrijetekst",
        "waarom",
        "why",
        "zorg",
    }
)
"""Words that mark a field as recording *why* (a reason, risk, note or other free text),
lower-case letters only. A field name matches when its letters contain one of them."""


def looks_like_free_text(name: str) -> bool:
    """Whether a field called *name* would record a reason, risk, note or other free text.

    >>> [looks_like_free_text(name) for name in ("Reden", "risk_level", "ends_on")]
    [True, True, False]
    """
    letters = "".join(ch for ch in name.casefold() if ch.isalpha())
    return any(word in letters for word in FREE_TEXT_WORDS)


# --- field validators ----------------------------------------------------------------------

_EMAIL = v.EMAIL
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,19}$")


def _municipality_code(value: object) -> object:
    return v.municipality_code(value)


_PERSON_ID = v.pattern(v.IDENT, "an identifier of letters and digits")


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return v.as_tuple(value)  # type: ignore[no-any-return]


def _bsns(value: Iterable[Bsn]) -> tuple[Bsn, ...]:
    return v.as_tuple(value)  # type: ignore[no-any-return]


def _contacts(value: Iterable[Contact]) -> tuple[Contact, ...]:
    return v.as_tuple(value)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1 << 16)
def _canonical_postcode(text: str) -> str | None:
    """``1234 AB`` for any spelling stdnum accepts, else ``None``. Cached: the country has
    about 460 thousand postcodes, and every dossier read from a store checks one."""
    try:
        return str(_stdnum_postcode.validate(text))
    except ValidationError:
        return None


def _postcode(value: object) -> object:
    """Canonicalise a Dutch postcode to ``1234 AB``; leave anything stdnum refuses as it is,
    for the validator to reject."""
    if isinstance(value, str):
        return _canonical_postcode(value) or value
    return value


def _check_postcode(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or _canonical_postcode(value) != value:
        raise InvalidRecordError(f"{attribute.name} must be a Dutch postcode")


# --- enumerations -----------------------------------------------------------------------------


class Gender(enum.Enum):
    """Geslacht as the population register (BRP) records it."""

    MALE = "M"
    FEMALE = "V"
    UNKNOWN = "O"


class Recipient(enum.Enum):
    """Who must be informed that a link was made (JW 7.1.5.1)."""

    YOUTH = "youth"
    LEGAL_REPRESENTATIVE = "legal-representative"


class LinkStatus(enum.Enum):
    """Whether a link can match (ACTIVE) or is kept for five years only (ARCHIVED)."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class WithdrawalReason(enum.Enum):
    """The two statutory grounds to withdraw a link (JW 7.1.4.5(1)); never free text."""

    RISK_RESOLVED = "risk-resolved"
    """(b) the risk is no longer present: the link is archived for five years."""
    UNJUSTIFIED = "unjustified"
    """(a) the link should not have been made: it is deleted without archiving."""


class MatchKind(enum.Enum):
    """A match on one youth, or a family match across youths with a shared parent."""

    SUBJECT = "subject"
    FAMILY = "family"


class NotificationKind(enum.Enum):
    """What an outbox message is about."""

    MATCH = "match"
    FAMILY_MATCH = "family-match"
    ADDRESS_MATCH = "address-match"
    FOLLOW_UP = "follow-up"
    FOLLOW_UP_REMINDER = "follow-up-reminder"
    COORDINATOR = "coordinator"
    MOVE = "move"


class LogAction(enum.Enum):
    """What a logbook entry records (JW 7.1.2.3(1)(f))."""

    REGISTERED = "registered"
    WITHDRAWN = "withdrawn"
    SIGNALLED = "signalled"
    HISTORY_LOOKUP = "history-lookup"
    READ = "read"
    INFORMED = "informed"
    LEAD_SET = "lead-set"
    COORDINATED = "coordinated"
    EXPIRED = "expired"
    PURGED = "purged"
    DELETED = "deleted"
    SWEEP = "sweep"
    DENIED = "denied"
    RECTIFIED = "rectified"
    ERASED = "erased"
    MOVED = "moved"
    REKEYED = "rekeyed"
    MERGED = "merged"
    MATCHED = "matched"


# --- people and organisations -------------------------------------------------------------------


@attrs.frozen
class Address:
    """An address in the Netherlands, with the CBS code of its municipality."""

    street: str = attrs.field(validator=v.text(120))
    house_number: str = attrs.field(validator=v.text(16))
    postcode: str = attrs.field(converter=_postcode, validator=_check_postcode)
    city: str = attrs.field(validator=v.text(80))
    municipality_code: str = attrs.field(
        converter=_municipality_code,
        validator=v.municipality,
    )

    @property
    def dwelling(self) -> str:
        """The dwelling as the address match compares it (JW 7.1.2.3(1)(e)): postcode,
        house number and addition, without spaces, dashes or case ("6211CK|12a")."""
        number = "".join(c for c in self.house_number.casefold() if c.isalnum())
        return f"{self.postcode.replace(' ', '')}|{number}"


def _surname(instance: Subject, _: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        if instance.bsn is None:
            raise InvalidRecordError(
                "surname is needed for a youth without a BSN (the service number derives from it)"
            )
        return
    if not isinstance(value, str):
        raise InvalidRecordError("surname must be a string")
    fold_surname(value)  # refuses what cannot be a surname


_A_NUMBER = re.compile(r"\d(?:\W*\d){7,}")
"""Eight digits or more, with anything but letters between them (spaces, dots, dashes of
any kind, a middle dot): a BSN however it is spelled."""


def _no_number(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """A name holds no number a BSN could be (a column shifted in a form or a file would
    store it readable, decision 109)."""
    if _A_NUMBER.search(value):
        raise InvalidRecordError(
            f"{attribute.name} may not hold a number of eight or more digits (a BSN goes in bsn)"
        )


_DIGIT_RUN = re.compile(r"\d+(?:\W{1,3}\d+)*")
"""Groups of digits with at most three characters that are no letter, digit or ``_``
between them: ``1112 22 333``, ``2322–62–536``, ``232·262·536``."""
_DIGITS = re.compile(r"\d+")


def _ascii_digits(digits: str) -> str:
    """*digits* (``\\d`` in any script: fullwidth, Arabic-Indic) as ASCII digits, which the
    elfproef takes."""
    return digits if digits.isascii() else "".join(str(int(d)) for d in digits)


def _refuse_bsn(text: object, field: str) -> None:
    """*text*, the value of *field*, holds no BSN (decisions 113, 114): nine digits in a
    row, any separators between them, that pass the elfproef. A street such as ``Laan
    1940-1945``, a KvK number (eight digits) or a BIG number (eleven) is no BSN."""
    if not isinstance(text, str):
        return
    for run in _DIGIT_RUN.finditer(text):
        groups = _DIGITS.findall(run.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) >= 9:
                    break
            if len(digits) == 9 and is_valid_bsn(_ascii_digits(digits)):
                raise InvalidRecordError(f"{field} may not hold a BSN (a BSN goes in bsn)")


def _address_without_number(_: object, attribute: attrs.Attribute[Any], value: Address) -> None:
    """The street, house number and city of a youth's address hold no BSN (decision 113).
    Checked on the youth's data as it comes in, not on the ``Address`` itself: a stored
    address is read back through it, and stays readable."""
    for field in ("street", "house_number", "city"):
        _refuse_bsn(getattr(value, field), f"{attribute.name}.{field}")


def _twin(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise InvalidRecordError("twin must be None or a whole number from 1 to 9")
    if value is not None and not 1 <= value <= 9:
        raise InvalidRecordError("twin must be None or a whole number from 1 to 9")


@attrs.frozen
class Subject:
    """The youth (jeugdige): the general data of the client card, from the BRP.

    ``parents`` are the BSNs of the registered parents (for family matches); ``died_on``
    is set when the BRP reports a death.

    A youth without a BSN (``bsn=None``) is registered by ``surname``, birth date and
    gender: the index derives their *verwijsindexservicenummer* from them (BJW 7.3.1;
    :mod:`verwijsindex.service_number`) and uses it wherever a BSN would be used. Same-sex
    twins born on one day share it, unless a professional who knows of the twin gives the
    ordinal ``twin`` (1, 2, ...) that is part of the derivation.
    """

    bsn: Bsn | None = attrs.field(validator=v.optional(v.instance_of(Bsn)))
    name: str = attrs.field(validator=[v.text(200), _no_number])
    gender: Gender = attrs.field(validator=v.instance_of(Gender))
    birth_date: date = attrs.field(validator=v.day)
    address: Address = attrs.field(validator=[v.instance_of(Address), _address_without_number])
    parents: tuple[Bsn, ...] = attrs.field(default=(), converter=_bsns, validator=v.tuple_of(Bsn))
    died_on: date | None = attrs.field(default=None, validator=v.optional(v.day))
    surname: str | None = attrs.field(default=None, validator=_surname)
    twin: int | None = attrs.field(default=None, validator=_twin)

    @property
    def number(self) -> Bsn | ServiceNumber:
        """The number that names the youth in the index: the BSN, or without one the
        service number of the surname, birth date, gender and twin ordinal."""
        if self.bsn is not None:
            return self.bsn
        assert self.surname is not None  # noqa: S101 - the validator sees to it
        return service_number(self.surname, self.birth_date, self.gender, self.twin)


@attrs.frozen
class Organisation:
    """An organisation (instantie) that signed the agreement of a municipality."""

    id: str = attrs.field(validator=_PERSON_ID)
    name: str = attrs.field(validator=v.text(200))
    municipality_code: str = attrs.field(
        converter=_municipality_code,
        validator=v.municipality,
    )
    email: str = attrs.field(validator=v.pattern(_EMAIL, "an e-mail address"))
    phone: str | None = attrs.field(
        default=None, validator=v.optional(v.pattern(_PHONE, "a phone number"))
    )


@attrs.frozen
class Professional:
    """A professional (meldingsbevoegde) authorised by their organisation to register."""

    id: str = attrs.field(validator=_PERSON_ID)
    name: str = attrs.field(validator=v.text(200))
    organisation: Organisation = attrs.field(validator=v.instance_of(Organisation))
    email: str = attrs.field(validator=v.pattern(_EMAIL, "an e-mail address"))
    phone: str | None = attrs.field(
        default=None, validator=v.optional(v.pattern(_PHONE, "a phone number"))
    )


def check_no_bsn(value: Professional | Organisation, *, stored: Organisation | None = None) -> None:
    """A professional's or an organisation's name holds no BSN (decision 114):
    ``InvalidRecordError`` naming the field. Checked where they come in (a registration,
    ``add_professional``, ``add_organisation``), not by their models: the directory is
    read back through them, and what was stored before stays readable.

    For a professional, their organisation's name is checked where it differs from
    *stored*, the organisation the directory holds (``None``: checked): a caller who
    copies the stored organisation into each professional would otherwise find every
    registration of it refused for what was stored before (decision 115)."""
    if isinstance(value, Professional):
        _refuse_bsn(value.name, "professional.name")
        if stored is None or value.organisation.name != stored.name:
            _refuse_bsn(value.organisation.name, "professional.organisation.name")
    else:
        _refuse_bsn(value.name, "organisation.name")


def check_not_the_youths(professional: Professional, subject: Subject) -> None:
    """The professional's id, phone and e-mail address, and their organisation's phone
    and e-mail address, hold neither the youth's BSN nor a parent's (decision 115): a
    form filled in the wrong order, or a shifted column, would store it readable.
    ``InvalidRecordError`` naming the field. Only these numbers are looked for: an id,
    a phone number may be nine digits that pass the elfproef (an RSIN, a staff number, a
    Dutch number written without its 0), and is refused only when it is one of them."""
    numbers = [b.value for b in (subject.bsn, *subject.parents) if b is not None]
    if not numbers:
        return
    organisation = professional.organisation
    for field, text in (
        ("professional.id", professional.id),
        ("professional.phone", professional.phone),
        ("professional.email", professional.email),
        ("professional.organisation.phone", organisation.phone),
        ("professional.organisation.email", organisation.email),
    ):
        if not isinstance(text, str):
            continue
        digits = _ascii_digits("".join(_DIGITS.findall(text)))
        if any(n in digits or (n[0] == "0" and n[1:] in digits) for n in numbers):
            raise InvalidRecordError(f"{field} may not hold the youth's or a parent's BSN")


@attrs.frozen
class Contact:
    """What a match notification may say about another professional (JW 7.1.4.3(2))."""

    professional_id: str = attrs.field(validator=v.identifier)
    name: str = attrs.field(validator=v.text(200))
    organisation: str = attrs.field(validator=v.text(200))
    email: str = attrs.field(validator=v.pattern(_EMAIL, "an e-mail address"))
    phone: str | None = attrs.field(
        default=None, validator=v.optional(v.pattern(_PHONE, "a phone number"))
    )

    @classmethod
    def of(cls, professional: Professional) -> Contact:
        return cls(
            professional_id=professional.id,
            name=professional.name,
            organisation=professional.organisation.name,
            email=professional.email,
            phone=professional.phone,
        )


# --- links, matches, notifications, log ----------------------------------------------------------


@attrs.frozen
class Link:
    """Professional *professional* is involved with the youth since *created_at* (koppeling).

    ``subject`` is the youth's storage pseudonym, never the BSN. ``withdrawal_reason`` is
    one of the two statutory grounds, never text.
    """

    id: str = attrs.field(validator=v.identifier)
    subject: str = attrs.field(validator=v.text(128))
    professional: str = attrs.field(validator=v.identifier)
    organisation: str = attrs.field(validator=v.identifier)
    created_at: datetime = attrs.field(validator=v.aware)
    ends_on: date = attrs.field(validator=v.day)
    status: LinkStatus = attrs.field(default=LinkStatus.ACTIVE, validator=v.instance_of(LinkStatus))
    archived_on: date | None = attrs.field(default=None, validator=v.optional(v.day))
    withdrawal_reason: WithdrawalReason | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(WithdrawalReason))
    )


@attrs.frozen
class Match:
    """Two or more active links on one youth (JW 7.1.2.3(1)(c)): the professionals meet."""

    id: str = attrs.field(validator=v.identifier)
    subject: str = attrs.field(validator=v.text(128))
    links: tuple[str, ...] = attrs.field(converter=_ids, validator=v.identifiers)
    professionals: tuple[str, ...] = attrs.field(converter=_ids, validator=v.identifiers)
    kind: MatchKind = attrs.field(validator=v.instance_of(MatchKind))
    created_at: datetime = attrs.field(validator=v.aware)
    updated_at: datetime = attrs.field(validator=v.aware)
    lead: str | None = attrs.field(default=None, validator=v.optional(v.identifier))
    coordinated: bool = attrs.field(default=False, validator=v.instance_of(bool))
    reminded: bool = attrs.field(default=False, validator=v.instance_of(bool))
    """Whether the follow-up checker was reminded that the match waits for coordination."""


@attrs.frozen
class Notification:
    """One outbox message. ``recipient`` is a professional id, a municipality code (the
    follow-up checker, or the new municipality on a move) or a region name (the
    coordinator). ``contacts`` are the *other* professionals; nothing about the youth is
    carried beyond the recipient's own link (``link_id``, on a move notice)."""

    id: str = attrs.field(validator=v.identifier)
    kind: NotificationKind = attrs.field(validator=v.instance_of(NotificationKind))
    recipient: str = attrs.field(validator=v.text(200))
    created_at: datetime = attrs.field(validator=v.aware)
    match_id: str | None = attrs.field(default=None, validator=v.optional(v.identifier))
    contacts: tuple[Contact, ...] = attrs.field(
        default=(), converter=_contacts, validator=v.tuple_of(Contact)
    )
    link_id: str | None = attrs.field(default=None, validator=v.optional(v.identifier))

    @property
    def to_a_region(self) -> bool:
        """Whether this is a follow-up or its reminder to a region's coordinator (its
        recipient a region's name, not a CBS code): the follow-up of a match on a youth
        living outside the index's regions (decision 110)."""
        return self.kind in _FOLLOW_UPS and not cbs_code.is_valid(self.recipient)

    @property
    def signal(self) -> str | None:
        """The id of the family or address signal this notification is one of (its
        ``match_id``), or ``None`` for any other kind. Stores index it, so that a signal's
        notices are found by its id when a youth it concerns leaves the index (decision 94)."""
        return self.match_id if self.kind in _HOUSEHOLD else None


_HOUSEHOLD: Final = frozenset({NotificationKind.FAMILY_MATCH, NotificationKind.ADDRESS_MATCH})
_FOLLOW_UPS: Final = frozenset({NotificationKind.FOLLOW_UP, NotificationKind.FOLLOW_UP_REMINDER})


@attrs.frozen
class LogEntry:
    """One entry of the hash-chained logbook. ``subject_ref`` names a youth only through a
    per-entry token derived from a per-youth secret (see :mod:`verwijsindex.logbook`)."""

    id: str = attrs.field(validator=v.identifier)
    lane: int = attrs.field(validator=v.between(0, 2**31 - 1))
    seq: int = attrs.field(validator=v.between(0, 2**63 - 1))
    at: datetime = attrs.field(validator=v.aware)
    actor: str = attrs.field(validator=v.text(200))
    action: LogAction = attrs.field(validator=v.instance_of(LogAction))
    subject_ref: str | None = attrs.field(default=None, validator=v.optional(v.instance_of(str)))
    link_id: str | None = attrs.field(default=None, validator=v.optional(v.instance_of(str)))
    match_id: str | None = attrs.field(default=None, validator=v.optional(v.instance_of(str)))
    count: int | None = attrs.field(default=None, validator=v.optional(v.count))
    prev_hash: str = attrs.field(default="", validator=v.instance_of(str))
    hash: str = attrs.field(default="", validator=v.instance_of(str))
