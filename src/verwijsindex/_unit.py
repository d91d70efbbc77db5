"""The unit of work (werkeenheid): what one transaction reads, changes, logs and notifies.

Operations read dossiers, organisations and professionals through the unit (each from the
store at most once: the unit owns read-your-own-writes), stamp their changes with a moment
read while the youth's lock is held, and hand back what they changed. The unit writes it
all when the transaction ends: the dossiers with their due days and the count of log
entries that refer to the youth, the outbox, and the chained logbook entries with a sealed
head.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date, datetime
from typing import Any, Final, cast

import attrs

from verwijsindex import logbook
from verwijsindex._copy import unchecked
from verwijsindex.clock import Clock, age_on, check_moment, local_date
from verwijsindex.dossier import Dossier, finish, latest_moment
from verwijsindex.errors import CorruptRecordError, InvalidRecordError, KeyMismatchError
from verwijsindex.matching import Rules
from verwijsindex.model import (
    Contact,
    Link,
    LogAction,
    LogEntry,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
)
from verwijsindex.policies import MAX_AGE
from verwijsindex.pseudonyms import (
    Keyring,
    entry_ref,
    entry_seals,
    forget_secrets,
    log_token,
    unseal_id,
)
from verwijsindex.statistics import age_band
from verwijsindex.storage import DirectoryReading, Transaction

__all__ = ["SYSTEM", "LockSiblings", "UnitOfWork", "actor", "new_id", "registered"]

SYSTEM = "system"
"""The actor of what the index does by itself: the sweep, re-keying."""

_PROFESSIONAL = "professional:"


def actor(professional_id: str) -> str:
    """How a professional appears in the logbook."""
    return _PROFESSIONAL + professional_id


class LockSiblings(Exception):
    """A unit must write about youths the transaction did not lock (a family signal logged
    about siblings, a signal's notices filed under them): the caller rolls back and tries
    again with their locks too."""

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__()
        self.keys = keys


@functools.cache
def _reads_directory(cls: type) -> bool:
    """Whether transactions of *cls* are :class:`DirectoryReading` (asked once per class:
    an ``isinstance`` against a protocol inspects the object each time, 5 µs)."""
    return issubclass(cls, DirectoryReading)


_notification = unchecked(Notification)
"""A :class:`Notification` made without its validators, for :meth:`UnitOfWork.signal`."""


def new_id() -> str:
    """A random id: 128 bits from the operating system, as 32 hex digits."""
    return os.urandom(16).hex()


_OF_A_MATCH: Final = frozenset(
    {
        NotificationKind.MATCH,
        NotificationKind.FOLLOW_UP,
        NotificationKind.FOLLOW_UP_REMINDER,
        NotificationKind.COORDINATOR,
    }
)
"""The notices that announce a match (a move notice names one only as it stood then)."""

_SIGNAL_PREFIXES: Final = ("family-", "address-")
"""How :func:`verwijsindex.signals._signal` begins a family and an address signal's id."""

_UNREADABLE: Final = "?"
"""Where a professional is in a signal through a youth whose record cannot be read: no
youth's key, so the signal counts one youth more and keeps them."""


def _unsealed(secret: str, entry_id: str, value: str) -> str | None:
    """The id *value* sealed in entry *entry_id* under *secret*; ``None`` when it does not
    open (a tampered entry)."""
    try:
        return unseal_id(secret, entry_id, value)
    except ValueError:
        return None


def _parents(dossier: Dossier) -> tuple[str, ...]:
    return dossier.subject.parent_keys


def _addresses(dossier: Dossier) -> tuple[str, ...]:
    key = dossier.subject.address_key
    return () if key is None else (key,)


def registered(tx: Transaction, dossier: Dossier) -> dict[str, datetime]:
    """When this index registered each link of the youth of *dossier*, by link id: the
    moment of its ``REGISTERED`` entry. For a link imported with the old index's
    ``created_at``, that is the import's moment: what this index told through a link comes
    after it. A read: no unit of work needed."""
    found: dict[str, datetime] = {}
    for entry, made_with in _opened(tx, dossier, LogAction.REGISTERED):
        if entry.link_id is not None:
            link_id = _unsealed(made_with, entry.id, entry.link_id)
            if link_id is not None:
                found.setdefault(link_id, entry.at)
    return found


def _opened(tx: Transaction, dossier: Dossier, action: LogAction) -> Iterator[tuple[LogEntry, str]]:
    """The log entries of *action* about the youth of *dossier*, each with the secret that
    made it (the youth's own, or that of a dossier merged in). An entry that names someone
    else is left out, and so is a log that cannot be read: tampering
    :func:`~verwijsindex.logbook.verify` reports, and it must not stop a deletion the
    statute orders."""
    subject = dossier.subject
    try:
        entries = tx.log_entries_for(log_token(subject.log_secret))
    except CorruptRecordError:
        return
    secrets = subject.secrets
    for entry in entries:
        if entry.action is not action:
            continue
        made_with = next((s for s in secrets if entry.subject_ref == entry_ref(s, entry.id)), None)
        if made_with is not None:
            yield entry, made_with


class UnitOfWork:
    """Collects what one transaction reads and changes, and writes it at the end.

    *clock* is read under the transaction's locks (:meth:`stamp`); *keyring* seals the
    logbook head and each youth's count of log references; *rules* give the due days.
    """

    def __init__(
        self,
        tx: Transaction,
        lane: int,
        *,
        clock: Clock,
        keyring: Keyring,
        rules: Rules,
        locks: Collection[str] = (),
    ) -> None:
        self.tx = tx
        self.lane = lane
        self.locks = locks
        """The keys the transaction holds locks on."""
        self.clock = clock
        self.keyring = keyring
        self.rules = rules
        self.dossiers: dict[str, Dossier | None] = {}
        self._terms: dict[str, set[str]] = {}  # parent and address keys -> unit's dossiers
        self.changed: dict[str, Dossier] = {}
        self.moments: dict[str, datetime] = {}
        self.drafts: list[tuple[logbook.Draft, str | None]] = []
        self.notes: list[tuple[str, Notification]] = []
        self.counts: list[tuple[date, str, str, str, int]] = []
        self.scrub = False
        """Whether the unit deleted or replaced personal data, so that the store's files
        should forget the old values once it commits (decision 35)."""
        self._signals_pending: bool | None = None  # whether any signal's notice is pending
        self.wanted: set[str] = set()
        """Keys the unit must also lock to write what it has to: the flush raises
        :class:`LockSiblings` for them before it writes anything."""
        self._organisations: dict[str, Organisation | None] = {}
        self._professionals: dict[str, Professional | None] = {}

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        """The youth's dossier as this unit has it (read from the store once)."""
        if key in self.dossiers:
            return self.dossiers[key]
        dossier = self.tx.load(key)
        self._hold(key, dossier)
        return dossier

    def keys_for_address(self, address_key: str) -> list[str]:
        """The youths registered at the address with pseudonym *address_key*, as this unit
        has them."""
        return self._as_held(self.tx.keys_for_address(address_key), address_key, _addresses)

    def keys_for_parent(self, parent_key: str) -> list[str]:
        """The youths with registered parent *parent_key*, as this unit has them."""
        return self._as_held(self.tx.keys_for_parent(parent_key), parent_key, _parents)

    def _as_held(
        self, stored: list[str], term: str, terms_of: Callable[[Dossier], tuple[str, ...]]
    ) -> list[str]:
        """The keys the store holds under *term*, as this unit's dossiers have them now: a
        dossier the unit changed counts as changed (only the stored keys and the unit's
        dossiers with the term are looked at, not every dossier of the unit)."""
        dossiers = self.dossiers
        keys = {k for k in stored if k not in dossiers}
        held = self._terms.get(term)
        if held:  # every dossier of the unit with the term is filed here by _hold, so a
            # stored key the unit holds counts only if it is among these (_has, inline)
            for k in held:
                dossier = dossiers.get(k)
                if dossier is not None and term in terms_of(dossier):
                    keys.add(k)
        return sorted(keys)

    def _hold(self, key: str, dossier: Dossier | None) -> None:
        """Keep *dossier* as the unit has it under *key*, and index its parent and address
        keys, so that a look-up does not read every dossier of the unit."""
        # the terms of _parents and _addresses, read without building a tuple of them
        terms = self._terms
        before = self.dossiers.get(key)
        if before is not None:
            was = before.subject
            for term in was.parent_keys:
                filed = terms.get(term)
                if filed is not None:
                    filed.discard(key)
            if was.address_key is not None and (filed := terms.get(was.address_key)):
                filed.discard(key)
        self.dossiers[key] = dossier
        if dossier is not None:
            subject = dossier.subject
            for term in subject.parent_keys:
                filed = terms.get(term)
                if filed is None:
                    terms[term] = {key}
                else:
                    filed.add(key)
            if subject.address_key is not None:
                filed = terms.get(subject.address_key)
                if filed is None:
                    terms[subject.address_key] = {key}
                else:
                    filed.add(key)

    def stamp(self, dossier: Dossier | None = None, at: datetime | None = None) -> datetime:
        """The moment of a change to *dossier*: the clock read now, under the lock (or *at*
        when the caller gives the moment), and never earlier than the latest moment
        already stored in the dossier, so a host whose clock lags cannot stamp a change
        before one it follows (decision 30)."""
        now = check_moment(self.clock(), "clock()") if at is None else at
        if dossier is not None:
            latest = latest_moment(dossier)
            if latest is not None and latest > now:
                now = latest
            key = dossier.subject.key
            before = self.moments.get(key)
            if before is None or now > before:
                self.moments[key] = now
        return now

    def save(self, dossier: Dossier, *, replaces: bool = False) -> None:
        """Keep *dossier* as changed; it is written when the unit is flushed. *replaces*
        says it replaces personal data (a link, a name, an address), which then goes from
        the store's files too."""
        key = dossier.subject.key
        self._hold(key, dossier)
        self.changed[key] = dossier
        self.scrub = self.scrub or replaces

    def delete(self, dossier: Dossier) -> None:
        """Delete everything about one youth: the dossier with its links, match and archive,
        their pending notifications, what the family and address signals they were part of
        still tell others of them (decision 94), and the references that tie log entries to
        them. Log entries about the youth in this unit get no reference either.

        When such a signal's notices are filed under youths the transaction did not lock,
        the flush raises :class:`LockSiblings` for them (after the whole unit, so that a
        batch asks once)."""
        key = dossier.key
        self._forget_signals(dossier)
        self.tx.delete(key)
        self.tx.delete_notifications(key)
        self.tx.delete_log_refs(log_token(dossier.subject.log_secret))
        forget_secrets()  # the youth's log secret goes from the HMAC caches too
        self._hold(key, None)
        self.changed.pop(key, None)
        self.scrub = True

    def _forget_signals(
        self,
        dossier: Dossier,
        professional: str | None = None,
        since: datetime | None = None,
        through: str | None = None,
    ) -> None:
        """Take the youth of *dossier* out of the family and address signals they were
        part of and whose notices are still pending for others (decision 94); with
        *professional*, only that professional's part through this youth (a link withdrawn
        as unjustified, decision 95). A signal names no youth, only the professionals
        involved with the household; each pending notice stops naming a professional who
        was in the signal through the part that leaves alone, a notice to that part goes,
        and so does a signal left with fewer than two youths (or a notice left naming no
        one). Who is in a signal through which youth is read from the logbook: each
        youth's ``SIGNALLED`` entries name the signal and the professional told about them."""
        if self._signals_pending is None:  # once a unit: a signal about a youth it holds
            # locked cannot be made by anyone else meanwhile
            self._signals_pending = self.tx.any_signal_notifications()
        if not self._signals_pending:
            return
        mine = self._signals_in_log(dossier, professional, since, through)
        if not mine:
            return
        key = dossier.key
        pending = self.tx.signal_notifications(mine)
        if professional is None:  # those filed under the youth go with the youth
            pending = [(k, n) for k, n in pending if k != key]
        if not pending:
            return
        unlocked = {k for k, _ in pending}.difference(self.locks)
        if unlocked:  # asked for at the flush, with what the rest of the unit needs
            self.wanted.update(unlocked)
            return
        revised: list[Notification] = []
        gone: list[str] = []
        for signal in sorted(mine):
            notices = [(k, n) for k, n in pending if n.match_id == signal]
            if not notices:
                continue
            members = self._members(signal, notices, key, professional)
            if len({youth for _, youth in members}) < 2:
                members.clear()  # no household match is left: the signal goes
            staying = {p for p, _ in members}
            for k, notice in notices:
                contacts = tuple(c for c in notice.contacts if c.professional_id in staying)
                if not contacts or (notice.recipient, k) not in members:
                    gone.append(notice.id)
                elif len(contacts) != len(notice.contacts):
                    revised.append(attrs.evolve(notice, contacts=contacts))
        self.tx.revise_notifications(revised)
        self.tx.remove_notifications(gone)  # unsent: they would name no one left
        self.scrub = True

    def _members(
        self,
        signal: str,
        notices: list[tuple[str, Notification]],
        leaving: str,
        professional: str | None,
    ) -> set[tuple[str, str]]:
        """``(professional, youth key)`` of everyone in *signal*, but for the part that
        leaves (the youth *leaving*; with *professional*, only theirs through it): each
        notice pending under a youth says its recipient is in it through that youth; for a
        professional a notice names, the log of a youth of the household as it is now
        (the youths who share a parent or the dwelling with one the signal's notices are
        filed under) says, when that professional has a link there. A youth who left the
        household since takes their professionals' part along; one whose record cannot be
        read keeps every part in doubt (a lost signal is worse than a name too many)."""

        def left(p: str, k: str) -> bool:
            return k == leaving and (professional is None or p == professional)

        members = {(n.recipient, k) for k, n in notices if not left(n.recipient, k)}
        unknown = {c.professional_id for _, n in notices for c in n.contacts}
        unknown.update(n.recipient for _, n in notices)
        unknown.difference_update(p for p, _ in members)
        if not unknown:
            return members
        household = self._household({leaving, *(k for k, _ in notices)})
        if household is None:  # a record on the way cannot be read: every part in doubt
            # stays, and the signal with it (a name too many, never a lost signal)
            members.update((p, _UNREADABLE) for p in unknown)
            return members
        for k in household:
            try:
                other = self.load(k)
            except CorruptRecordError:
                members.update((p, _UNREADABLE) for p in unknown)
                continue
            if other is None:
                continue
            for p in sorted(unknown.intersection(lk.professional for lk in other.links)):
                if not left(p, k) and signal in self._signals_in_log(other, p):
                    members.add((p, k))
        return members

    def _household(self, keys: Collection[str]) -> list[str] | None:
        """The youths who share a registered parent or the dwelling with a youth of *keys*,
        and those youths, as the unit has them now; ``None`` when a record on the way
        cannot be read."""
        found = set(keys)
        try:
            for key in keys:
                dossier = self.load(key)
                if dossier is None:
                    continue
                subject = dossier.subject
                for parent in subject.parent_keys:
                    found.update(self.keys_for_parent(parent))
                if subject.address_key is not None:
                    found.update(self.keys_for_address(subject.address_key))
        except CorruptRecordError:
            return None
        return sorted(found)

    def forget_link(
        self, before: Dossier, after: Dossier, link: Link, regions: Collection[str]
    ) -> None:
        """*link*, withdrawn as unjustified, is deleted as if it had never been made (JW
        7.1.4.5(1)(a)), and so is what the notices still pending say of it (decision 95):
        *before* is the dossier with the link, *after* without it, its match brought in
        line, and *regions* the regions of the organisations in that match. Of the match
        the link was in: its professional's notices go, the others stop naming them, all
        of them go when the match dissolved (the professionals', the follow-up checker's,
        the coordinators'), and a coordinator's goes when the match no longer spans their
        region (or any two). The professional's move notice about the link goes, and a
        move notice made since the link stops naming them. The household signals lose that
        professional's part through this youth since the link was made. What was told
        through an earlier link of the same professional (archived, kept lawfully) stays."""
        professional = link.professional
        since = self._registered_at(before, link)
        self._forget_signals(before, professional, since=since, through=link.id)
        old = before.match
        of_link = old.id if old is not None and link.id in old.links else None
        dissolved = of_link is not None and (after.match is None or after.match.id != of_link)
        revised: list[Notification] = []
        gone: list[str] = []
        for notice in self.tx.notifications_for(after.key):
            kind = notice.kind
            if kind is NotificationKind.MOVE or (
                kind is NotificationKind.COORDINATOR and notice.match_id is None
            ):  # a move's: the new municipality's and region's name every active link
                if notice.link_id == link.id:
                    gone.append(notice.id)
                    continue
                naming = notice.created_at >= since
            else:
                naming = of_link is not None and notice.match_id == of_link
            if not naming:
                continue  # another match's, a signal's (above), or a move's before the link
            if (
                (dissolved and kind in _OF_A_MATCH and notice.match_id is not None)
                or (kind is NotificationKind.MATCH and notice.recipient == professional)
                or (
                    kind is NotificationKind.COORDINATOR
                    and notice.match_id is not None
                    and (len(regions) < 2 or notice.recipient not in regions)
                )
                or (notice.to_a_region and notice.recipient not in regions)
            ):
                gone.append(notice.id)
                continue
            contacts = tuple(c for c in notice.contacts if c.professional_id != professional)
            if len(contacts) == len(notice.contacts):
                continue
            if contacts or kind is not NotificationKind.MATCH:
                revised.append(attrs.evolve(notice, contacts=contacts))
            else:
                gone.append(notice.id)
        self.tx.revise_notifications(revised)
        self.tx.remove_notifications(gone)
        self.scrub = True

    def _signals_in_log(
        self,
        dossier: Dossier,
        professional: str | None = None,
        since: datetime | None = None,
        through: str | None = None,
    ) -> set[str]:
        """The ids of the family and address signals logged about the youth of *dossier*
        (about *professional*, when given; logged at *since* or later, when given). With
        *through*, those told through that link, read from the entry, and of an entry
        that names no link (written before decision 125) those logged at *since* or
        later."""
        want = None if professional is None else actor(professional)
        found: set[str] = set()
        for entry, made_with in _opened(self.tx, dossier, LogAction.SIGNALLED):
            if entry.match_id is None or (want is not None and entry.actor != want):
                continue
            if through is not None and entry.link_id is not None:
                if _unsealed(made_with, entry.id, entry.link_id) != through:
                    continue  # told through another link (one a merge dropped too): it stays
            elif since is not None and entry.at < since:
                continue
            signal = _unsealed(made_with, entry.id, entry.match_id)
            if signal is not None and signal.startswith(_SIGNAL_PREFIXES):
                found.add(signal)
        return found

    def _registered_at(self, dossier: Dossier, link: Link) -> datetime:
        """When this index registered *link* (see :func:`registered`); the link's own
        moment when no entry opens to it."""
        return registered(self.tx, dossier).get(link.id, link.created_at)

    def merge(self, old: Dossier, into: Dossier) -> None:
        """The youth of *old* is the youth of *into* (a service number merged into the
        BSN's dossier): delete *old*, file its pending notifications under *into*, and
        refer its log entries under *into*'s token, unless the two share the secret."""
        key = old.key
        old_token = log_token(old.subject.log_secret)
        new_token = log_token(into.subject.log_secret)
        if old_token != new_token:
            ids = [entry.id for entry in self.tx.log_entries_for(old_token)]
            if ids:
                self.tx.append_log([], [(new_token, entry_id) for entry_id in ids])
            self.tx.delete_log_refs(old_token)
        self.tx.delete(key)
        self.tx.rekey_notifications(key, into.key)
        self._hold(key, None)
        self.changed.pop(key, None)
        self.scrub = True

    # -- the directory -----------------------------------------------------------------------------

    def organisation(self, organisation_id: str) -> Organisation | None:
        """The organisation, read from the store at most once in this unit."""
        if organisation_id not in self._organisations:
            self._organisations[organisation_id] = self.tx.get_organisation(organisation_id)
        return self._organisations[organisation_id]

    def professional(self, professional_id: str) -> Professional | None:
        """The professional, read from the store at most once in this unit."""
        if professional_id not in self._professionals:
            self._professionals[professional_id] = self.tx.get_professional(professional_id)
        return self._professionals[professional_id]

    def prefetch(
        self,
        organisation_ids: Iterable[str],
        professional_ids: Iterable[str],
        *,
        log_head: bool = False,
    ) -> None:
        """Read the organisations and professionals this unit will ask for, at once where
        the store can (:class:`~verwijsindex.storage.DirectoryReading`); elsewhere they
        are read one by one when asked for, as before. With *log_head*, the unit's logbook
        head is read and locked with them: for a short unit (one registration), whose lane
        would otherwise cost a round trip of its own at the end."""
        if not _reads_directory(type(self.tx)):
            return
        organisations = [i for i in dict.fromkeys(organisation_ids) if i not in self._organisations]
        professionals = [i for i in dict.fromkeys(professional_ids) if i not in self._professionals]
        if organisations or professionals:
            reader = cast(DirectoryReading, self.tx)  # checked by its class above
            lanes = (self.lane,) if log_head else ()
            found = reader.read_directory(organisations, professionals, log_lanes=lanes)
            self._organisations.update(found[0])
            self._professionals.update(found[1])

    def put_professional(self, professional: Professional) -> None:
        """Store *professional*'s details, unless they are stored as they are already."""
        if self.professional(professional.id) != professional:
            self.tx.put_professional(professional)
            self._professionals[professional.id] = professional

    # -- log and outbox ----------------------------------------------------------------------------

    def log(
        self,
        at: datetime,
        actor: str,
        action: LogAction,
        *,
        about: Dossier | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
        count: int | None = None,
    ) -> None:
        """Log one entry; *about* is the youth it concerns. It names the youth only through
        a reference made for this entry from the youth's secret, and the ids of the youth's
        links and matches are sealed under that secret (decision 32)."""
        entry_id = new_id()
        key = subject_ref = None
        if about is not None:
            key = about.subject.key
            if key not in self.dossiers:
                self._hold(key, about)
            # entry_ref, and seal_id of each id that is a string (anything else is left
            # as it is, for draft() to refuse), with the youth's key made ready once
            link_text = link_id if isinstance(link_id, str) else None
            match_text = match_id if isinstance(match_id, str) else None
            subject_ref, sealed_link, sealed_match = entry_seals(
                about.subject.log_secret, entry_id, link_text, match_text
            )
            if link_text is not None:
                link_id = sealed_link
            if match_text is not None:
                match_id = sealed_match
        elif link_id is not None or match_id is not None:
            raise InvalidRecordError("a log entry that names a link or match is about a youth")
        entry = logbook.draft(
            at,
            actor,
            action,
            id=entry_id,
            subject_ref=subject_ref,
            link_id=link_id,
            match_id=match_id,
            count=count,
        )
        self.drafts.append((entry, key))

    def signal(
        self,
        about: Dossier,
        actor: str,
        kind: NotificationKind,
        recipient: str,
        at: datetime,
        *,
        match_id: str | None = None,
        link_id: str | None = None,
        contacts: tuple[Contact, ...] = (),
        through: str | None = None,
    ) -> None:
        """Put a notification for *recipient* in the outbox, filed under the youth *about*,
        and log that *actor* (the recipient as the logbook names it) was signalled; the
        entry names (sealed) the link *through* which they were, when given: a household
        signal's, so that a link withdrawn as unjustified takes what was told through it
        and nothing else (decision 125).

        The notification is made without its validators (``_copy.unchecked``): every value
        is the library's, valid by construction. The id is :func:`new_id`'s; *kind* one of
        the members :mod:`~verwijsindex.signals` names; *recipient* a professional's id from
        a :class:`Link` or :class:`~verwijsindex.model.Match` (an identifier), a CBS code
        from a youth's :class:`~verwijsindex.model.Address` or a region's name (one line of
        at most 150 characters, ``regions._name``); *at* a moment in UTC from
        :meth:`stamp` or ``check_moment``; *match_id* a match's id or a household signal's
        (``family-`` or ``address-`` and a :func:`new_id`); *link_id* a link's; *contacts*
        a tuple of :class:`Contact`. Only :mod:`~verwijsindex.signals` calls this."""
        self.notes.append(
            (
                about.subject.key,
                _notification(
                    id=new_id(),
                    kind=kind,
                    recipient=recipient,
                    created_at=at,
                    match_id=match_id,
                    link_id=link_id,
                    contacts=contacts,
                ),
            )
        )
        self.log(at, actor, LogAction.SIGNALLED, about=about, link_id=through, match_id=match_id)

    def count(self, kind: str, about: Dossier, at: datetime) -> None:
        """Count one event of *kind* for the statistics: in the month of *at*, under the
        youth's municipality and age band on that day. Only the count is kept."""
        day = local_date(at)
        subject = about.subject
        # the age limit's deletions count under the last band: the youth was in it until then
        age = min(age_on(subject.birth_date, day), self.rules.age_limit - 1, MAX_AGE)
        band = age_band(age)._value_  # .value is a property; _value_ is what it reads
        self.counts.append((day.replace(day=1), subject.address.municipality_code, band, kind, 1))

    # -- the end -----------------------------------------------------------------------------------

    def check_ring(self) -> None:
        """Refuse to answer that nothing is stored about a youth when another process
        re-keyed the store after this index opened: the youth would be stored under the
        new key, where this index cannot look (decision 90). For the paths that find no
        dossier and write nothing (a death or move notice, a rights request); a unit that
        writes checks as it flushes."""
        self.tx.log_head(self.lane)
        self._check_sealed_by_ring(self.tx.log_head_seal(self.lane))

    def _check_sealed_by_ring(self, seal: str) -> None:
        """Refuse to write when the lane's head is sealed by a key this unit's ring does not
        hold: another process re-keyed the store after this index opened (the re-key
        seals every head under the new key as it begins), and a youth looked up under
        the old key would be found nowhere and registered a second time (decision 90)."""
        key_id = seal.rpartition(":")[0]
        if key_id and all(key.id != key_id for key in self.keyring.keys):
            raise KeyMismatchError(
                f"the store's logbook is sealed by key id {key_id!r}, which this index's "
                "ring does not hold: another process re-keyed the store after this index "
                "opened. Nothing was written; open the index again with the store's ring",
                key_ids=(key_id,),
            )

    def flush(self) -> None:
        """Write what the unit collected: the log entries with their references and each
        youth's sealed count, the changed dossiers, and the outbox. The logbook head is
        asked for first, so that every transaction takes its lane before the rows it
        shares with others (the statistics' counts): two never wait for each other's."""
        if self.wanted:  # all at once: a batch of the sweep is tried again once, not per youth
            raise LockSiblings(frozenset(self.wanted))
        head = None
        if self.drafts:
            head = self.tx.log_head(self.lane)
            self._check_sealed_by_ring(self.tx.log_head_seal(self.lane))
        elif self.changed:  # a dossier saved without a log entry (a parent named again)
            self.check_ring()
        refs: list[tuple[str, str]] = []
        referred: dict[str, tuple[Dossier, str, list[str]]] = {}
        for entry, key in self.drafts:
            dossier = None if key is None else self.dossiers.get(key)
            if key is None or dossier is None:
                continue  # about no youth, or one deleted: the entry stays unlinkable
            if key not in referred:
                referred[key] = (dossier, log_token(dossier.subject.log_secret), [])
            _, token, ids = referred[key]
            ids.append(entry.id)
            refs.append((token, entry.id))
        changes: dict[str, dict[str, Any]] = {}
        for key, (_, token, ids) in referred.items():
            dossier = self.dossiers[key] or referred[key][0]
            logged = dossier.logged + len(ids)
            digest = logbook.refs_digest(ids, dossier.log_digest)
            self.changed[key] = dossier
            changes[key] = {
                "logged": logged,
                "log_digest": digest,
                "log_seal": self.keyring.seal(logbook.refs_message(token, logged, digest)),
            }
        for key, dossier in self.changed.items():
            change = changes.get(key, {})
            moment = self.moments.get(key)
            if moment is not None and (dossier.changed_at is None or moment > dossier.changed_at):
                change["changed_at"] = moment
            self.tx.save(finish(dossier, self.rules, **change))
        self.changed.clear()
        if self.notes:
            self.tx.add_notifications(self.notes)
            self.notes = []
        if self.counts:
            self.tx.add_counts(self.counts)
            self.counts = []
        if self.drafts:
            drafts = [entry for entry, _ in self.drafts]
            entries = logbook.chain(head, drafts, lane=self.lane, trusted=True)
            last = entries[-1]
            seal = self.keyring.seal(logbook.head_message(last.lane, last.seq, last.hash))
            self.tx.append_log(entries, refs, {self.lane: seal})
            self.drafts = []
