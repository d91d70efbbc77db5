"""The unit of work (werkeenheid): what one transaction reads, changes, logs and notifies.

Operations read dossiers through the unit (each at most once), stamp their changes with a
moment read while the youth's lock is held, and hand back what they changed; the unit
writes it all when the transaction ends: the dossiers with their due days and the count
of log entries that refer to the youth, the outbox, and the chained logbook entries with
a sealed head.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime

import attrs

from verwijsindex import logbook
from verwijsindex.clock import Clock, ensure_aware, local_date
from verwijsindex.errors import ForbiddenFieldError, InvalidRecordError, NotFoundError
from verwijsindex.logbook import head_message, refs_message
from verwijsindex.matching import Rules, archive_purge_date, deletion_date
from verwijsindex.model import (
    Link,
    LinkStatus,
    LogAction,
    Notification,
    Professional,
    Recipient,
    looks_like_free_text,
)
from verwijsindex.pseudonyms import Keyring, entry_ref, log_token, seal_id
from verwijsindex.storage import Dossier, Transaction

SYSTEM = "system"

_Draft = tuple[logbook.Pending, "str | None"]
"""A log entry before it has its id, and the key of the youth it is about (if any)."""


class UnitOfWork:
    """Collects what one transaction reads and changes, and writes it at the end.

    *clock* is read under the transaction's locks (:meth:`stamp`); *keyring* seals the
    logbook head and each youth's count of log references; *rules* give the due days.
    """

    def __init__(
        self, tx: Transaction, lane: int, *, clock: Clock, keyring: Keyring, rules: Rules
    ) -> None:
        self.tx = tx
        self.lane = lane
        self.clock = clock
        self.keyring = keyring
        self.rules = rules
        self.dossiers: dict[str, Dossier | None] = {}
        self.gone: dict[str, Dossier] = {}
        self.changed: dict[str, Dossier] = {}
        self.moments: dict[str, datetime] = {}
        self.drafts: list[_Draft] = []
        self.notes: list[tuple[str, Notification]] = []
        self.forgotten: set[str] = set()

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        """The youth's dossier as this unit has it (read from the store once)."""
        if key in self.dossiers:
            return self.dossiers[key]
        dossier = self.tx.load(key)
        self.dossiers[key] = dossier
        return dossier

    def keys_for_parent(self, parent_key: str) -> list[str]:
        """The youths with registered parent *parent_key*, as this unit has them."""
        keys = set(self.tx.keys_for_parent(parent_key))
        for key, dossier in self.dossiers.items():
            if dossier is None:
                keys.discard(key)
            elif parent_key in dossier.subject.parent_keys:
                keys.add(key)
            else:
                keys.discard(key)
        return sorted(keys)

    def stamp(self, dossier: Dossier | None = None, at: datetime | None = None) -> datetime:
        """The moment of a change to *dossier*: the clock read now, under the lock (or *at*
        when the caller gives the moment), and never earlier than the latest moment
        already stored in the dossier, so a host whose clock lags cannot stamp a change
        before one it follows."""
        now = ensure_aware(self.clock(), "clock()") if at is None else at
        if dossier is not None:
            latest = latest_moment(dossier)
            if latest is not None and latest > now:
                now = latest
            key = dossier.key
            before = self.moments.get(key)
            if before is None or now > before:
                self.moments[key] = now
        return now

    def save(self, dossier: Dossier) -> None:
        """Keep *dossier* as changed; it is written when the unit is flushed."""
        key = dossier.key
        self.dossiers[key] = dossier
        self.changed[key] = dossier

    def delete(self, dossier: Dossier) -> None:
        """Delete everything about one youth: the dossier with its links, match and archive,
        their pending notifications, and the references that tie log entries to them. Log
        entries about the youth in this unit get no reference either."""
        key = dossier.key
        secret = dossier.subject.log_secret
        self.tx.delete(key)
        self.tx.delete_notifications(key)
        self.tx.delete_log_refs(log_token(secret))
        self.dossiers[key] = None
        self.gone[key] = dossier
        self.changed.pop(key, None)
        self.forgotten.add(secret)

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
        """Log one entry; *about* is the youth it concerns. Ids of the youth's links and
        matches are sealed under the youth's secret, so they go with it on deletion."""
        draft = logbook.pending(at, actor, action, link_id=link_id, match_id=match_id, count=count)
        if about is None and (link_id is not None or match_id is not None):
            raise InvalidRecordError("a log entry that names a link or match is about a youth")
        key = None
        if about is not None:
            key = about.key
            if key not in self.dossiers:
                self.dossiers[key] = about
        self.drafts.append((draft, key))

    def notify(self, key: str, notification: Notification) -> None:
        self.notes.append((key, notification))

    # -- the end -----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what the unit collected: log entries (with their references and each
        youth's sealed count), the changed dossiers, and the outbox."""
        rows: list[logbook.Row] = []
        refs: list[tuple[str, str]] = []
        referred: dict[str, int] = {}
        secrets: dict[str, tuple[str, str]] = {}
        for draft, key in self.drafts:
            entry_id = new_id()
            at, who, action, link_id, match_id, count = draft
            subject_ref = None
            if key is not None:
                dossier = self.dossiers[key]
                found = secrets.get(key)
                if found is None:
                    if dossier is None:  # deleted in this unit: its entries are unlinkable
                        secret = self.gone[key].subject.log_secret
                        token = ""
                    else:
                        secret = dossier.subject.log_secret
                        token = log_token(secret)
                    found = secrets[key] = (secret, token)
                secret, token = found
                subject_ref = entry_ref(secret, entry_id)
                if link_id is not None:
                    link_id = seal_id(secret, entry_id, link_id)
                if match_id is not None:
                    match_id = seal_id(secret, entry_id, match_id)
                if secret not in self.forgotten and dossier is not None:
                    refs.append((token, entry_id))
                    referred[key] = referred.get(key, 0) + 1
            rows.append((entry_id, at, who, action, subject_ref, link_id, match_id, count))
        for key, added in referred.items():
            dossier = self.dossiers[key]
            assert dossier is not None
            logged = dossier.logged + added
            token = secrets[key][1]
            self.changed[key] = attrs.evolve(
                dossier, logged=logged, log_seal=self.keyring.seal(refs_message(token, logged))
            )
        for key, dossier in self.changed.items():
            moment = self.moments.get(key)
            if moment is not None and (dossier.changed_at is None or moment > dossier.changed_at):
                dossier = attrs.evolve(dossier, changed_at=moment)
            self.tx.save(finish(dossier, self.rules))
        self.changed.clear()
        if self.notes:
            self.tx.add_notifications(self.notes)
            self.notes = []
        if rows:
            head = self.tx.log_head(self.lane)
            entries = logbook.chain_rows(head, rows, lane=self.lane, trusted=True)
            last = entries[-1]
            seal = self.keyring.seal(head_message(last.lane, last.seq, last.hash))
            self.tx.append_log(entries, refs, {self.lane: seal})
        self.drafts = []


