"""The dossier (dossier): everything stored about one youth, and the pure rules on it.

A store keeps each youth's data as one :class:`Dossier`, loaded and saved as a unit under a
lock on the youth's pseudonym (decision 1): the general data (without the BSN), the links,
the current match, who must be and was informed. The functions here read a dossier and
never a store or a clock.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.model import Address, Gender
>>> subject = SubjectRecord(
...     key="k1", key_id="2026-1", name="Test Jeugdige", gender=Gender.UNKNOWN,
...     birth_date=date(2012, 5, 1), log_secret="00" * 32,
...     address=Address(street="Markt", house_number="1", postcode="6211 CK",
...                     city="Maastricht", municipality_code="0935"))
>>> dossier = finish(Dossier(subject=subject), Rules())
>>> dossier.sweep_due                         # the 23rd birthday, with no link yet
datetime.date(2035, 5, 1)
>>> latest_moment(dossier) is None
True
>>> find_link(dossier, "no-such-link")
Traceback (most recent call last):
    ...
verwijsindex.errors.NotFoundError: no link with that id
"""

from __future__ import annotations

import enum
import inspect
import re
from datetime import date, datetime
from typing import Any, Final

import attrs

from verwijsindex.clock import add_years, local_date
from verwijsindex.errors import InvalidRecordError, NotFoundError
from verwijsindex.logbook import DIGEST_ZERO
from verwijsindex.matching import Rules, archive_purge_date, deletion_date
from verwijsindex.model import Address, Gender, Link, LinkStatus, Match, Recipient

_DEFAULT_RULES: Final = Rules()
_NOBODY: Final[frozenset[Recipient]] = frozenset()

__all__ = [
    "Dossier",
    "IndexTerms",
    "InformationDuty",
    "InformationRecord",
    "MatchOfYouth",
    "SubjectRecord",
    "Withheld",
    "duty_of",
    "find_link",
    "finish",
    "follow_up_day",
    "index_terms",
    "informed_by_link",
    "is_current",
    "latest_moment",
    "replace",
]


_HEX_64: Final = re.compile(r"[0-9a-f]{64}")
"""64 lower-case hex digits (one match, not a test per character)."""


def _hex_secret(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not (isinstance(value, str) and len(value) == 64 and _HEX_64.fullmatch(value)):
        raise InvalidRecordError(f"{attribute.name} must be 64 lower-case hex digits")


@attrs.frozen
class SubjectRecord:
    """What is stored about a youth: the general data and keys, never the BSN.

    ``key`` is the storage pseudonym (HMAC of the BSN, or of the service number of a
    youth without one), ``key_id`` names the key that made it, ``parent_keys`` are the
    parents' pseudonyms, ``log_secret`` is the per-youth secret from which logbook tokens
    derive (destroyed on erasure). ``former_secrets`` are the secrets of dossiers merged
    into this one (a service number's, when the youth got a BSN): the entries made under
    them are this youth's too. ``address_key`` is the pseudonym of the youth's dwelling,
    made only while address matches are on (and never for an excluded address); an index
    with them off keeps the one the youth has while the youth stays at that dwelling
    (decision 123).
    """

    key: str
    key_id: str
    name: str
    gender: Gender
    birth_date: date
    address: Address
    log_secret: str = attrs.field(validator=_hex_secret, repr=False)
    parent_keys: tuple[str, ...] = ()
    died_on: date | None = None
    address_key: str | None = None
    former_secrets: tuple[str, ...] = attrs.field(default=(), repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every log secret of the youth: their own first, then those merged in."""
        return (self.log_secret, *self.former_secrets)


@attrs.frozen
class InformationDuty:
    """Who must be informed of a link, and by when (JW 7.1.5.1, AVG 14(3))."""

    link_id: str
    recipients: frozenset[Recipient]
    inform_by: date


@attrs.frozen
class InformationRecord:
    """Who was informed of a link, when, recorded by whom."""

    link_id: str
    recipients: frozenset[Recipient]
    informed_at: datetime
    recorded_by: str


@attrs.frozen
class Dossier:
    """Everything stored about one youth, saved and loaded as a unit under a lock.

    ``sweep_due`` is the first day a sweep has work on this dossier; ``information_due``
    the first day an information duty becomes overdue; ``follow_up_due`` the day the
    current match, while uncoordinated, passes the follow-up period (JW 7.1.3.2). The
    index computes all three.

    ``changed_at`` is the latest moment stamped on the dossier: every change is stamped
    no earlier, whatever the clock of the host making it says. ``logged`` counts the
    logbook entries that refer to the youth, ``log_digest`` is the digest of their ids, and
    ``log_seal`` seals both under the application's key, so that references cannot be
    removed, swapped or repeated unseen (decision 33).

    ``silent`` holds the ids of the links a migration imported without telling anyone
    (``bulk_register(notify=False)``): a match of those alone was told by the old index;
    one with any other link is told as always (decision 93).
    """

    subject: SubjectRecord
    links: tuple[Link, ...] = ()
    match: Match | None = None
    hinted: frozenset[str] = frozenset()
    duties: tuple[InformationDuty, ...] = ()
    informed: tuple[InformationRecord, ...] = ()
    sweep_due: date | None = None
    information_due: date | None = None
    follow_up_due: date | None = None
    changed_at: datetime | None = None
    logged: int = 0
    log_digest: str = DIGEST_ZERO
    log_seal: str | None = None
    silent: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return self.subject.key


@attrs.frozen
class MatchOfYouth:
    """A dossier's match with the youth's birth date and day of death: what a look-up of
    a professional's matches reads, to leave out a youth whose links must all go (23 or
    deceased) before the sweep has deleted them."""

    match: Match
    birth_date: date
    died_on: date | None = None


@attrs.frozen
class Withheld:
    """The youths whose pending notifications a read of the outbox leaves out: those born
    on or before ``born_by`` (they have reached the age limit) and those with a day of
    death. All their links must go (JW 7.1.4.5(2)); the sweep deletes their dossiers with
    their notifications, and until it has, no one is told of them (decision 106)."""

    born_by: date

    @classmethod
    def on(cls, today: date, rules: Rules) -> Withheld:
        """The youths withheld on *today*: from their birthday at ``rules.age_limit`` (one
        born on 29 February turns a year older on 1 March), as
        :func:`~verwijsindex.matching.is_due_for_deletion` has it."""
        return cls(born_by=add_years(today, -rules.age_limit))

    def holds(self, birth_date: date, died_on: date | None) -> bool:
        """Whether a youth born on *birth_date* (deceased on *died_on*) is withheld."""
        return died_on is not None or birth_date <= self.born_by


@attrs.frozen
class IndexTerms:
    """The look-up terms a store keeps for a dossier; derive them with :func:`index_terms`."""

    link_ids: tuple[str, ...]
    match_ids: tuple[str, ...]
    professional_ids: tuple[str, ...]
    parent_keys: tuple[str, ...]
    address_keys: tuple[str, ...] = ()


def index_terms(dossier: Dossier) -> IndexTerms:
    """The look-up terms of *dossier*, the same for every store."""
    return IndexTerms(
        link_ids=tuple(link.id for link in dossier.links),
        match_ids=(dossier.match.id,) if dossier.match is not None else (),
        professional_ids=tuple(sorted({link.professional for link in dossier.links})),
        parent_keys=tuple(sorted(set(dossier.subject.parent_keys))),
        address_keys=(address,) if (address := dossier.subject.address_key) else (),
    )


def latest_moment(dossier: Dossier) -> datetime | None:
    """The latest moment stored in *dossier*: its ``changed_at``, or for a dossier written
    before that was kept, the latest link or match time in it."""
    if dossier.changed_at is not None:
        return dossier.changed_at
    moments = [lk.created_at for lk in dossier.links]
    if dossier.match is not None:
        moments.append(dossier.match.updated_at)
    return max(moments) if moments else None


def follow_up_day(dossier: Dossier, rules: Rules = _DEFAULT_RULES) -> date | None:
    """The day the dossier's match, while uncoordinated, passes the follow-up period."""
    match = dossier.match
    if match is None or match.coordinated:
        return None
    return local_date(match.created_at) + rules.follow_up_after


class _Keep(enum.Enum):
    KEEP = enum.auto()


_KEEP: Final = _Keep.KEEP


def replace(
    dossier: Dossier,
    *,
    subject: SubjectRecord | _Keep = _KEEP,
    links: tuple[Link, ...] | _Keep = _KEEP,
    match: Match | _Keep | None = _KEEP,
    hinted: frozenset[str] | _Keep = _KEEP,
    duties: tuple[InformationDuty, ...] | _Keep = _KEEP,
    informed: tuple[InformationRecord, ...] | _Keep = _KEEP,
    sweep_due: date | _Keep | None = _KEEP,
    information_due: date | _Keep | None = _KEEP,
    follow_up_due: date | _Keep | None = _KEEP,
    changed_at: datetime | _Keep | None = _KEEP,
    logged: int | _Keep = _KEEP,
    log_digest: str | _Keep = _KEEP,
    log_seal: str | _Keep | None = _KEEP,
    silent: frozenset[str] | _Keep = _KEEP,
) -> Dossier:
    """``attrs.evolve(dossier, ...)`` spelled out: the same new :class:`Dossier`, in less
    than half the time of the generic loop over its fields (a registration makes
    several). The keywords are the fields in their order (checked below), so each value
    is passed by position."""
    d = dossier
    return Dossier(
        d.subject if subject is _KEEP else subject,
        d.links if links is _KEEP else links,
        d.match if match is _KEEP else match,
        d.hinted if hinted is _KEEP else hinted,
        d.duties if duties is _KEEP else duties,
        d.informed if informed is _KEEP else informed,
        d.sweep_due if sweep_due is _KEEP else sweep_due,
        d.information_due if information_due is _KEEP else information_due,
        d.follow_up_due if follow_up_due is _KEEP else follow_up_due,
        d.changed_at if changed_at is _KEEP else changed_at,
        d.logged if logged is _KEEP else logged,
        d.log_digest if log_digest is _KEEP else log_digest,
        d.log_seal if log_seal is _KEEP else log_seal,
        d.silent if silent is _KEEP else silent,
    )


if tuple(inspect.signature(replace).parameters)[1:] != tuple(f.name for f in attrs.fields(Dossier)):
    raise RuntimeError("dossier.replace must take every field of Dossier")  # pragma: no cover


def finish(dossier: Dossier, rules: Rules, **changes: Any) -> Dossier:
    """*dossier* with the days on which a sweep or an information check has work, and with
    *changes* to fields the days do not depend on (the log count and seal, ``changed_at``),
    made in the same step."""
    days: list[date] = [deletion_date(dossier.subject.birth_date, rules)]
    if dossier.subject.died_on is not None:
        days.append(dossier.subject.died_on)
    active: set[str] = set()  # the active links' ids, found in the same loop
    for link in dossier.links:
        if link.status is LinkStatus.ACTIVE:
            days.append(link.ends_on)
            active.add(link.id)
        elif link.archived_on is not None:
            days.append(archive_purge_date(link.archived_on, rules))
    informed = informed_by_link(dossier)
    pending = [
        duty.inform_by
        for duty in dossier.duties
        if duty.link_id in active and not duty.recipients <= informed.get(duty.link_id, _NOBODY)
    ]
    follow_up_due = follow_up_day(dossier, rules)
    if follow_up_due is not None and dossier.match is not None and not dossier.match.reminded:
        days.append(follow_up_due)
    sweep_due = min(days)
    information_due = min(pending) if pending else None
    if dossier.silent:  # a link gone goes from the quiet ones too: no trace of it stays
        kept = dossier.silent.intersection(lk.id for lk in dossier.links)
        if kept != dossier.silent:
            changes["silent"] = kept
    if (dossier.sweep_due, dossier.information_due, dossier.follow_up_due) != (
        sweep_due,
        information_due,
        follow_up_due,
    ):
        changes.update(
            sweep_due=sweep_due, information_due=information_due, follow_up_due=follow_up_due
        )
    return replace(dossier, **changes) if changes else dossier


def find_link(dossier: Dossier | None, link_id: str) -> tuple[Dossier, Link]:
    """The dossier and its link *link_id*, or :class:`NotFoundError`."""
    if dossier is not None:
        for link in dossier.links:
            if link.id == link_id:
                return dossier, link
    raise NotFoundError(kind="link", id=link_id)


def is_current(link: Link, now: datetime) -> bool:
    return link.status is LinkStatus.ACTIVE and local_date(now) < link.ends_on


def informed_by_link(dossier: Dossier) -> dict[str, set[Recipient]]:
    informed: dict[str, set[Recipient]] = {}
    for record in dossier.informed:
        informed.setdefault(record.link_id, set()).update(record.recipients)
    return informed


def duty_of(dossier: Dossier, link_id: str, default: frozenset[Recipient]) -> frozenset[Recipient]:
    for duty in dossier.duties:
        if duty.link_id == link_id:
            return duty.recipients
    return default