def latest_moment(dossier: Dossier) -> datetime | None:
    """The latest moment stored in *dossier*: its ``changed_at``, or for a dossier written
    before that was kept, the latest link or match time in it."""
    if dossier.changed_at is not None:
        return dossier.changed_at
    moments = [lk.created_at for lk in dossier.links]
    if dossier.match is not None:
        moments.append(dossier.match.updated_at)
    return max(moments) if moments else None


def finish(dossier: Dossier, rules: Rules) -> Dossier:
    """*dossier* with the days on which a sweep or an information check has work."""
    days: list[date] = [deletion_date(dossier.subject.birth_date, rules)]
    if dossier.subject.died_on is not None:
        days.append(dossier.subject.died_on)
    for link in dossier.links:
        if link.status is LinkStatus.ACTIVE:
            days.append(link.ends_on)
        elif link.archived_on is not None:
            days.append(archive_purge_date(link.archived_on, rules))
    informed = informed_by_link(dossier)
    active = {lk.id for lk in dossier.links if lk.status is LinkStatus.ACTIVE}
    pending = [
        duty.inform_by
        for duty in dossier.duties
        if duty.link_id in active and not duty.recipients <= informed.get(duty.link_id, set())
    ]
    sweep_due = min(days)
    information_due = min(pending) if pending else None
    if dossier.sweep_due == sweep_due and dossier.information_due == information_due:
        return dossier
    return attrs.evolve(dossier, sweep_due=sweep_due, information_due=information_due)


def new_id() -> str:
    """A random id: 128 bits from the operating system, as 32 hex digits."""
    return os.urandom(16).hex()


def actor(professional_id: str) -> str:
    return f"professional:{professional_id}"


def refuse_extra(extra: Mapping[str, object]) -> None:
    for name in extra:
        if looks_like_free_text(name):
            raise ForbiddenFieldError(field=name)
        raise InvalidRecordError(f"unexpected field {name!r}")


def professional_id(value: Professional | str) -> str:
    if isinstance(value, Professional):
        return value.id
    if isinstance(value, str) and value:
        return value
    raise InvalidRecordError("a professional is a Professional or its id")


def find_link(dossier: Dossier | None, link_id: str) -> Link:
    if dossier is not None:
        for link in dossier.links:
            if link.id == link_id:
                return link
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
